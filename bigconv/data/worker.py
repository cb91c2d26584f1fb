"""A thread that owns one SQLite connection and does a server's database work, so that an
event loop never waits on SQLite (a lock held by another program, a slow disk).

Callers submit functions of the connection and get `concurrent.futures.Future`s back (asyncio
wraps them with `asyncio.wrap_future`). Reads run one by one. Writes waiting together are
committed together (`database.group_commit`): with `synchronous=FULL` each commit is a sync to
the disk, so a busy phone site pays one sync per batch, not per tap.

Before each batch the worker makes sure it has the file at the path now: a deleted file is
an error (nothing is written to an unlinked file), a restored one (`bigconv restore`) is
reopened without a restart, and one put back by hand while this file's log is still beside
it stops every write (bigconv/data/fileguard.py). `check()` runs those checks with no job
waiting, so a server notices within a second even when nobody writes. A write that meets a lock held elsewhere waits at most `busy_ms`; then
writes fail at once for `BACKOFF` seconds rather than queue behind the lock.
"""

from __future__ import annotations

import concurrent.futures
import queue
import sqlite3
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import sqlite_utils

from bigconv.core.errors import Busy, StoreError
from bigconv.data import database, fileguard

BACKOFF = 0.5  # seconds writes are refused at once after one met a lock
MAX_BATCH = 128  # writes in one commit at most
T = TypeVar("T")


@dataclass
class _Job:
    fn: Callable[[sqlite_utils.Database], Any]
    write: bool
    future: concurrent.futures.Future[Any]
    check: bool = False  # `database.check_file`, outside any transaction


_STOP = None  # in the queue: finish what was submitted, then end the thread


class DbWorker:
    """One thread, one connection to `path`; `submit` from any thread."""

    def __init__(  # noqa: PLR0913
        self,
        path: str | Path,
        *,
        busy_ms: int = 1000,
        max_batch: int = MAX_BATCH,
        synchronous: str = "FULL",
        name: str = "bigconv-db",
    ):
        self.path = Path(path)
        self.busy_ms = busy_ms
        self.max_batch = max_batch  # 1: a commit per write (benchmarks compare)
        self.synchronous = synchronous  # "NORMAL": only for benchmarks to compare
        self.queue: queue.SimpleQueue[_Job | None] = queue.SimpleQueue()
        self.db: sqlite_utils.Database | None = None
        self.refuse_writes_until = 0.0
        self.batches = 0  # write commits made (for tests and benchmarks)
        self.reopened = 0  # times the file was found replaced and opened again
        self.thread = threading.Thread(target=self._run, name=name, daemon=True)
        self.thread.start()

    def submit(
        self, fn: Callable[[sqlite_utils.Database], T], *, write: bool = False
    ) -> concurrent.futures.Future[T]:
        future: concurrent.futures.Future[T] = concurrent.futures.Future()
        self.queue.put(_Job(fn, write, future))
        return future

    def check(self) -> concurrent.futures.Future[None]:
        """Check the file now (see the module's doc); the future fails if it cannot be used."""
        future: concurrent.futures.Future[None] = concurrent.futures.Future()
        self.queue.put(_Job(database.check_file, False, future, check=True))
        return future

    def stop(self, timeout: float = 10) -> None:
        """Finish what was submitted, close the connection, end the thread."""
        self.queue.put(_STOP)
        self.thread.join(timeout)

    # -- the thread -------------------------------------------------------------------------

    def _run(self) -> None:
        stopping = False
        while not stopping:
            jobs = [self.queue.get()]
            while len(jobs) < self.max_batch:
                try:
                    jobs.append(self.queue.get_nowait())
                except queue.Empty:
                    break
            stopping = _STOP in jobs
            self._do([j for j in jobs if j is not _STOP])
        if self.db is not None:
            self.db.close()

    def _connection(self) -> sqlite_utils.Database:
        """The connection to the file at the path now (reopened if it was replaced)."""
        if self.db is not None and database.file_replaced(self.db):
            self.db.close()
            self.db = None
            self.reopened += 1
        if self.db is None:
            if not self.path.exists():
                raise StoreError(f"the database file {self.path} is missing")
            self.db = database.connect(self.path)
            database.set_busy_timeout(self.db, self.busy_ms)
            if self.synchronous != "FULL":
                self.db.execute(f"PRAGMA synchronous = {self.synchronous}")
        return self.db

    def _do(self, jobs: list[_Job]) -> None:
        jobs = [j for j in jobs if j.future.set_running_or_notify_cancel()]
        if not jobs:
            return
        try:
            db = self._connection()
            opened = getattr(db, "bigconv_identity", None)
            if opened is not None and fileguard.state(self.path, opened) is fileguard.State.MISSING:
                database.check_file(db)  # nothing is read from, or written to, a deleted file
        except (sqlite3.Error, StoreError) as exc:
            for job in jobs:
                job.future.set_exception(exc)
            return
        for job in (j for j in jobs if not j.write):  # reads and checks
            try:
                job.future.set_result(job.fn(db))
            except BaseException as exc:  # noqa: BLE001 - handed to the caller
                job.future.set_exception(exc)
        writes = [j for j in jobs if j.write]
        if writes:
            self._write(db, writes)

    def _write(self, db: sqlite_utils.Database, writes: list[_Job]) -> None:
        if time.monotonic() < self.refuse_writes_until:
            for job in writes:
                job.future.set_exception(Busy("the database is locked by another program"))
            return
        try:
            results = database.group_commit(db, [j.fn for j in writes])
        except (sqlite3.Error, StoreError) as exc:
            if "locked" in str(exc) or "busy" in str(exc):
                self.refuse_writes_until = time.monotonic() + BACKOFF
                exc = Busy(f"the database is locked by another program ({exc})")
            for job in writes:
                job.future.set_exception(exc)
            return
        self.batches += 1
        for job, result in zip(writes, results, strict=True):
            if isinstance(result, Exception):
                job.future.set_exception(result)
            else:
                job.future.set_result(result)
