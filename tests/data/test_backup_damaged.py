"""A damaged database never costs the good backups; the alert reaches serve and the stations."""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import sqlite3

from bigconv.data import backup
from bigconv.tui.app import make_app
from bigconv.tui.config import StationConfig
from tests.helpers.damage import three_good
from tests.helpers.processes import run_cli


def damage(path) -> None:
    """Overwrite 64 KB after the header page (or the rest of a smaller file) with garbage."""
    size = path.stat().st_size
    with open(path, "r+b") as f:
        f.seek(4096)
        f.write(os.urandom(min(64 * 1024, size - 4096)))


def test_backup_of_a_damaged_database_keeps_every_good_backup(small_event, small_db, tmp_path):
    dest = tmp_path / "b"
    good = three_good(small_db, dest)
    damage(small_db)
    done = run_cli("backup", small_event, "--to", dest, "--keep", "3")
    assert done.returncode == 1, done.stdout + done.stderr
    assert "DATABASE DAMAGED" in done.stderr and str(good[-1]) in done.stderr
    assert "Traceback" not in done.stderr
    assert backup.backups(dest, small_db) == good  # nothing pruned, nothing added
    assert all(backup.check(p) == "ok" for p in good)
    assert len(list(dest.glob("*.damaged"))) == 1  # kept for inspection, not as a backup
    assert "bigconv restore" in backup.read_alert(small_db)
    restored = run_cli("restore", small_event, good[-1])
    assert restored.returncode == 0, restored.stderr
    assert backup.read_alert(small_db) is None


def test_pruning_never_removes_the_newest_good_backup(small_db, tmp_path):
    dest = tmp_path / "b"
    good = three_good(small_db, dest)
    base = dt.datetime(2026, 11, 27, 10, 0, tzinfo=dt.UTC)
    later = [backup.backup(small_db, dest, now=base + dt.timedelta(minutes=i)) for i in range(2)]
    for path in later:  # damaged on disk after they were made
        damage(path)
    removed = backup.prune(dest, keep=2, db_path=small_db)
    assert good[-1] not in removed and good[-1].exists()
    assert backup.newest_good(dest, small_db) == good[-1]


def test_periodic_backups_on_a_damaged_file_say_what_to_do(small_db, tmp_path):
    dest = tmp_path / "b"
    good = three_good(small_db, dest)
    damage(small_db)
    periodic = backup.PeriodicBackup(small_db, dest, keep=1)
    for _ in range(3):
        assert periodic.backup_now() is None
    assert "DATABASE DAMAGED" in periodic.last_error and "bigconv restore" in periodic.last_error
    assert backup.backups(dest, small_db) == good
    assert len(list(dest.glob("*.damaged"))) == backup.KEEP_DAMAGED


async def test_every_station_shows_the_alert(small_db):
    app = make_app(small_db, StationConfig(station="Desk 1", mode="desk"))
    async with app.run_test() as pilot:
        backup.raise_alert(small_db, "DATABASE DAMAGED: restore the newest good backup")
        async with asyncio.timeout(10):
            while not any("DATABASE DAMAGED" in str(n.message) for n in app._notifications):
                await pilot.pause(0.05)


def test_quick_check_finds_the_damage(small_db):
    damage(small_db)
    try:
        verdict = backup.check(small_db, quick=True)
    except sqlite3.DatabaseError as exc:  # pragma: no cover - check() never raises
        verdict = str(exc)
    assert verdict != "ok"
