"""The rules that keep one file's log out of another (bigconv/data/fileguard.py), each tried
with real processes on a real file."""

from __future__ import annotations

import gc
import os
import shutil
import signal
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import pytest

from bigconv.core.clock import iso
from bigconv.core.errors import RestoreRefused
from bigconv.data import backup, database, fileguard
from bigconv.data.log import log
from tests.helpers.processes import run_cli

HOLD = textwrap.dedent(
    """
    import sys, time
    from bigconv.data import fileguard
    from bigconv.data import database
    from bigconv.core.clock import iso
    from bigconv.data.log import log
    fileguard.set_label("station Desk 9")
    db = database.connect(sys.argv[1])
    db.execute("SELECT count(*) FROM attendees").fetchone()
    print("holding", flush=True)
    time.sleep(60)
    """
)


def holder(db_path: Path) -> subprocess.Popen:
    """Another program holding the database open, never writing (so never pausing)."""
    proc = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(db_path)], stdout=subprocess.PIPE, text=True
    )
    assert proc.stdout.readline().strip() == "holding"
    return proc


def rows(db_path: Path, sql: str) -> int:
    db = database.connect(db_path)
    try:
        return db.execute(sql).fetchone()[0]
    finally:
        db.close()


def test_a_program_started_after_a_hand_replacement_refuses_and_names_the_holder(
    small_event, small_db, tmp_path
):
    proc = holder(small_db)
    try:
        copy = tmp_path / "copy.db"
        shutil.copyfile(small_db, copy)
        os.replace(copy, small_db)  # the holder's -wal and -shm still beside it
        result = run_cli("checkin", small_event, "1")
        assert result.returncode == 2
        assert "replaced" in result.stderr and f"station Desk 9 (pid {proc.pid})" in result.stderr
        assert "bigconv restore" in result.stderr and "Traceback" not in result.stderr
    finally:
        proc.kill()
        proc.wait()


def test_a_log_left_by_killed_processes_is_moved_aside_never_read_into_another_file(
    small_db, tmp_path
):
    db = database.connect(small_db)
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    copy = backup.backup(small_db, tmp_path / "b")  # the file now, before the writes below
    before = db.execute("SELECT count(*) FROM log").fetchone()[0]
    with database.immediate(db):
        for n in range(50):
            log(db, "note", station="x", at=iso(), detail=f"only in the -wal {n}")
    proc = holder(small_db)
    proc.send_signal(signal.SIGKILL)  # ends without removing its entry
    proc.wait()
    db.conn.close()  # as if killed too: no close hook, the -wal stays (no checkpoint on close)
    fileguard.unregister(small_db, db._token)  # this test process's entry, as a killed one's
    assert Path(f"{small_db}-wal").stat().st_size > 0
    small_db.unlink()
    shutil.copyfile(copy, small_db)  # put back by hand with every holder gone
    assert rows(small_db, "SELECT count(*) FROM log") == before  # none of the old -wal's rows
    assert backup.check(small_db) == "ok"
    assert list(tmp_path.glob("small.db.orphaned-*-wal"))  # kept for an expert, not deleted


def test_restore_changes_nothing_when_a_holder_does_not_pause(small_event, small_db, tmp_path):
    good = backup.backup(small_db, tmp_path / "b")
    proc = holder(small_db)
    try:
        before = fileguard.identity(small_db)
        with pytest.raises(RestoreRefused, match=rf"station Desk 9 \(pid {proc.pid}\)"):
            backup.restore(good, small_db, wait=0.5)
        assert fileguard.identity(small_db) == before
        assert fileguard.restore_marker(small_db) is None
        assert not list(tmp_path.glob("small.db.before-restore-*"))
    finally:
        proc.kill()
        proc.wait()


def test_the_last_connection_leaves_the_file_whole(small_db):
    db = database.connect(small_db)
    with database.immediate(db):
        log(db, "note", station="x", at=iso())
    assert Path(f"{small_db}-wal").stat().st_size > 0
    db.close()
    assert Path(f"{small_db}-wal").stat().st_size == 0  # everything is in the .db itself
    assert fileguard.holders(small_db, others=False) == []


def test_connections_never_checkpoint_by_themselves(small_db):
    db = database.connect(small_db)
    assert db.execute("PRAGMA wal_autocheckpoint").fetchone()[0] == 0
    other = database.connect(small_db)  # a second holder: closing the first is not the last
    with database.immediate(db):
        for n in range(5000):
            log(db, "note", station="x", at=iso(), detail="x" * 1000 + str(n))
    size = Path(f"{small_db}-wal").stat().st_size
    assert size > 1000 * 4096  # past the page count where SQLite's own checkpoint would run
    with database.immediate(db):
        log(db, "note", station="x", at=iso())
    db.close()  # not the process's last connection: no checkpoint
    assert Path(f"{small_db}-wal").stat().st_size >= size
    other.close()


def test_a_connection_collected_while_the_registry_is_busy_never_deadlocks(small_db):
    """The garbage collector may finalize a forgotten connection anywhere, even inside the
    registry's own lock on the same thread (a server once hung so)."""
    db = database.connect(small_db)
    done = threading.Event()

    def collect_inside_the_lock() -> None:
        nonlocal db
        with fileguard.REGISTRY.lock:
            db = None  # the last reference: its finalizer runs now, under the lock
            gc.collect()
        done.set()

    threading.Thread(target=collect_inside_the_lock, daemon=True).start()
    assert done.wait(10), "deadlocked"
    fileguard.REGISTRY.drain()
    assert fileguard.holders(small_db, others=False) == []


def test_checking_the_file_never_drops_sqlites_locks(small_db):
    """Closing any descriptor of a file drops every POSIX lock the process holds on it. The
    checks before each write must not: another program closing its connection would take the
    file for its own and delete the -wal under the running stations (bench.venue saw it)."""
    db = database.connect(small_db)
    try:
        before = fileguard.identity(small_db)
        for _ in range(3):
            database.check_file(db)
            assert database.file_replaced(db) is False
        fileguard.identity(small_db, with_id=True)
        other = subprocess.run(  # a plain SQLite program, as sqlite3 or Datasette would be
            [
                sys.executable,
                "-c",
                "import sqlite3, sys; c = sqlite3.connect(sys.argv[1]); "
                "c.execute('SELECT count(*) FROM attendees').fetchone(); c.close()",
                str(small_db),
            ],
            check=True,
        )
        assert other.returncode == 0
        assert fileguard.identity(small_db) == before  # its -wal and -shm untouched
        database.check_file(db)
    finally:
        db.close()


REPLACED_MID_WRITE = textwrap.dedent(
    """
    import os, shutil, sys
    from pathlib import Path
    from bigconv.core.errors import StoreError
    from bigconv.data import database
    path = Path(sys.argv[1])
    db = database.connect(path)
    good = path.with_name("good.db")
    shutil.copyfile(path, good)  # closed and checkpointed by the fixture: a whole file
    try:
        with database.immediate(db):
            db.execute("INSERT INTO meta (key, value) VALUES ('mid', 'write')")
            os.replace(good, path)  # put back by hand between BEGIN and COMMIT
    except StoreError as exc:
        print("refused:", exc, flush=True)
    """
)


def test_a_file_replaced_inside_a_write_is_refused_and_its_copy_kept(small_db):
    """The replacement noticed by the check under the write lock, just before COMMIT: the
    write is refused and what the old file held is still copied (SQLite's backup through a
    connection inside a write transaction waited for ever: the claim held, no copy made)."""
    done = subprocess.run(
        [sys.executable, "-c", REPLACED_MID_WRITE, str(small_db)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert "refused:" in done.stdout and "was replaced" in done.stdout, done
    kept = list(small_db.parent.glob(f"{small_db.name}.replaced-*.db"))
    assert len(kept) == 1 and backup.check(kept[0]) == "ok"
    assert "Kept what it held in" in done.stdout
