"""A `bigconv backup` killed mid-copy leaves its partial copy and SQLite's journal beside it
(`NAME.db.partial`, `NAME.db.partial-journal`); the next `bigconv backup --keep N` removes
them once they are an hour old, and never a backup that may still be running."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from bigconv.data import backup
from tests.helpers.processes import run_cli

BALLAST_MB = 32  # big enough that copying it takes a tenth of a second or more


def add_ballast(db_path: Path) -> None:
    conn = sqlite3.connect(db_path)
    try:
        conn.execute("CREATE TABLE ballast (b BLOB)")
        conn.execute(
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?) "
            "INSERT INTO ballast SELECT randomblob(1048576) FROM n",
            [BALLAST_MB],
        )
        conn.commit()
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()
    finally:
        conn.close()


def kill_mid_copy(event: Path, dest: Path) -> list[Path]:
    """Start `bigconv backup` and SIGKILL it as soon as its copy's journal exists; returns
    what it left in `dest`."""
    before = set(dest.iterdir()) if dest.exists() else set()
    for _ in range(5):
        cmd = [sys.executable, "-m", "bigconv", "backup", str(event), "--to", str(dest)]
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            while proc.poll() is None:
                if dest.exists() and any(
                    p.name.endswith(".partial-journal") for p in set(dest.iterdir()) - before
                ):
                    proc.send_signal(signal.SIGKILL)
                    proc.wait(timeout=10)
                    left = sorted(set(dest.iterdir()) - before)
                    # Their times from the clock prune compares them with (the file system's
                    # is the real one; under faketime the processes' clock is not).
                    now = time.time()
                    for path in left:
                        os.utime(path, (now, now))
                    return left
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait(timeout=10)
        for made in set(dest.iterdir()) - before:  # finished before we saw it: try again
            made.unlink()
    raise AssertionError("bigconv backup never got killed mid-copy")


def test_a_killed_backups_leftovers_are_pruned_once_stale(small_event, small_db, tmp_path):
    add_ballast(small_db)
    dest = tmp_path / "b"
    stale = kill_mid_copy(small_event, dest)
    assert [p.name.rsplit(".", 1)[1] for p in stale] == ["partial", "partial-journal"]
    done = run_cli("backup", small_event, "--to", dest, "--keep", "2")
    assert done.returncode == 0, done.stderr
    assert all(p.exists() for p in stale)  # under an hour old: it may still be running

    an_hour_ago = time.time() - 3601
    for path in stale:
        os.utime(path, (an_hour_ago, an_hour_ago))
    fresh = kill_mid_copy(small_event, dest)
    done = run_cli("backup", small_event, "--to", dest, "--keep", "2")
    assert done.returncode == 0, done.stderr
    for path in stale:
        assert not path.exists() and f"Removed old backup {path}" in done.stdout
    assert all(p.exists() for p in fresh)  # a backup that may still be running is left alone
    assert len(backup.backups(dest, small_db)) == 2
    assert sorted(dest.iterdir()) == sorted([*backup.backups(dest, small_db), *fresh])
