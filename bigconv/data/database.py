"""The connection to the event database: opened with WAL, busy timeout and foreign keys and the
schema brought up to date; write transactions and group commit; the checks that the file is
still the one opened; database errors in a person's words."""

from __future__ import annotations

import contextlib
import os
import shutil
import sqlite3
import weakref
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import sqlite_utils

from bigconv.core.clock import iso
from bigconv.core.errors import StoreError
from bigconv.data import fileguard
from bigconv.data.copies import keep_replaced_file
from bigconv.data.meta import set_meta

BUSY_TIMEOUT_MS = 5000
T = TypeVar("T")


LAST_OPENED: dict[str, Path] = {}  # the database this process opened last (for `describe`)
JOURNAL_SIZE_LIMIT = 8 * 1024 * 1024  # the -wal is cut back to this when it restarts


class EventDatabase(sqlite_utils.Database):
    """A connection to the event database that knows which file it opened (`identity`) and
    says so in the holders folder beside it until it is closed (bigconv/data/fileguard.py)."""

    bigconv_path: Path | None = None
    bigconv_identity: fileguard.Identity | None = None
    _token: int | None = None
    _finalizer: weakref.finalize[[Path, int], EventDatabase] | None = None

    def adopt(self, path: Path) -> None:
        """Remember the file now at `path` (its log files exist by now) and register it."""
        self.bigconv_path = path
        self.bigconv_identity = fileguard.identity(path, with_id=True)
        if self.bigconv_identity is not None:
            self._token = fileguard.register(path, self.bigconv_identity)
            self._finalizer = weakref.finalize(self, fileguard.forget_later, path, self._token)

    def close(self) -> None:
        """Close without a checkpoint (the one checkpointer does that), unless this process
        checkpoints and this was its last connection: then the file is left whole."""
        path, token = self.bigconv_path, self._token
        if path is not None and token is not None:
            self._token = None
            if self._finalizer is not None:
                self._finalizer.detach()
            last = fileguard.unregister(path, token)
            if last and self.bigconv_identity is not None:
                with contextlib.suppress(sqlite3.Error):
                    checkpoint_on_close(self, path, self.bigconv_identity)
        super().close()


def checkpoint_on_close(db: sqlite_utils.Database, path: Path, opened: fileguard.Identity) -> None:
    """The last connection of the checkpointing process (or of any process, when no other
    holds the checkpointer lock) leaves the file whole: TRUNCATE, so the .db alone is the day."""
    lock = fileguard.checkpointer_lock(path)
    took = not lock.held
    if not lock.try_take():
        return
    try:
        if fileguard.state(path, opened) is fileguard.State.SAME:
            db.execute("PRAGMA busy_timeout = 0")
            db.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()
    finally:
        if took:
            lock.release()


def give_file_id(db: sqlite_utils.Database) -> None:
    """A random id in the file's header, if it has none (bigconv/data/fileguard.py)."""
    if not db.execute("PRAGMA application_id").fetchone()[0]:
        db.execute(f"PRAGMA application_id = {fileguard.new_file_id()}")


def connect(path: str | Path, *, migrate: bool = True) -> EventDatabase:
    """Open (creating if needed) the event database at `path` for this thread.

    Refused (StoreError) if the -wal/-shm beside the file belong to another file that a
    running process still holds (a file put back by hand: bigconv/data/fileguard.py). The
    connection never checkpoints by itself: one process does (`checkpoint.Checkpointer`)."""
    path = Path(path)
    try:
        fileguard.guard_sidecars(path)
    except fileguard.LogOfAnotherFile as exc:
        raise StoreError(str(exc)) from None
    conn, db = None, None
    try:
        conn = sqlite3.connect(str(path), timeout=BUSY_TIMEOUT_MS / 1000)
        fileguard.no_checkpoint_on_close(conn)
        db = EventDatabase(conn)
        db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        db.execute("PRAGMA foreign_keys = ON")
        if db.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
            give_file_id(db)  # a new file or a copy: into the file itself, before the -wal
            db.enable_wal()
        else:
            give_file_id(db)  # a file from before ids (in the -wal until the next checkpoint)
        # FULL: a commit is on the disk when it returns, through a power loss too (NORMAL in
        # WAL mode keeps commits through a process crash, but the last ones may roll back if
        # the laptop loses power). The phone site keeps its speed with group commit.
        db.execute("PRAGMA synchronous = FULL")
        # One process checkpoints (SQLite 3.40's WAL-reset bug needs two back to back).
        db.execute("PRAGMA wal_autocheckpoint = 0")
        db.execute(f"PRAGMA journal_size_limit = {JOURNAL_SIZE_LIMIT}")
        db.execute("SELECT count(*) FROM sqlite_master").fetchone()  # the log files exist now
        db.adopt(path)
        LAST_OPENED["path"] = path
        if migrate:
            from bigconv.data.schema import migrations

            if migrations.pending(db):
                migrations.apply(db)
    except sqlite3.DatabaseError as exc:
        message = f"{path}: cannot open the database: {describe(exc, path)}"
        # Closed now, not when the error is collected: SQLite shares what it knows of a file
        # (its -shm among it) between a process's connections to that file, so a half-open
        # one left behind would spoil the next try once the file is good.
        if db is not None:
            db.close()
        elif conn is not None:
            conn.close()
        raise StoreError(message) from None
    return db


def set_busy_timeout(db: sqlite_utils.Database, ms: int) -> None:
    """How long this connection waits for another program's lock before it gives up."""
    db.execute(f"PRAGMA busy_timeout = {int(ms)}")


def memory() -> sqlite_utils.Database:
    """A migrated in-memory database, for quick experiments."""
    from bigconv.data.schema import migrations

    db = sqlite_utils.Database(memory=True)
    db.execute("PRAGMA foreign_keys = ON")
    migrations.apply(db)
    return db


@contextlib.contextmanager
def immediate(db: sqlite_utils.Database) -> Iterator[sqlite_utils.Database]:
    """A write transaction taken with BEGIN IMMEDIATE, so read-then-write never deadlocks.

    Inside an open transaction it nests as a savepoint, so steps compose into one commit.
    """
    if db.conn.in_transaction:
        with db.atomic():
            yield db
        return
    check_file(db)
    db.conn.execute("BEGIN IMMEDIATE")
    try:
        yield db
        check_file(db)  # again under the write lock: a restore or a replacement since BEGIN
    except BaseException:
        db.rollback()
        raise
    db.conn.execute("COMMIT")


def insert(db: sqlite_utils.Database, table: str, record: dict[str, Any]) -> int:
    """Add `record` to `table` (sqlite-utils' `db.table`, typed as a table, never a view);
    returns the new row's id."""
    return row_id(db.table(table).insert(record).last_rowid, table)


def row_id(rowid: int | None, table: str) -> int:
    """The id of the row just inserted into `table` (every table's `id` is its rowid).
    sqlite3 and sqlite-utils type it as optional, None before any insert: here, an error."""
    if rowid is None:
        raise StoreError(f"no row was added to {table}")
    return rowid


def group_commit(
    db: sqlite_utils.Database, actions: list[Callable[[sqlite_utils.Database], T]]
) -> list[T | Exception]:
    """Run several write actions in one transaction: one commit, so one sync to the disk for
    all of them. Each runs in a savepoint of its own, so one that raises (bad input) leaves the
    others in; its exception is its result. If the transaction itself fails (locked, disk full,
    damaged) everything is rolled back and that error is raised for all. Results are returned
    only after COMMIT: nothing is acknowledged before it is durable."""
    check_file(db)
    db.conn.execute("BEGIN IMMEDIATE")
    results: list[T | Exception] = []
    try:
        for action in actions:
            db.conn.execute("SAVEPOINT bigconv_action")
            try:
                results.append(action(db))
            except sqlite3.Error as exc:
                if not isinstance(exc, sqlite3.IntegrityError) or not db.conn.in_transaction:
                    raise  # locked, full, damaged: the transaction may be gone, fail them all
                db.conn.execute("ROLLBACK TO bigconv_action")
                results.append(exc)  # this action's row broke a constraint: only it fails
            except Exception as exc:  # the action's own refusal (UnknownKind, a bad value)
                db.conn.execute("ROLLBACK TO bigconv_action")
                results.append(exc)
            db.conn.execute("RELEASE bigconv_action")
        check_file(db)  # again under the write lock: a restore or a replacement since BEGIN
        db.conn.execute("COMMIT")
    except BaseException:
        if db.conn.in_transaction:
            db.conn.rollback()
        raise
    return results


def check_file(db: sqlite_utils.Database) -> None:
    """Refuse to write unless the file at the path is the one this connection opened, with its
    own log: a write to a deleted or replaced file would be lost, and one into a file put back
    by hand would mix two files. Also where a process notices a restore and pauses for it."""
    path = getattr(db, "bigconv_path", None)
    opened = getattr(db, "bigconv_identity", None)
    if path is None or opened is None:
        return  # an in-memory database
    found = fileguard.state(path, opened)
    if found is fileguard.State.SAME:
        fileguard.pause(path, False)
        return
    if found is fileguard.State.RESTORING:
        fileguard.pause(path)
        raise StoreError(f"a backup is being restored into {path}: nothing is saved until it ends")
    if found is fileguard.State.MISSING:
        raise StoreError(f"the database file {path} is missing (restore it from a backup)")
    if found is fileguard.State.BY_HAND:
        fileguard.pause(path)
        saved = keep_replaced(db, path, opened)
        raise StoreError(
            fileguard.replaced_message(path) + (f". Kept what it held in {saved}" if saved else "")
        )
    raise StoreError(f"the database file {path} was replaced (reopening it)")


def keep_replaced(db: sqlite_utils.Database, path: Path, opened: fileguard.Identity) -> Path | None:
    """Copy what the replaced file holds (through this connection, the only way left to it)
    beside the database, once for all processes; returns where it is (None if not copied)."""
    return keep_replaced_file(db, path, opened)


def file_replaced(db: sqlite_utils.Database) -> bool:
    """True when another file is at the database's path and can be opened safely (its log
    is its own): close this connection and connect again to use it."""
    path = getattr(db, "bigconv_path", None)
    opened = getattr(db, "bigconv_identity", None)
    if path is None or opened is None:
        return False
    return fileguard.state(path, opened) is fileguard.State.REOPEN


def probe(db: sqlite_utils.Database, station: str = "") -> None:
    """Raise unless the database can be read and written right now: a tiny committed write,
    waiting at most a moment for locks so a station's screen never freezes while it retries."""
    check_file(db)
    db.execute("PRAGMA busy_timeout = 200")
    try:
        db.execute("SELECT count(*) FROM sqlite_master").fetchone()
        with immediate(db):
            set_meta(db, f"probe:{station}", iso())
    finally:
        db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")


def describe(error: BaseException, path: str | Path | None = None) -> str:
    """A person's explanation of a database error, for the station's banner. Given the
    database's `path`, an I/O error on a disk with no room left is called what it is."""
    if isinstance(error, StoreError):
        return str(error)
    text = str(error).lower()
    path = path or LAST_OPENED.get("path")
    if path is not None and ("disk i/o" in text or "ioerr" in text) and disk_full(path):
        return f"the disk is full ({error})"
    if path is not None and (why := why_not_opened(error, path)):
        return f"{why} ({error})"
    for needle, words in (
        ("readonly", "the database file is read-only"),
        ("read-only", "the database file is read-only"),
        ("locked", "the database is locked by another program"),
        ("busy", "the database is locked by another program"),
        ("full", "the disk is full"),
        ("malformed", "the database file is damaged"),
        ("not a database", "the database file is damaged"),
        ("unable to open", "the database file cannot be opened"),
        ("disk i/o", "the disk reported an error"),
    ):
        if needle in text:
            return f"{words} ({error})"
    return f"database error: {error}"


def why_not_opened(error: BaseException | str, path: str | Path) -> str | None:
    """For SQLite's "unable to open database file" or "attempt to write a readonly database",
    the reason the database's place gives (`cannot_write`), if it gives one."""
    text = str(error).lower()
    if not any(words in text for words in ("unable to open", "readonly", "read-only")):
        return None
    return cannot_write(Path(path))


def cannot_write(path: Path) -> str | None:
    """Why the database at `path` cannot be opened for writing, if its place says: the folder
    is missing, is a file, or cannot be written (SQLite makes the -wal and -shm beside the
    file, even to read a file in WAL mode); the file, or its -wal or -shm, is read-only."""
    where = path.parent
    if not where.exists():
        above = where
        while not above.exists() and above.parent != above:
            above = above.parent
        if above.exists() and not above.is_dir():
            return f"{above} is a file, not a folder"
        return f"the folder {where} does not exist"
    if not where.is_dir():
        return f"{where} is a file, not a folder"
    if path.is_dir():
        return f"{path} is a folder, not a database file"
    wal, shm = (path.with_name(path.name + end) for end in ("-wal", "-shm"))
    if not os.access(where, os.W_OK | os.X_OK) and not (wal.exists() and shm.exists()):
        return (
            f"the folder {where} is not writable, and SQLite needs to make {wal.name} and "
            f"{shm.name} beside the database: move the database to a folder you can write, "
            "or ask for write access to this one"
        )
    for item, what in ((path, "the database file"), (wal, wal.name), (shm, shm.name)):
        if item.exists() and not os.access(item, os.W_OK):
            return f"{what} is read-only (its permissions, or another user's file)"
    return None


FULL_BELOW = 1024 * 1024  # free bytes under which a disk counts as full (SQLite needs pages)


def disk_full(path: str | Path) -> bool:
    """True if the disk holding `path` has (next to) no room left."""
    try:
        return shutil.disk_usage(Path(path).resolve().parent).free < FULL_BELOW
    except OSError:
        return False
