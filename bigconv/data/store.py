"""Open the event database: WAL, busy timeout, foreign keys, and the schema brought up to date."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import sqlite_utils

BUSY_TIMEOUT_MS = 5000


class StoreError(Exception):
    """The database cannot be used (missing, read-only, corrupted, locked); the message says why."""


def connect(path: str | Path, *, migrate: bool = True) -> sqlite_utils.Database:
    """Open (creating if needed) the event database at `path` for this thread."""
    path = Path(path)
    try:
        conn = sqlite3.connect(str(path), timeout=BUSY_TIMEOUT_MS / 1000)
        db = sqlite_utils.Database(conn)
        db.bigconv_path = path  # type: ignore[attr-defined]
        db.bigconv_identity = _identity(path)  # type: ignore[attr-defined]
        db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        db.execute("PRAGMA foreign_keys = ON")
        if db.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
            db.enable_wal()
        # The build's default is FULL; NORMAL in WAL mode keeps every commit through a crash.
        db.execute("PRAGMA synchronous = NORMAL")
        if migrate:
            from bigconv.data.schema import migrations

            if migrations.pending(db):
                migrations.apply(db)
    except sqlite3.DatabaseError as exc:
        raise StoreError(f"{path}: cannot open the database: {exc}") from None
    return db


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
    except BaseException:
        db.rollback()
        raise
    db.conn.execute("COMMIT")


def _identity(path: Path) -> tuple[int, int] | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return st.st_dev, st.st_ino


def check_file(db: sqlite_utils.Database) -> None:
    """Refuse to write if the file was deleted or replaced under us: the write would be lost."""
    path = getattr(db, "bigconv_path", None)
    if path is None:
        return  # an in-memory database
    identity = _identity(path)
    if identity is None:
        raise StoreError(f"the database file {path} is missing (restore it from a backup)")
    if identity != db.bigconv_identity:
        raise StoreError(f"the database file {path} was replaced")


def file_replaced(db: sqlite_utils.Database) -> bool:
    """True when a (different) file now exists at the database's path: reconnect to use it."""
    path = getattr(db, "bigconv_path", None)
    identity = _identity(path) if path else None
    return identity is not None and identity != db.bigconv_identity


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


def describe(error: BaseException) -> str:
    """A person's explanation of a database error, for the station's banner."""
    if isinstance(error, StoreError):
        return str(error)
    text = str(error).lower()
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


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class OffsetClock:
    """The real UTC clock moved by a fixed offset: a rehearsal's clock (`--at`). The offset is
    what a process hands to the processes it starts, so they all keep the same time."""

    def __init__(self, offset: dt.timedelta):
        self.offset = offset

    def __call__(self) -> dt.datetime:
        return utcnow() + self.offset


def iso(moment: dt.datetime | None = None) -> str:
    """UTC ISO-8601 text, the way every time is stored."""
    moment = moment or utcnow()
    return moment.astimezone(dt.UTC).isoformat(timespec="milliseconds")


def parse_iso(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text)


def log(
    db: sqlite_utils.Database,
    action: str,
    *,
    station: str,
    at: str,
    attendee_id: int | None = None,
    session_id: int | None = None,
    detail: dict | str | None = None,
) -> None:
    """Append one row to the action log (call inside the action's transaction)."""
    if isinstance(detail, dict):
        detail = json.dumps(detail, ensure_ascii=False, sort_keys=True)
    db.execute(
        "INSERT INTO log (at, station, action, attendee_id, session_id, detail) VALUES (?, ?, ?, ?, ?, ?)",
        [at, station, action, attendee_id, session_id, detail],
    )


def get_meta(db: sqlite_utils.Database, key: str, default: str | None = None) -> str | None:
    row = db.execute("SELECT value FROM meta WHERE key = ?", [key]).fetchone()
    return row[0] if row else default


def set_meta(db: sqlite_utils.Database, key: str, value: str) -> None:
    db.execute(
        "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
        [key, value],
    )
