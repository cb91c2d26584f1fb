"""Check-in at the desk: one short IMMEDIATE transaction each, never twice, undo never deletes;
and the arrivals they add up to (the desk's counters, the dashboard's)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import sqlite_utils

from bigconv.core.clock import iso, parse_iso
from bigconv.core.errors import StoreError
from bigconv.core.text import clean_field
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
    when, station = iso(at), clean_field(station, one_line=True)
    with immediate(db):
        # The partial unique index allows one current check-in; the trigger logs the new one.
        inserted = db.conn.execute(
            "INSERT OR IGNORE INTO checkin_records (attendee_id, at, station, via) VALUES (?, ?, ?, ?)",
            [attendee_id, when, station, via],
        ).rowcount
        if not inserted:
            existing = current_checkin(db, attendee_id)
            if existing is None:  # the one current check-in is all that makes it ignored
                raise StoreError(f"the check-in of attendee {attendee_id} was not recorded")
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
    when, station = iso(at), clean_field(station, one_line=True)
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


@dataclass(frozen=True)
class Arrivals:
    """Checked in / expected, recent arrivals and per school (the desk's counters and the
    dashboard's), and for the dashboard arrivals per minute."""

    checked_in: int
    expected: int
    recent: int  # checked in at or after the time asked about
    schools: list[tuple[str, int, int]]  # (school, checked in, expected)
    per_minute: list[int] = field(default_factory=list)  # oldest first, up to now


def arrivals(
    db: sqlite_utils.Database,
    since: dt.datetime,
    *,
    series_to: dt.datetime | None = None,
    minutes: int = 60,
) -> Arrivals:
    """The one reader of arrivals: checked in against expected and per school, `recent`
    counting check-ins at or after `since` (the desk's counters); given `series_to`, also a
    per-minute series of the `minutes` up to it (the dashboard's sparkline)."""
    checked_in, expected, recent = db.execute(
        "SELECT (SELECT count(*) FROM checkins), (SELECT count(*) FROM attendees),"
        " (SELECT count(*) FROM checkins WHERE at >= ?)",
        [iso(since)],
    ).fetchone()
    schools = db.execute(
        "SELECT a.school, count(c.attendee_id), count(*) FROM attendees a"
        " LEFT JOIN checkins c ON c.attendee_id = a.id GROUP BY a.school ORDER BY a.school"
    ).fetchall()
    series: list[int] = []
    if series_to is not None:
        start = iso(series_to - dt.timedelta(minutes=minutes))
        times = [r[0] for r in db.execute("SELECT at FROM checkins WHERE at > ?", [start])]
        series = per_minute(times, series_to, minutes)
    return Arrivals(checked_in, expected, recent, [tuple(row) for row in schools], series)


def per_minute(times: list[str], now: dt.datetime, minutes: int) -> list[int]:
    """Counts per minute for the `minutes` up to `now`, oldest first."""
    buckets = [0] * minutes
    for text in times:
        age = (now - parse_iso(text)).total_seconds() // 60
        if 0 <= age < minutes:
            buckets[minutes - 1 - int(age)] += 1
    return buckets
