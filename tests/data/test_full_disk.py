"""A full disk is called a full disk, on a real filesystem that has filled up.

A 1 MB tmpfs is mounted for each test (root, as in CI; skipped where mounting is not
allowed) and filled to the last block. SQLite reports a full disk in two ways: "database or
disk is full" when a write cannot grow a file, and "disk I/O error" when it cannot even set
up its shared-memory file on opening; both must read "the disk is full".
"""

from __future__ import annotations

import errno
import shutil
import sqlite3
import subprocess
from pathlib import Path

import pytest

from tests.helpers.processes import run_cli


@pytest.fixture
def small_fs(tmp_path: Path):
    """A folder on a 1 MB filesystem of its own."""
    folder = tmp_path / "small-fs"
    folder.mkdir()
    mount = shutil.which("mount")
    if mount is None:
        pytest.skip("no mount command")
    done = subprocess.run(
        [mount, "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(folder)],
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a 1 MB tmpfs here (needs root): {done.stderr.strip()}")
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=False)


def fill(folder: Path) -> Path:
    """Write into `folder` until its filesystem has no block left; returns the filler."""
    filler = folder / "filler"
    with open(filler, "wb", buffering=0) as f:
        try:
            while True:
                f.write(bytes(4096))
        except OSError as exc:
            assert exc.errno == errno.ENOSPC, exc
    assert shutil.disk_usage(folder).free == 0
    return filler


def day_on(folder: Path, small_event: Path, small_db: Path) -> Path:
    for path in (small_event, small_event.with_name("staff.csv"), small_db):
        shutil.copy(path, folder / path.name)
    return folder / small_event.name


def checkins(db_path: Path) -> int:
    conn = sqlite3.connect(db_path)
    try:
        return conn.execute("SELECT count(*) FROM checkins").fetchone()[0]
    finally:
        conn.close()


def test_checkin_on_a_full_disk_says_the_disk_is_full(small_fs, small_event, small_db):
    event = day_on(small_fs, small_event, small_db)
    filler = fill(small_fs)
    # Full before anything opened the file: SQLite cannot make its -shm ("disk I/O error").
    refused = run_cli("checkin", event, "Ada", "--station", "Desk 1", "--at", "10:20")
    assert refused.returncode != 0
    assert "the disk is full" in refused.stderr, refused.stderr
    assert "Traceback" not in refused.stderr
    filler.unlink()
    done = run_cli("checkin", event, "Ada", "--station", "Desk 1", "--at", "10:20")
    assert done.returncode == 0, done.stderr  # space freed: it works again
    # Full while the file's log is there: the write cannot grow the -wal.
    fill(small_fs)
    refused = run_cli("checkin", event, "Zoë", "--station", "Desk 1", "--at", "10:21")
    assert refused.returncode == 1
    assert refused.stderr.startswith("Not done: the disk is full"), refused.stderr
    (small_fs / "filler").unlink()
    assert checkins(small_fs / small_db.name) == 1  # the refused check-in left nothing
    assert list(small_fs.glob("*.holders/.*.partial")) == []  # nor a half-written holder entry


def test_backup_to_a_full_disk_says_the_disk_is_full(small_fs, small_event, small_db):
    dest = small_fs / "backups"
    dest.mkdir()
    fill(small_fs)
    done = run_cli("backup", small_event, "--to", dest)
    assert done.returncode == 1
    assert f"backup to {dest} failed: the disk is full" in done.stderr, done.stderr
    assert "Traceback" not in done.stderr
    assert list(dest.iterdir()) == []  # no partial copy or journal left behind
