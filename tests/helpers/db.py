"""Reading a day's database file from outside, as an organiser's tool would."""

from __future__ import annotations

import hashlib
import sqlite3
from pathlib import Path

from bigconv.data import database


def table(db_path: Path, sql: str, params=()) -> list[tuple]:
    """Read the database the way an organiser would: a separate connection."""
    db = database.connect(db_path)
    try:
        return db.execute(sql, list(params)).fetchall()
    finally:
        db.close()


def digest(path) -> str:
    """A hash of the whole database's SQL dump: equal digests, nothing changed."""
    conn = sqlite3.connect(path)
    dump = "\n".join(conn.iterdump())
    conn.close()
    return hashlib.sha256(dump.encode()).hexdigest()


def fixed_badges(db_path: Path) -> None:
    """Give everyone a badge code derived from their id, for pictures that show badges (the
    codes made at import are random, so a snapshot would differ from run to run). The
    random codes are cleared first, so a derived code never meets one still in use."""
    from bigconv.core.codes import BADGE_PREFIX, derive

    db = database.connect(db_path)
    try:
        taken: set[str] = set()
        with database.immediate(db):
            # Out of the way first: a derived code may equal another's random one from import.
            db.execute("UPDATE attendees SET badge = '~' || id")
            for (attendee_id,) in db.execute("SELECT id FROM attendees ORDER BY id").fetchall():
                code = BADGE_PREFIX + derive(f"badge:{attendee_id}", taken.__contains__, 5)
                taken.add(code[len(BADGE_PREFIX) :])
                db.execute("UPDATE attendees SET badge = ? WHERE id = ?", [code, attendee_id])
    finally:
        db.close()
