"""Open the event database: WAL, busy timeout, foreign keys, and the schema brought up to date."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
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
    db.execute("BEGIN IMMEDIATE")
    try:
        yield db
    except BaseException:
        db.rollback()
        raise
    db.execute("COMMIT")


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


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
