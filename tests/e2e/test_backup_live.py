"""A backup taken while other processes keep writing is sound and holds everything before it."""

from __future__ import annotations

import sqlite3

from bigconv.data import backup, database
from tests.helpers.storm import Storm, missing


def test_backup_while_writers_write(small_db, tmp_path):
    storm = Storm(small_db, writers=2)
    try:
        storm.wait_for(300)
        before = storm.snapshot()  # all committed before the backup started
        path = backup.backup(small_db, tmp_path / "backups")
        after_backup = len(storm.snapshot())
        storm.wait_for(after_backup + 200)  # the writers were never stopped by it
    finally:
        storm.kill()

    assert backup.check(path) == "ok"
    copy = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        assert copy.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
        assert missing(copy, before) == []
        # A snapshot, not a copy of the end state: it lacks what came well after it.
        assert missing(copy, storm.snapshot()) != []
    finally:
        copy.close()
    live = database.connect(small_db)
    try:
        assert missing(live, storm.snapshot()) == []
    finally:
        live.close()
