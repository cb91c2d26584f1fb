"""Damage `PRAGMA quick_check` cannot see: index entries pointing at the wrong rows.

A flipped bit in an index leaves every b-tree well formed, so only the full
`integrity_check` (which compares each index with its table) finds it. Backups must run that
check, `restore` and `repair` must mend it (REINDEX), and `doctor` must say so.
"""

from __future__ import annotations

import shutil
import sqlite3
import time

from bigconv.data import backup
from tests.helpers.damage import flip_index_rowids, junk_over_table, three_good
from tests.helpers.processes import run_cli
from tests.helpers.writers import Writers

INDEX = "attendees_email"


def rows(path) -> list[tuple]:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return conn.execute("SELECT * FROM attendees ORDER BY id").fetchall()
    finally:
        conn.close()


def damage_indexes(small_db) -> None:
    flip_index_rowids(small_db, INDEX)
    assert backup.check(small_db, quick=True) == "ok"  # quick_check misses it
    verdict = backup.check(small_db)
    assert f"missing from index {INDEX}" in verdict, verdict


def test_backups_of_index_damage_fail_and_keep_every_good_backup(small_event, small_db):
    folder = backup.default_dir(small_db)
    good = three_good(small_db, folder)
    damage_indexes(small_db)
    for _ in range(4):
        done = run_cli("backup", small_event, "--keep", "3")
        assert done.returncode == 1, done.stdout + done.stderr
        assert "DATABASE DAMAGED" in done.stderr and f"missing from index {INDEX}" in done.stderr
        assert str(good[-1]) in done.stderr and "Traceback" not in done.stderr
    assert backup.backups(folder, small_db) == good  # nothing pruned, nothing added
    assert all(backup.check(p) == "ok" for p in good)
    assert len(list(folder.glob("*.damaged"))) == backup.KEEP_DAMAGED
    assert backup.alert_path(small_db).exists()

    doctor = run_cli("doctor", small_event)
    assert doctor.returncode == 1, doctor.stdout + doctor.stderr
    assert "PROBLEM: DATABASE DAMAGED" in doctor.stdout
    assert f"the integrity_check fails: row 3 missing from index {INDEX}" in doctor.stdout
    assert f"Newest good backup: {good[-1]}" in doctor.stdout

    restored = run_cli("restore", small_event, good[-1])
    assert restored.returncode == 0, restored.stderr
    assert backup.check(small_db) == "ok" and backup.read_alert(small_db) is None
    assert run_cli("doctor", small_event).returncode == 0


def test_restore_rebuilds_the_indexes_of_a_copy_made_by_hand(small_event, small_db, tmp_path):
    damage_indexes(small_db)
    by_hand = tmp_path / "by-hand.db"
    shutil.copy(small_db, by_hand)
    kept = by_hand.read_bytes()
    done = run_cli("restore", small_event, by_hand)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "had damaged indexes: rebuilt them on a copy (REINDEX)" in done.stdout
    assert backup.check(small_db) == "ok"
    assert len(rows(small_db)) == 5
    assert by_hand.read_bytes() == kept  # the backup file itself is unchanged


def test_repair_rebuilds_the_live_files_indexes(small_event, small_db):
    before = rows(small_db)
    damage_indexes(small_db)
    damaged = small_db.read_bytes()
    done = run_cli("repair", small_event)
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"Repaired {small_db}: its indexes were damaged" in done.stdout
    assert backup.check(small_db) == "ok"
    assert rows(small_db) == before  # every row kept
    aside = small_db.parent.glob("small.db.before-restore-*")
    moved = [p for p in aside if not p.name.endswith(("-wal", "-shm"))]
    assert len(moved) == 1 and moved[0].read_bytes() == damaged  # kept aside, as it was
    assert f"Kept the damaged file as {moved[0]}" in done.stdout
    assert not small_db.with_name("small.db.repaired").exists()


def test_repair_refuses_damage_beyond_indexes_and_changes_nothing(small_event, small_db):
    junk_over_table(small_db, "attendees")
    assert backup.check(small_db) != "ok"
    damaged = small_db.read_bytes()
    done = run_cli("repair", small_event)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "the damage is not only in indexes" in done.stderr and "nothing changed" in done.stderr
    assert "bigconv restore" in done.stderr and "Traceback" not in done.stderr
    assert small_db.read_bytes() == damaged
    leftovers = [p.name for p in small_db.parent.iterdir() if ".repaired" in p.name]
    assert leftovers == [] and not list(small_db.parent.glob("small.db.before-restore-*"))


def test_repair_while_stations_write_loses_nothing_acknowledged(small_event, small_db):
    """Two station processes keep writing through `bigconv repair`: they pause for it and
    carry on with the repaired file, and every write they were told was saved is in it."""
    damage_indexes(small_db)
    writers = Writers(small_db)
    try:
        wait_for(lambda: len(writers.acks) >= 50)
        done = run_cli("repair", small_event)
        assert done.returncode == 0, done.stdout + done.stderr
        acked = len(writers.acks)
        wait_for(lambda: len(writers.acks) >= acked + 50)  # writing again, to the new file
    finally:
        writers.stop()
    assert backup.check(small_db) == "ok"
    conn = sqlite3.connect(f"file:{small_db}?mode=ro", uri=True)
    try:
        stored = {d for (d,) in conn.execute("SELECT device FROM reactions")}
    finally:
        conn.close()
    assert [d for d in writers.acks if d not in stored] == []


def wait_for(condition, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)
