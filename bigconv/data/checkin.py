"""Check-in at the desk: one short IMMEDIATE transaction each, never twice, undo never deletes."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlite_utils

from bigconv.core.clock import iso
from bigconv.data.database import immediate
from bigconv.data.log import log


@dataclass(frozen=True)
class CheckInResult:
    """What happened: `checked_in` True if this call made the record, else who already had."""

    attendee_id: int
    checked_in: bool
    at: str  # the check-in's time (this one's, or the earlier one's)
    station: str  # the station that made the check-in


def current_checkin(db: sqlite_utils.Database, attendee_id: int) -> tuple[str, str] | None:
    """(at, station) of this person's check-in, or None."""
    row = db.execute(
        "SELECT at, station FROM checkins WHERE attendee_id = ?", [attendee_id]
    ).fetchone()
    return (row[0], row[1]) if row else None


def check_in(
    db: sqlite_utils.Database,
    attendee_id: int,
    *,
    station: str,
    at: dt.datetime | None = None,
    via: str = "desk",
) -> CheckInResult:
    """Check a person in, or report the existing check-in; returns after the commit."""
    when = iso(at)
    with immediate(db):
        # The partial unique index allows one current check-in; the trigger logs the new one.
        inserted = db.conn.execute(
            "INSERT OR IGNORE INTO checkin_records (attendee_id, at, station, via) VALUES (?, ?, ?, ?)",
            [attendee_id, when, station, via],
        ).rowcount
        if not inserted:
            existing = current_checkin(db, attendee_id)
            log(
                db,
                "checkin_refused",
                station=station,
                at=when,
                attendee_id=attendee_id,
                detail={"already_at": existing[0], "already_by": existing[1]},
            )
            return CheckInResult(attendee_id, False, *existing)
    return CheckInResult(attendee_id, True, when, station)


def undo_checkin(
    db: sqlite_utils.Database, attendee_id: int, *, station: str, at: dt.datetime | None = None
) -> bool:
    """Mark this person's check-in undone (kept, stamped); False if they were not checked in."""
    when = iso(at)
    with immediate(db):
        cursor = db.execute(
            "UPDATE checkin_records SET undone_at = ?, undone_by = ? WHERE attendee_id = ? AND undone_at IS NULL",
            [when, station, attendee_id],
        )
        if cursor.rowcount == 0:
            return False
        log(db, "checkin_undone", station=station, at=when, attendee_id=attendee_id)
    return True


def last_checkin_by(db: sqlite_utils.Database, station: str) -> int | None:
    """The attendee this station checked in most recently whose check-in still stands."""
    row = db.execute(
        "SELECT attendee_id FROM checkin_records WHERE station = ? AND undone_at IS NULL ORDER BY id DESC LIMIT 1",
        [station],
    ).fetchone()
    return row[0] if row else None
