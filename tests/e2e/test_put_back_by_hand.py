"""A backup put back by hand while `serve` and two stations write: never mixed with the old
file's log, nothing acknowledged lost, and `bigconv restore` lets everyone carry on.

The three ways people (and sync tools) put a file back: `rm` then `cp`; `cp` to a new name
then `mv` over it (one step); and, after junk was copied over the file in place and its
`-wal`/`-shm` deleted, copying the good file back in place (the same inode)."""

from __future__ import annotations

import asyncio
import os
import shutil
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bigconv.data import backup, database
from tests.helpers.processes import free_port, run_cli, wait_until_up
from tests.helpers.writers import Phones, Writers


def count(db_path: Path, sql: str, params=()) -> int:
    conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    try:
        return conn.execute(sql, params).fetchone()[0]
    finally:
        conn.close()


def integrity(db_path: Path) -> str:
    return backup.check(db_path)


def file_alone(db_path: Path, sql: str) -> object:
    """`sql` on the database file by itself, without the -wal beside it (which, while it is
    the replaced file's, any other SQLite program would read into it)."""
    conn = sqlite3.connect(f"file:{db_path}?immutable=1", uri=True)
    try:
        return conn.execute(sql).fetchone()[0]
    finally:
        conn.close()


def stored(db_paths: list[Path], phones: Phones, writers: Writers) -> tuple[int, int]:
    """How many acknowledged actions are missing from every one of `db_paths`."""
    lost_feedback = lost_reactions = 0
    conns = [sqlite3.connect(f"file:{p}?mode=ro", uri=True) for p in db_paths]
    try:
        for device, comment in phones.acks:
            sql = "SELECT 1 FROM feedback WHERE device = ? AND comment = ?"
            if not any(c.execute(sql, [device, comment]).fetchone() for c in conns):
                lost_feedback += 1
        for device in writers.acks:
            sql = "SELECT 1 FROM reactions WHERE device = ?"
            if not any(c.execute(sql, [device]).fetchone() for c in conns):
                lost_reactions += 1
    finally:
        for c in conns:
            c.close()
    return lost_feedback, lost_reactions


def put_back(how: str, db_path: Path, good: Path) -> None:
    if how == "rm+cp":
        db_path.unlink()
        shutil.copyfile(good, db_path)
    elif how == "mv":
        staged = db_path.with_name("staged.db")
        shutil.copyfile(good, staged)
        os.replace(staged, db_path)
    else:  # junk over the file in place, its -wal/-shm deleted, then the good file back
        with open(db_path, "r+b") as f:
            f.write(os.urandom(8192))
        for suffix in ("-wal", "-shm"):
            Path(f"{db_path}{suffix}").unlink(missing_ok=True)
        time.sleep(0.5)  # writes fail meanwhile: "not a database"
        with open(good, "rb") as src, open(db_path, "r+b") as dst:
            dst.truncate(0)
            shutil.copyfileobj(src, dst)


def start_serve(event: Path, db_path: Path) -> tuple[subprocess.Popen, str, str]:
    """The real `bigconv serve` on a free port; its address and a session code."""
    db = database.connect(db_path)
    code = db.execute("SELECT code FROM sessions ORDER BY id LIMIT 1").fetchone()[0]
    db.close()
    port = free_port()
    cmd = [sys.executable, "-m", "bigconv", "serve", str(event), "--host", "127.0.0.1"]
    cmd += ["--port", str(port), "--backup-minutes", "0", "--no-staff"]
    # Its log goes to a file beside the database, to be read at any moment (and on a failure).
    with open(Path(f"{db_path}.serve.log"), "w") as log:
        server = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=log, text=True)
    return server, f"http://127.0.0.1:{port}", code


def serve_log(db_path: Path) -> str:
    return Path(f"{db_path}.serve.log").read_text(encoding="utf-8", errors="replace")


async def answered(condition, timeout: float = 30.0) -> None:
    """Wait for what the phones were answered to satisfy `condition`: a loaded CI machine can
    leave a second and a half without a single answer; fail if it never does."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "the phones' answers never showed it"
        await asyncio.sleep(0.1)


@pytest.mark.parametrize("how", ["rm+cp", "mv", "same-inode"])
async def test_a_file_put_back_by_hand_is_never_mixed_and_restore_carries_on(
    how, small_event, small_db: Path, tmp_path
):
    server, url, code = start_serve(small_event, small_db)
    writers = None
    phones = Phones(url, code)
    try:
        await wait_until_up(url, server)
        good = backup.backup(small_db, tmp_path / "backups")  # the backup, before any feedback
        writers = Writers(small_db)
        storm = asyncio.gather(*(phones.run() for _ in range(2)))
        while len(phones.acks) < 30 or len(writers.acks) < 100:
            await asyncio.sleep(0.05)
        replaced_at = time.monotonic()
        await asyncio.get_running_loop().run_in_executor(None, put_back, how, small_db, good)
        if how == "same-inode":
            # Its own log was deleted, so nothing can be mixed: the site reopens the good file
            # by itself and carries on (the bug: 503 "disk I/O error" until a restart).
            await answered(lambda: 201 in phones.since(replaced_at + 1.0)[-10:])
            assert integrity(small_db) == "ok"
        else:
            # Writes stop within a second: nothing more goes into either file. (A loaded
            # machine may answer slowly: wait for answers, then look at every one of them.)
            await answered(lambda: len(phones.since(replaced_at + 1.0)) >= 5)
            after = phones.since(replaced_at + 1.0)  # a second to notice
            assert set(after) == {503}, after
            # Nothing was written into the file put back: it is still the backup, whole.
            assert file_alone(small_db, "PRAGMA integrity_check") == "ok"
            assert file_alone(small_db, "SELECT count(*) FROM feedback") == 0
            # The first process to notice copies what the old file held; on a busy machine
            # that copy may still be under way here: wait for it (not for a fixed time).
            for _ in range(150):
                kept = sorted(tmp_path.glob(f"{small_db.name}.replaced-*.db"))
                if kept:
                    break
                await asyncio.sleep(0.1)
            why = f"serve said:\n{serve_log(small_db)}\nstations: {writers.refusals}\n{writers.said()}"
            assert len(kept) == 1, why
            assert integrity(kept[0]) == "ok"
            assert any("replaced" in r for r in writers.refusals), writers.refusals
            doctor = run_cli("doctor", small_event)
            assert doctor.returncode == 1 and "replaced" in doctor.stdout, doctor
            # `bigconv restore` while the server and both stations run: they pause, the file
            # is put in place with a log of its own, and they carry on without a restart.
            restored = run_cli("restore", small_event, good)
            assert restored.returncode == 0, restored.stderr
            resumed = time.monotonic()
            await answered(lambda: 201 in phones.since(resumed + 1.0)[-10:])
            acked = len(writers.acks)
            await asyncio.sleep(0.5)
            assert len(writers.acks) > acked  # the stations write again
        mark = (len(phones.acks), len(writers.acks))  # from here on, the file in place
        await asyncio.sleep(0.5)
        phones.running = False
        await storm
        writers.stop()
    finally:
        phones.running = False
        if writers:
            writers.stop()  # a second stop is harmless
        server.terminate()
        server.wait(timeout=20)
        log = serve_log(small_db)
    assert integrity(small_db) == "ok"
    # What was acknowledged once the file in place was in use is in it.
    late_phones, late_writers = Phones(url, code), Writers.__new__(Writers)
    late_phones.acks, late_writers.acks = phones.acks[mark[0] :], writers.acks[mark[1] :]
    assert late_phones.acks and late_writers.acks
    assert stored([small_db], late_phones, late_writers) == (0, 0)
    if how != "same-inode":
        assert "was replaced while" in log, log  # the server says so (its log)
        # Every action acknowledged at all is in the copy kept of the replaced file or in the
        # file in place: the replacement lost nothing anyone was told was saved.
        places = [small_db, *tmp_path.glob(f"{small_db.name}.replaced-*.db")]
        assert stored(places, phones, writers) == (0, 0)


async def test_restore_while_serve_and_stations_write_loses_no_acknowledged_write(
    small_event, small_db: Path, tmp_path
):
    """`bigconv restore` with everything running: each holder pauses its writes, the files are
    moved aside, and every write acknowledged before is in the moved-aside file, every one
    after in the restored file (before: 5 of 6 writes made during it went into the old file)."""
    server, url, code = start_serve(small_event, small_db)
    phones, writers = Phones(url, code), None
    try:
        await wait_until_up(url, server)
        good = backup.backup(small_db, tmp_path / "backups")
        writers = Writers(small_db)
        storm = asyncio.gather(*(phones.run() for _ in range(2)))
        while len(phones.acks) < 20 or len(writers.acks) < 50:
            await asyncio.sleep(0.05)
        loop = asyncio.get_running_loop()
        restored = await loop.run_in_executor(None, run_cli, "restore", small_event, good)
        assert restored.returncode == 0, restored.stderr
        assert any("pause" in r or "restored" in r for r in writers.refusals), writers.refusals
        await asyncio.sleep(2.0)
        phones.running = False
        await storm
        writers.stop()
    finally:
        phones.running = False
        if writers:
            writers.stop()
        server.terminate()
        server.wait(timeout=20)
    moved = [p for p in tmp_path.glob("small.db.before-restore-*") if "-" not in p.name[-4:]]
    assert len(moved) == 1
    assert integrity(small_db) == "ok" and integrity(moved[0]) == "ok"
    assert stored([small_db, moved[0]], phones, writers) == (0, 0)
    # Every acknowledged write is in exactly one of the two files: nothing went into both.
    for device in writers.acks:
        here = count(small_db, "SELECT count(*) FROM reactions WHERE device = ?", [device])
        there = count(moved[0], "SELECT count(*) FROM reactions WHERE device = ?", [device])
        assert here + there == 1, device
