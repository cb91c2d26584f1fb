"""The one process that checkpoints the database.

Every connection runs with automatic checkpoints off and never checkpoints when it closes
(bigconv/data/database.py). A long-running process (`serve`, a station) starts a `Checkpointer`:
a thread that copies the log into the database once a second, but only while its process
holds the checkpointer lock beside the database (bigconv/data/fileguard.py). The first such
process takes the lock; the others try again every few seconds and take over when it ends.
So exactly one process checkpoints at a time, which is what SQLite's WAL-reset bug (in every
version before 3.51.3, 3.50.7 and 3.44.6) needs to stay asleep, and the `-wal` file stays
small all day (`PRAGMA journal_size_limit` cuts it back when it restarts).
"""

from __future__ import annotations

import contextlib
import os
import select
import sqlite3
import threading
from pathlib import Path

from bigconv.core.errors import StoreError
from bigconv.data import database, fileguard

EVERY = 1.0  # seconds between checkpoints while this process holds the lock
RETRY = 3.0  # seconds between tries to take the lock while another process holds it


class Checkpointer:
    """A daemon thread with its own connection; `stop()` ends it and lets the lock go.

    One per process and database: a second `Checkpointer(path).start()` in the same process
    (a station that also serves the phone site) shares the running one, so a single
    connection checkpoints; the thread ends when the last of them stops."""

    _running: dict[Path, tuple[Checkpointer, int]] = {}
    _guard = threading.Lock()

    def __init__(self, db_path: str | Path, *, every: float = EVERY, retry: float = RETRY):
        self.path = Path(db_path)
        self.every, self.retry = every, retry
        self.lock = fileguard.checkpointer_lock(self.path)
        self.stopping = threading.Event()
        # The thread sleeps in select() on a pipe that stop() writes to: a relative timeout.
        # (Event.wait waits until a deadline on the monotonic clock, which a faked clock, as
        # the test suite's faketime runs use, can put months away: the thread never woke.)
        self.wake: tuple[int, int] | None = None  # made when this one starts
        self.checkpoints = 0  # completed checkpoints (tests and benchmarks read it)
        self.last_error: str | None = None
        self.thread = threading.Thread(target=self._run, name="bigconv-checkpoint", daemon=True)

    def start(self) -> Checkpointer:
        """The running checkpointer of this process for this database (this one, started,
        if there is none yet)."""
        key = self.path.resolve()
        with Checkpointer._guard:
            running, users = Checkpointer._running.get(key, (self, 0))
            Checkpointer._running[key] = (running, users + 1)
            if running is self:
                self.wake = os.pipe()
                self.thread.start()
        return running

    def stop(self, timeout: float = 5.0) -> None:
        key = self.path.resolve()
        with Checkpointer._guard:
            running, users = Checkpointer._running.get(key, (self, 1))
            if users > 1:
                Checkpointer._running[key] = (running, users - 1)
                return
            Checkpointer._running.pop(key, None)
        self.stopping.set()
        if self.wake is not None:
            with contextlib.suppress(OSError):
                os.write(self.wake[1], b"x")
        if self.thread.is_alive():
            self.thread.join(timeout)
        if self.wake is not None and not self.thread.is_alive():
            for fd in self.wake:
                os.close(fd)
            self.wake = None

    def sleep(self, seconds: float) -> bool:
        """Wait `seconds` or until stop(); True if stopping."""
        if self.wake is not None:
            select.select([self.wake[0]], [], [], seconds)
        return self.stopping.is_set()

    def _run(self) -> None:
        db: database.EventDatabase | None = None
        version = None
        try:
            while not self.sleep(self.every if self.lock.held else self.retry):
                if not self.lock.held:
                    if not self.lock.try_take():
                        continue
                    fileguard.forget_dead(self.path)  # entries of processes that were killed
                try:
                    if db is not None and database.file_replaced(db):
                        db.close()
                        db = None
                    if db is None:
                        db = database.connect(self.path, migrate=False)
                    opened = db.bigconv_identity
                    if opened is None or fileguard.state(self.path, opened) is not (
                        fileguard.State.SAME
                    ):
                        continue  # missing, put back by hand, being restored: not now
                    now = db.execute("PRAGMA data_version").fetchone()[0], db.conn.total_changes
                    if now == version:
                        continue  # nothing committed since the last checkpoint
                    db.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
                    version = now
                    self.checkpoints += 1
                    self.last_error = None
                except (sqlite3.Error, StoreError) as exc:
                    self.last_error = str(exc)
                    if db is not None:
                        db.close()
                    db, version = None, None
        finally:
            if db is not None:
                db.close()  # the last connection of this process leaves the file whole
            self.lock.release()
