"""Read the day's shape: slots, rooms and sessions with their counts."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import sqlite_utils

from bigconv.core.clock import iso, parse_iso


@dataclass(frozen=True)
class SessionRow:
    id: int
    code: str
    title: str
    leads: str
    room_id: int
    room: str
    slot_id: int
    slot: str
    starts_at: str
    ends_at: str
    kind: str
    capacity: int  # the session's, else its room's
    audience: str
    description: str
    allocated: int
    present: int

    @property
    def start_time(self) -> dt.datetime:
        return parse_iso(self.starts_at)

    @property
    def end_time(self) -> dt.datetime:
        return parse_iso(self.ends_at)


SESSION_SQL = """
SELECT s.id, s.code, s.title, s.leads, r.id, r.name, t.id, t.label, t.starts_at, t.ends_at, t.kind,
       coalesce(s.capacity, r.capacity), s.audience, s.description,
       (SELECT count(*) FROM places_expected a WHERE a.session_id = s.id),
       (SELECT count(*) FROM attendance a WHERE a.session_id = s.id)
FROM sessions s JOIN rooms r ON r.id = s.room_id JOIN slots t ON t.id = s.slot_id
"""


def sessions(
    db: sqlite_utils.Database, where: str = "", params: Sequence[object] | None = None
) -> list[SessionRow]:
    """Every session (or those matching `where`), in time then room order."""
    sql = SESSION_SQL + (f" WHERE {where}" if where else "") + " ORDER BY t.starts_at, r.name"
    return [SessionRow(*row) for row in db.execute(sql, params or []).fetchall()]


def session_by_code(db: sqlite_utils.Database, code: str) -> SessionRow | None:
    found = sessions(db, "s.code = ?", [code.strip().upper()])
    return found[0] if found else None


def slots(db: sqlite_utils.Database) -> list[dict[str, Any]]:
    return list(db.table("slots").rows_where(order_by="starts_at"))


def rooms(db: sqlite_utils.Database) -> list[dict[str, Any]]:
    return list(db.table("rooms").rows_where(order_by="id"))  # the event file's order


def current_slot(db: sqlite_utils.Database, now: dt.datetime) -> dict[str, Any] | None:
    """The slot running at `now`, else the next one, else the last one of the day."""
    at = iso(now)  # stored times are UTC ISO text in one format, so they compare as text
    rows = slots(db)
    for slot in rows:
        if slot["starts_at"] <= at < slot["ends_at"]:
            return slot
    upcoming = [slot for slot in rows if slot["starts_at"] > at]
    return upcoming[0] if upcoming else (rows[-1] if rows else None)


def counts(db: sqlite_utils.Database) -> dict[str, int]:
    """Headline numbers for the header and the CLI."""
    row = db.execute(
        "SELECT (SELECT count(*) FROM attendees), (SELECT count(*) FROM checkins),"
        " (SELECT count(*) FROM sessions), (SELECT count(*) FROM rooms)"
    ).fetchone()
    return dict(zip(("attendees", "checked_in", "sessions", "rooms"), row, strict=True))
