"""What the registration desk reads and writes besides check-in itself: a person's day, walk-ins,
places left in sessions, and arrival counters."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Collection
from dataclasses import dataclass

import sqlite_utils

from bigconv.core import codes
from bigconv.core.clock import iso
from bigconv.core.text import clean_field
from bigconv.data.attendees import known_as
from bigconv.data.checkin import CheckInResult, check_in
from bigconv.data.database import immediate, insert
from bigconv.data.log import log

EMAIL_RE = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


class WalkInError(ValueError):
    """The walk-in form cannot be saved as filled in; the message says which field and why."""


class AlreadyRegistered(WalkInError):
    """The walk-in may be someone registered already (the import's identity rule): check them
    in instead, or register a second record on purpose (`despite` their ids)."""

    def __init__(self, message: str, attendee_ids: list[int]):
        super().__init__(message)
        self.attendee_ids = attendee_ids


@dataclass(frozen=True)
class DaySession:
    """One session a person is allocated to, for the desk's banner."""

    session_id: int
    code: str
    title: str
    room: str
    slot: str
    starts_at: str
    ends_at: str


DAY_SQL = """
SELECT s.id, s.code, s.title, r.name, t.label, t.starts_at, t.ends_at
FROM allocations a
JOIN sessions s ON s.id = a.session_id
JOIN rooms r ON r.id = s.room_id
JOIN slots t ON t.id = s.slot_id
WHERE a.attendee_id = ?
ORDER BY t.starts_at, s.position, s.id
"""


PLENARY_SQL = """
SELECT s.id, s.code, s.title, r.name, t.label, t.starts_at, t.ends_at
FROM sessions s JOIN rooms r ON r.id = s.room_id JOIN slots t ON t.id = s.slot_id
WHERE t.kind = 'plenary'
ORDER BY t.starts_at, s.position, s.id
"""


def plenaries(db: sqlite_utils.Database) -> list[DaySession]:
    """The plenary sessions everyone attends (never in `allocations`)."""
    return [DaySession(*row) for row in db.execute(PLENARY_SQL)]


def day_sessions(db: sqlite_utils.Database, attendee_id: int) -> list[DaySession]:
    """The sessions this person is allocated to, in time order."""
    return [DaySession(*row) for row in db.execute(DAY_SQL, [attendee_id])]


PRESENT_SQL = DAY_SQL.replace("FROM allocations a", "FROM attendance a")


def present_sessions(db: sqlite_utils.Database, attendee_id: int) -> list[DaySession]:
    """Where this person is marked present now, in time order: one session per slot at most."""
    return [DaySession(*row) for row in db.execute(PRESENT_SQL, [attendee_id])]


@dataclass(frozen=True)
class Opening:
    """A session that still has places, for offering to a walk-in."""

    session_id: int
    code: str
    title: str
    room: str
    slot_id: int
    slot: str
    starts_at: str
    capacity: int
    allocated: int

    @property
    def left(self) -> int:
        return self.capacity - self.allocated


OPENINGS_SQL = """
SELECT s.id, s.code, s.title, r.name, t.id, t.label, t.starts_at,
       coalesce(s.capacity, r.capacity) AS cap,
       (SELECT count(*) FROM places_expected a WHERE a.session_id = s.id) AS taken
FROM sessions s JOIN rooms r ON r.id = s.room_id JOIN slots t ON t.id = s.slot_id
WHERE t.kind != 'plenary' AND taken < cap
ORDER BY t.starts_at, s.position, s.title
"""


def openings(db: sqlite_utils.Database) -> list[Opening]:
    """Workshop sessions with room left (capacity: the session's, else its room's)."""
    return [Opening(*row) for row in db.execute(OPENINGS_SQL)]


def _badge_taken(db: sqlite_utils.Database) -> Callable[[str], bool]:
    def taken(code: str) -> bool:
        return db.execute("SELECT 1 FROM attendees WHERE badge = ?", [code]).fetchone() is not None

    return taken


def register_walk_in(
    db: sqlite_utils.Database,
    *,
    first_name: str,
    last_name: str = "",
    school: str = "",
    role: str = "",
    email: str = "",
    despite: Collection[int] = (),
    station: str,
    at: dt.datetime | None = None,
) -> tuple[int, CheckInResult]:
    """Add a walk-in (with a new badge) and check them in, in one transaction. What was typed
    is stored as the text rule cleans it (bigconv/core/text.py), each field one line.

    Someone the import's identity rule says they are, or may be, refuses it (AlreadyRegistered)
    unless named in `despite`: a second record made on purpose, logged with whom it is not.
    """
    first_name, last_name, school, role, email = (
        clean_field(v, one_line=True) for v in (first_name, last_name, school, role, email)
    )
    if not first_name:
        raise WalkInError("First name: needed")
    if email and not EMAIL_RE.fullmatch(email):
        raise WalkInError(f"Email: not an email address: {email!r}")
    when = iso(at)
    with immediate(db):
        same = known_as(db, first_name=first_name, last_name=last_name, school=school, email=email)
        known = (
            email
            and db.execute(
                "SELECT first_name, last_name, badge FROM attendees WHERE lower(email) = lower(?)",
                [email],
            ).fetchone()
        )
        used = known and f"Email: {email} is already {known[0]} {known[1]} ({known[2]})"
        if not set(same) <= set(despite):
            raise AlreadyRegistered(used or f"{first_name} {last_name} may be registered", same)
        if used:  # the same person twice would split their record: find them instead
            raise WalkInError(f"{used}: search for them, or give another email")
        badge = codes.badge_code(_badge_taken(db))
        record = {
            "badge": badge,
            "first_name": first_name,
            "last_name": last_name,
            "email": email,
            "school": school,
            "role": role,
            "source": "walk-in",
            "created_at": when,
        }
        attendee_id = insert(db, "attendees", record)
        log(
            db,
            "walk_in_registered",
            station=station,
            at=when,
            attendee_id=attendee_id,
            detail={"badge": badge},
        )
        if same:
            log(
                db,
                "walk_in_registered_despite_match",
                station=station,
                at=when,
                attendee_id=attendee_id,
                detail={"not_the_same_as": same},
            )
        result = check_in(db, attendee_id, station=station, at=at, via="walk-in")
    return attendee_id, result


class PlaceTaken(Exception):
    """A session filled up (or clashes with another choice) before the place was given."""


def allocate_places(
    db: sqlite_utils.Database,
    attendee_id: int,
    session_ids: list[int],
    *,
    station: str,
    at: dt.datetime | None = None,
) -> list[DaySession]:
    """Give a walk-in places in these sessions, all or none, re-checking capacity and clashes."""
    when = iso(at)
    with immediate(db):
        free = {o.session_id: o for o in openings(db)}
        busy = {
            row[0]
            for row in db.execute(
                "SELECT s.slot_id FROM allocations a JOIN sessions s ON s.id = a.session_id"
                " WHERE a.attendee_id = ?",
                [attendee_id],
            )
        }
        for sid in session_ids:
            place = free.get(sid)
            if place is None:
                raise PlaceTaken("a session filled up (or was removed) before the place was given")
            if place.slot_id in busy:
                raise PlaceTaken(f"{place.title}: already has a place in {place.slot}")
            busy.add(place.slot_id)
            db.execute(
                "INSERT INTO allocations (attendee_id, session_id, at, source) VALUES (?, ?, ?, 'walk-in')",
                [attendee_id, sid, when],
            )
            log(db, "allocated", station=station, at=when, attendee_id=attendee_id, session_id=sid)
    return day_sessions(db, attendee_id)


def schools(db: sqlite_utils.Database) -> list[str]:
    """Every school named so far, for the walk-in form's suggestions."""
    return [
        row[0]
        for row in db.execute(
            "SELECT DISTINCT school FROM attendees WHERE school != '' ORDER BY school"
        )
    ]
