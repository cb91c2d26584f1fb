"""Room attendance: who is present in each session, marked in one IMMEDIATE transaction each.

A mark is refused when the person is already present, or when the room is at capacity unless the
host overrides (the override is stored and logged). A person is in one place per slot: marking
them in a second session of the same slot is refused naming the other session, or, when the
host chooses to move them, the first mark is stamped `moved_to` (kept, never deleted). Marking someone who never checked in at the
desk checks them in too, in the same transaction. Undo stamps the record; nothing is deleted.

Over 400 lines because marking, undo, moves and the room's roster share the one-place-per-slot
rule.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, TypedDict

import sqlite_utils

from bigconv.core.clock import iso, parse_iso
from bigconv.core.codes import ALPHABET, BADGE_PREFIX, normalise_code
from bigconv.core.text import clean_field
from bigconv.data.checkin import check_in, current_checkin, undo_checkin
from bigconv.data.database import immediate
from bigconv.data.log import log
from bigconv.data.search import PERSON_SQL, Person, fold
from bigconv.data.timetable import SessionRow, sessions

MARKED, ALREADY, FULL, ELSEWHERE = "marked", "already", "full", "elsewhere"


@dataclass(frozen=True)
class Elsewhere:
    """A person's current mark in another session of the same slot."""

    session_id: int
    code: str
    title: str
    room: str
    at: str
    station: str

    @property
    def name(self) -> str:
        return f"{self.code} {self.title} ({self.room})"

    @property
    def marked_by(self) -> str:
        """The station that marked them there, when it is not simply that room's own."""
        return "" if self.station.casefold() == self.room.casefold() else self.station


@dataclass(frozen=True)
class MarkResult:
    """What `mark_present` did; `status` is MARKED, or ALREADY, FULL or ELSEWHERE (refused)."""

    session_id: int
    attendee_id: int
    status: str
    at: str  # this mark's time, or the earlier mark's when ALREADY
    station: str  # this station, or the earlier mark's when ALREADY
    present: int  # headcount after this call
    capacity: int
    walk_in: bool = False  # not allocated to this session
    override: bool = False  # marked although the room was at capacity
    checked_in: bool = False  # this call also checked the person in
    # ELSEWHERE: where they are marked present in this slot; MARKED with move: where from
    other: Elsewhere | None = None

    @property
    def moved(self) -> bool:
        return self.status == MARKED and self.other is not None

    @property
    def marked(self) -> bool:
        return self.status == MARKED


@dataclass(frozen=True)
class Undone:
    """An undone mark; `checkin_undone` when the check-in that mark made was undone with it;
    `restored`: the mark the undone one had moved them from, current again."""

    session_id: int
    attendee_id: int
    checkin_undone: bool
    restored: Elsewhere | None = None


@dataclass(frozen=True)
class Headcount:
    present: int
    capacity: int
    allocated: int

    @property
    def full(self) -> bool:
        return self.present >= self.capacity


@dataclass(frozen=True)
class RosterEntry:
    """One person as the room host sees them for one session."""

    person: Person
    allocated: bool  # allocated to this session (else a walk-in, or just a search hit)
    present_at: str | None
    present_by: str | None
    override: bool
    checked_in_at: str | None
    allocated_elsewhere: str | None  # "Title (Room)" of their session in this slot, if another
    present_elsewhere: str | None = None  # the room where they are present in this slot
    expected: bool = False  # still expected here (`places_expected`): allocated, not gone elsewhere

    @property
    def present(self) -> bool:
        return self.present_at is not None


@dataclass(frozen=True)
class RoomState:
    """A room's current session and how full it is, for the desk and the dashboard."""

    room_id: int
    room: str
    session: SessionRow | None
    present: int
    capacity: int

    @property
    def full(self) -> bool:
        return self.session is not None and self.present >= self.capacity


def headcount(db: sqlite_utils.Database, session_id: int) -> Headcount | None:
    """Present, capacity (the session's, else the room's) and allocated for one session."""
    row = db.execute(
        "SELECT (SELECT count(*) FROM attendance WHERE session_id = s.id),"
        " coalesce(s.capacity, r.capacity),"
        " (SELECT count(*) FROM places_expected WHERE session_id = s.id)"
        " FROM sessions s JOIN rooms r ON r.id = s.room_id WHERE s.id = ?",
        [session_id],
    ).fetchone()
    return Headcount(*row) if row else None


def current_mark(
    db: sqlite_utils.Database, session_id: int, attendee_id: int
) -> tuple[str, str] | None:
    """(at, station) of this person's mark in this session, or None."""
    row = db.execute(
        "SELECT at, station FROM attendance WHERE session_id = ? AND attendee_id = ?",
        [session_id, attendee_id],
    ).fetchone()
    return (row[0], row[1]) if row else None


def is_allocated(db: sqlite_utils.Database, session_id: int, attendee_id: int) -> bool:
    return bool(
        db.execute(
            "SELECT 1 FROM allocations WHERE session_id = ? AND attendee_id = ?",
            [session_id, attendee_id],
        ).fetchone()
    )


def mark_present(
    db: sqlite_utils.Database,
    session_id: int,
    attendee_id: int,
    *,
    station: str,
    at: dt.datetime | None = None,
    override: bool = False,
    move: bool = False,
) -> MarkResult:
    """Mark a person present in a session, or say why not; returns after the commit.

    Present in another session of the same slot: refused (ELSEWHERE, naming it) unless `move`,
    which stamps that first mark as moved here (kept) and marks them here, in one transaction.
    ELSEWHERE and FULL are questions for the host, not refusals: nothing is logged for them
    until the answer is no (`decline_mark`), since a yes is recorded as the mark it makes.
    """
    when, station = iso(at), clean_field(station, one_line=True)
    with immediate(db):
        count = headcount(db, session_id)
        if count is None:
            raise ValueError(f"no session with id {session_id}")
        walk_in = not is_allocated(db, session_id, attendee_id)
        result = _Who(session_id=session_id, attendee_id=attendee_id, walk_in=walk_in)
        if existing := current_mark(db, session_id, attendee_id):
            _log_refusal(db, when, station, result, "already", already_at=existing[0])
            return MarkResult(
                status=ALREADY, at=existing[0], station=existing[1], **_counts(count), **result
            )
        other = present_elsewhere(db, session_id, attendee_id)
        if other and not move:
            return MarkResult(
                status=ELSEWHERE,
                at=other.at,
                station=other.station,
                other=other,
                **_counts(count),
                **result,
            )
        if count.full and not override:
            return MarkResult(status=FULL, at=when, station=station, **_counts(count), **result)
        if other:
            _move_from(db, other, session_id, attendee_id, when, station)
        overridden = count.full
        checked_in = current_checkin(db, attendee_id) is None
        if checked_in:  # evidently at the event: check in too, in this same transaction
            check_in(db, attendee_id, station=station, at=parse_iso(when), via="room")
        db.execute(
            "INSERT INTO attendance_records (session_id, attendee_id, at, station, override)"
            " VALUES (?, ?, ?, ?, ?)",
            [session_id, attendee_id, when, station, int(overridden)],
        )
        detail: dict[str, object] = {
            "walk_in": walk_in,
            "override": overridden,
            "checked_in": checked_in,
        }
        if other:
            detail["moved_from"] = other.session_id
        if overridden:
            detail.update(present_before=count.present, capacity=count.capacity)
        log(db, "attend", station=station, at=when, **_ids(result), detail=detail)
    return MarkResult(
        status=MARKED,
        at=when,
        station=station,
        present=count.present + 1,
        capacity=count.capacity,
        override=overridden,
        checked_in=checked_in,
        other=other,
        **result,
    )


def decline_mark(
    db: sqlite_utils.Database,
    session_id: int,
    attendee_id: int,
    *,
    reason: str,
    station: str,
    at: dt.datetime | None = None,
) -> None:
    """The answer to ELSEWHERE or FULL was no (the host's, or a script's without --move or
    --override): logged as `attend_refused` with the `reason` and what was asked about."""
    if reason not in (ELSEWHERE, FULL):
        raise ValueError(f"not a question a mark asks: {reason!r}")
    when, station = iso(at), clean_field(station, one_line=True)
    with immediate(db):
        count = headcount(db, session_id)
        if count is None:
            raise ValueError(f"no session with id {session_id}")
        result = _Who(
            session_id=session_id,
            attendee_id=attendee_id,
            walk_in=not is_allocated(db, session_id, attendee_id),
        )
        if reason == FULL:
            _log_refusal(db, when, station, result, "full", **_counts(count))
        else:
            other = present_elsewhere(db, session_id, attendee_id)
            where = {"other_session": other.session_id} if other else {}
            _log_refusal(db, when, station, result, "elsewhere", **where)


def present_elsewhere(
    db: sqlite_utils.Database, session_id: int, attendee_id: int
) -> Elsewhere | None:
    """This person's current mark in another session of this session's slot, if any."""
    row = db.execute(
        "SELECT s.id, s.code, s.title, r.name, p.at, p.station FROM attendance p"
        " JOIN sessions s ON s.id = p.session_id JOIN rooms r ON r.id = s.room_id"
        " WHERE p.attendee_id = ? AND s.id != ?"
        " AND s.slot_id = (SELECT slot_id FROM sessions WHERE id = ?)"
        " ORDER BY p.at DESC LIMIT 1",
        [attendee_id, session_id, session_id],
    ).fetchone()
    return Elsewhere(*row) if row else None


def _move_from(
    db: sqlite_utils.Database,
    other: Elsewhere,
    session_id: int,
    attendee_id: int,
    when: str,
    station: str,
) -> None:
    """Stamp the mark in the other session as moved to this one: kept, no longer current."""
    db.execute(
        "UPDATE attendance_records SET undone_at = ?, undone_by = ?, moved_to = ?"
        " WHERE session_id = ? AND attendee_id = ? AND undone_at IS NULL",
        [when, station, session_id, other.session_id, attendee_id],
    )
    log(
        db,
        "attend_moved",
        station=station,
        at=when,
        session_id=other.session_id,
        attendee_id=attendee_id,
        detail={"to_session": session_id, "marked_at": other.at, "marked_by": other.station},
    )


class _Ids(TypedDict):
    session_id: int
    attendee_id: int


class _Who(_Ids):
    """Who is marked where, as every MarkResult and log row of `mark_present` says."""

    walk_in: bool


class _Counts(TypedDict):
    present: int
    capacity: int


def _counts(count: Headcount) -> _Counts:
    return {"present": count.present, "capacity": count.capacity}


def _ids(result: _Who) -> _Ids:
    return {"session_id": result["session_id"], "attendee_id": result["attendee_id"]}


def _log_refusal(
    db: sqlite_utils.Database,
    when: str,
    station: str,
    result: _Who,
    reason: str,
    **detail: object,
) -> None:
    logged = {"reason": reason, "walk_in": result["walk_in"], **detail}
    log(db, "attend_refused", station=station, at=when, **_ids(result), detail=logged)


def undo_mark(
    db: sqlite_utils.Database,
    session_id: int,
    attendee_id: int,
    *,
    station: str,
    at: dt.datetime | None = None,
) -> Undone | None:
    """Stamp this person's mark in this session undone; None if they were not marked present.

    If that mark moved them from another session of the slot, they are present there again, as
    marked there (a new record copying the first; the stamped one is kept). If that mark also
    checked them in and they are present nowhere else, the check-in was part of the same mistake
    and is undone with it.
    """
    when, station = iso(at), clean_field(station, one_line=True)
    with immediate(db):
        row = db.execute(
            "SELECT id, at, station FROM attendance_records"
            " WHERE session_id = ? AND attendee_id = ? AND undone_at IS NULL",
            [session_id, attendee_id],
        ).fetchone()
        if row is None:
            return None
        db.execute(
            "UPDATE attendance_records SET undone_at = ?, undone_by = ? WHERE id = ?",
            [when, station, row[0]],
        )
        restored = _restore_moved(db, session_id, attendee_id, row[1], when, station)
        made_checkin = db.execute(
            "SELECT 1 FROM checkin_records WHERE attendee_id = ? AND undone_at IS NULL"
            " AND via = 'room' AND at = ? AND station = ?"
            " AND NOT EXISTS (SELECT 1 FROM attendance WHERE attendee_id = ?)",
            [attendee_id, row[1], row[2], attendee_id],
        ).fetchone()
        if made_checkin:
            undo_checkin(db, attendee_id, station=station, at=parse_iso(when))
        log(
            db,
            "attend_undone",
            station=station,
            at=when,
            session_id=session_id,
            attendee_id=attendee_id,
            detail={"marked_at": row[1], "marked_by": row[2], "checkin_undone": bool(made_checkin)},
        )
    return Undone(session_id, attendee_id, bool(made_checkin), restored)


def _restore_moved(
    db: sqlite_utils.Database,
    session_id: int,
    attendee_id: int,
    moved_at: str,
    when: str,
    station: str,
) -> Elsewhere | None:
    """Put back the mark that a move into `session_id` at `moved_at` stamped, unless the person
    is present somewhere in that slot again since."""
    first = db.execute(
        "SELECT session_id, at, station, override FROM attendance_records"
        " WHERE attendee_id = ? AND moved_to = ? AND undone_at = ? ORDER BY id DESC LIMIT 1",
        [attendee_id, session_id, moved_at],
    ).fetchone()
    if first is None or present_elsewhere(db, session_id, attendee_id):
        return None
    back, at, marked_by, override = first
    db.execute(
        "INSERT INTO attendance_records (session_id, attendee_id, at, station, override)"
        " VALUES (?, ?, ?, ?, ?)",
        [back, attendee_id, at, marked_by, override],
    )
    log(
        db,
        "attend_restored",
        station=station,
        at=when,
        session_id=back,
        attendee_id=attendee_id,
        detail={"moved_to": session_id, "marked_at": at, "marked_by": marked_by},
    )
    return present_elsewhere(db, session_id, attendee_id)


ENTRY_SQL = f"""
SELECT p.*, al.attendee_id IS NOT NULL, att.at, att.station, coalesce(att.override, 0), c.at,
    (SELECT s2.title || ' (' || r2.name || ')' FROM allocations a2
     JOIN sessions s2 ON s2.id = a2.session_id JOIN rooms r2 ON r2.id = s2.room_id
     WHERE a2.attendee_id = p.id AND s2.id != :session
       AND s2.slot_id = (SELECT slot_id FROM sessions WHERE id = :session)
     ORDER BY s2.id LIMIT 1),
    (SELECT r3.name FROM attendance a3
     JOIN sessions s3 ON s3.id = a3.session_id JOIN rooms r3 ON r3.id = s3.room_id
     WHERE a3.attendee_id = p.id AND s3.id != :session
       AND s3.slot_id = (SELECT slot_id FROM sessions WHERE id = :session)
     LIMIT 1),
    EXISTS (SELECT 1 FROM places_expected x WHERE x.session_id = :session AND x.attendee_id = p.id)
FROM ({PERSON_SQL}) p
LEFT JOIN allocations al ON al.session_id = :session AND al.attendee_id = p.id
LEFT JOIN attendance att ON att.session_id = :session AND att.attendee_id = p.id
LEFT JOIN checkins c ON c.attendee_id = p.id
"""


def _entry(row: tuple[Any, ...]) -> RosterEntry:
    return RosterEntry(
        Person(*row[:7]),
        bool(row[7]),
        row[8],
        row[9],
        bool(row[10]),
        row[11],
        row[12],
        row[13],
        bool(row[14]),
    )


def roster(db: sqlite_utils.Database, session_id: int) -> list[RosterEntry]:
    """Allocated people and walk-ins present, by surname then first name.

    The order is stable (a row does not move when ticked), so the host's cursor and mouse stay
    on the person they meant; the headcount says how many are still missing.
    """
    rows = db.execute(
        ENTRY_SQL + " WHERE al.attendee_id IS NOT NULL OR att.attendee_id IS NOT NULL",
        {"session": session_id},
    ).fetchall()
    entries = [_entry(row) for row in rows]
    return sorted(entries, key=_surname_order)


def _surname_order(entry: RosterEntry) -> tuple[str, str, int]:
    p = entry.person
    return (fold(p.last_name), fold(p.first_name), p.id)


def entries_for(
    db: sqlite_utils.Database, session_id: int, attendee_ids: list[int]
) -> list[RosterEntry]:
    """These people (in the given order) as seen from this session, e.g. for search results."""
    if not attendee_ids:
        return []
    params = {"session": session_id, **{f"p{i}": pid for i, pid in enumerate(attendee_ids)}}
    marks = ", ".join(f":p{i}" for i in range(len(attendee_ids)))
    rows = db.execute(ENTRY_SQL + f" WHERE p.id IN ({marks})", params).fetchall()
    by_id = {row[0]: _entry(row) for row in rows}
    return [by_id[pid] for pid in attendee_ids if pid in by_id]


def looks_like_badge(text: str) -> bool:
    """True for text in the shape of a generated badge code (BC + 5), so an unknown one is
    reported as such instead of falling back to a name search that might find someone else."""
    code = normalise_code(text)
    return (
        len(code) == len(BADGE_PREFIX) + 5
        and code.startswith(BADGE_PREFIX)
        and all(ch in ALPHABET for ch in code[len(BADGE_PREFIX) :])
    )


def find_room(db: sqlite_utils.Database, name: str) -> dict[str, Any] | None:
    """The room with this name (case and surrounding spaces ignored), or None."""
    row = db.execute(
        "SELECT id, name, capacity FROM rooms WHERE name = ? COLLATE NOCASE", [name.strip()]
    ).fetchone()
    return dict(zip(("id", "name", "capacity"), row, strict=True)) if row else None


def get_room(db: sqlite_utils.Database, room_id: int) -> dict[str, Any] | None:
    row = db.execute("SELECT id, name, capacity FROM rooms WHERE id = ?", [room_id]).fetchone()
    return dict(zip(("id", "name", "capacity"), row, strict=True)) if row else None


def room_sessions(db: sqlite_utils.Database, room_id: int) -> list[SessionRow]:
    """This room's sessions in time order."""
    return sessions(db, "s.room_id = ?", [room_id])


def pick_current(rows: list[SessionRow], now: dt.datetime) -> SessionRow | None:
    """The session running at `now`, else the next one to start, else the last one."""
    for s in rows:
        if s.start_time <= now < s.end_time:
            return s
    upcoming = [s for s in rows if s.start_time > now]
    if upcoming:
        return min(upcoming, key=lambda s: s.start_time)
    return rows[-1] if rows else None


def current_session(db: sqlite_utils.Database, room_id: int, now: dt.datetime) -> SessionRow | None:
    """The room's session by the clock: running now, else next, else the day's last."""
    return pick_current(room_sessions(db, room_id), now)


def adjacent_session(db: sqlite_utils.Database, session_id: int, step: int) -> SessionRow | None:
    """The session `step` places after (negative: before) this one in the same room, or None."""
    rows = sessions(db, "s.room_id = (SELECT room_id FROM sessions WHERE id = ?)", [session_id])
    ids = [s.id for s in rows]
    if session_id not in ids:
        return None
    index = ids.index(session_id) + step
    return rows[index] if 0 <= index < len(rows) else None


def session_by_id(db: sqlite_utils.Database, session_id: int) -> SessionRow | None:
    found = sessions(db, "s.id = ?", [session_id])
    return found[0] if found else None


def room_states(db: sqlite_utils.Database, now: dt.datetime) -> list[RoomState]:
    """Every room with its current session (by `now`), headcount, capacity and full flag."""
    by_room: dict[int, list[SessionRow]] = {}
    for s in sessions(db):
        by_room.setdefault(s.room_id, []).append(s)
    states = []
    for room in db.execute("SELECT id, name, capacity FROM rooms ORDER BY name").fetchall():
        current = pick_current(by_room.get(room[0], []), now)
        present, capacity = (current.present, current.capacity) if current else (0, room[2])
        states.append(RoomState(room[0], room[1], current, present, capacity))
    return states


def full_rooms(db: sqlite_utils.Database, now: dt.datetime) -> list[RoomState]:
    """The rooms whose current session is at or over capacity."""
    return [state for state in room_states(db, now) if state.full]
