"""Backups: a sound timestamped copy, pruning, restoring over a damaged or missing database."""

from __future__ import annotations

import datetime as dt
import os
import sqlite3
import time

import pytest

from bigconv.core.errors import StoreError
from bigconv.data import backup, database
from bigconv.data.checkin import check_in
from tests.helpers.processes import run_cli


def count(path, table: str) -> int:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
    finally:
        conn.close()


def test_backup_is_a_sound_single_file_copy(db, small_db, tmp_path):
    check_in(db, 1, station="Desk 1")
    moment = dt.datetime(2026, 11, 27, 9, 45, 0, 123000, tzinfo=dt.UTC)
    path = backup.backup(small_db, tmp_path / "b", now=moment)
    assert path.name == "small-20261127-094500-123Z.db"
    assert backup.check(path) == "ok"
    assert count(path, "checkins") == 1
    assert count(path, "attendees") == 5
    # Self-contained: no -wal beside it, and journal mode DELETE when opened.
    assert sorted(p.name for p in path.parent.iterdir()) == [path.name]


def test_default_folder_is_beside_the_database(small_db):
    path = backup.backup(small_db)
    assert path.parent == small_db.parent / "backups"


def test_backup_of_missing_database_is_refused(tmp_path):
    with pytest.raises(StoreError, match="no database"):
        backup.backup(tmp_path / "nope.db", tmp_path)


def test_prune_keeps_the_newest(small_db, tmp_path):
    base = dt.datetime(2026, 11, 27, 9, 0, tzinfo=dt.UTC)
    made = [
        backup.backup(small_db, tmp_path, now=base + dt.timedelta(minutes=5 * i)) for i in range(5)
    ]
    other = tmp_path / "notes.txt"
    other.write_text("not a backup")
    stale = made[0].with_name(made[0].name + ".partial")
    fresh = made[1].with_name(made[1].name + ".partial")
    for partial in (stale, fresh):
        partial.write_bytes(b"cut off")
    # Deliberate clock reads: prune() judges a .partial file by its age on this machine's clock,
    # and under a faked clock (CI's faketime runs) a file's own stamp is not shifted with it.
    now = time.time()
    os.utime(stale, (now - 7200, now - 7200))  # two hours old: its writer is gone
    os.utime(fresh, (now - 60, now - 60))  # a minute old: may still be being written
    removed = backup.prune(tmp_path, keep=2, db_path=small_db)
    assert removed == [*made[:3], stale]
    assert fresh.exists()  # may still be being written
    assert backup.backups(tmp_path, small_db) == made[3:]
    assert other.exists()


def test_restore_over_a_damaged_database(db, small_db, tmp_path):
    check_in(db, 2, station="Desk 1")
    saved = backup.backup(small_db, tmp_path / "b")
    db.close()
    with open(small_db, "r+b") as f:  # scribble over the header and first pages
        f.write(b"\x00garbage" * 2000)
    assert backup.check(small_db) != "ok"

    moved = backup.restore(saved, small_db).moved

    assert moved is not None and moved.exists()  # the damaged file is kept, not deleted
    assert moved.read_bytes().startswith(b"\x00garbage")
    fresh = database.connect(small_db)
    try:
        assert fresh.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert fresh.execute("SELECT attendee_id FROM checkins").fetchall() == [(2,)]
        assert fresh.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    finally:
        fresh.close()


def test_restore_when_the_database_is_missing(small_db, tmp_path):
    saved = backup.backup(small_db, tmp_path / "b")
    for suffix in ("", "-wal", "-shm"):
        (small_db.parent / (small_db.name + suffix)).unlink(missing_ok=True)
    assert backup.restore(saved, small_db).moved is None
    assert backup.check(small_db) == "ok"
    assert count(small_db, "attendees") == 5


def test_restore_refuses_a_bad_backup(small_db, tmp_path):
    bad = tmp_path / "bad.db"
    bad.write_bytes(b"this is not sqlite" * 100)
    before = small_db.read_bytes()
    with pytest.raises(StoreError, match="not a usable backup"):
        backup.restore(bad, small_db)
    assert small_db.read_bytes() == before


def test_periodic_backup_runs_when_due_and_keeps_several(small_db, tmp_path):
    periodic = backup.PeriodicBackup(small_db, tmp_path, every=300, keep=2)
    assert periodic.maybe_backup(now=1000.0) is not None  # the first call backs up at once
    assert periodic.maybe_backup(now=1200.0) is None  # not due yet
    for now in (1300.0, 1600.0, 1900.0):
        assert periodic.maybe_backup(now=now) is not None
    assert len(backup.backups(tmp_path, small_db)) == 2
    assert periodic.last_error is None


def test_periodic_backup_reports_failure_without_raising(tmp_path):
    periodic = backup.PeriodicBackup(tmp_path / "gone.db", tmp_path, every=60)
    assert periodic.maybe_backup(now=0.0) is None
    assert "no database" in periodic.last_error


def test_cli_backup_and_restore(small_event, small_db, tmp_path):
    done = run_cli("backup", small_event, "--to", tmp_path / "copies", "--keep", "3")
    assert done.returncode == 0, done.stderr
    [saved] = backup.backups(tmp_path / "copies", small_db)
    assert str(saved) in done.stdout

    restored = run_cli("restore", small_event, saved)
    assert restored.returncode == 0, restored.stderr
    assert "Kept the previous database as" in restored.stdout
    assert backup.check(small_db) == "ok"


def test_cli_backup_without_database_exits_2(small_event, tmp_path):
    done = run_cli("backup", small_event)
    assert done.returncode == 2
    assert "no database to back up" in done.stderr
    assert "Traceback" not in done.stderr
    assert not (tmp_path / "small.db").exists()


def test_cli_restore_of_missing_file_exits_2(small_event, small_db):
    done = run_cli("restore", small_event, "nowhere.db")
    assert done.returncode == 2
    assert "nowhere.db: file not found" in done.stderr


def test_run_has_a_backup_interval_option():
    done = run_cli("run", "--help")
    assert "--backup-minutes" in done.stdout


def test_check_reads_the_named_file_even_with_odd_characters(tmp_path):
    odd = tmp_path / "day?1#.db"
    odd.write_bytes(b"not a database at all" * 300)
    assert backup.check(odd) != "ok"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["day?1#.db"]
