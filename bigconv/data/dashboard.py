"""What the organisers watch: arrivals, rooms, reactions, feedback, comments and alerts."""

from __future__ import annotations

import datetime as dt
import statistics
from dataclasses import dataclass
from typing import Any

import sqlite_utils

from bigconv.core.ratings import mean_rating
from bigconv.data import timetable
from bigconv.data.feedback import LATEST_FEEDBACK
from bigconv.data.reactions import ReactionStats, reaction_stats

# A session is "losing people" when, within WINDOW, at least NEGATIVE_MIN phones send a negative
# reaction and they are at least NEGATIVE_SHARE of the phones reacting to it in that window
# (phones, not taps: one phone tapping "lost" every 10 s cannot raise it alone).
NEGATIVE_MIN = 5
NEGATIVE_SHARE = 0.4
EMPTY_AFTER = dt.timedelta(minutes=10)
NEARLY_EMPTY = 0.25
GROUP_EMPTY = 3  # more empty rooms than this are reported in one line  # present below this share of allocated, once the session has started


@dataclass(frozen=True)
class RoomLoad:
    session: timetable.SessionRow
    state: str  # "over", "full", "empty", "low", "ok", "not started"

    @property
    def attention(self) -> int:
        return ("over", "full", "empty", "low", "ok", "not started").index(self.state)


def room_loads(
    db: sqlite_utils.Database, now: dt.datetime
) -> tuple[dict[str, Any] | None, list[RoomLoad]]:
    """Every session of the current slot with its state, most in need of attention first."""
    slot = timetable.current_slot(db, now)
    if slot is None:
        return None, []
    loads = []
    for s in timetable.sessions(db, "s.slot_id = ?", [slot["id"]]):
        started = now >= s.start_time
        if s.present > s.capacity:
            state = "over"
        elif s.present >= s.capacity:
            state = "full"
        elif not started:
            state = "not started"
        elif s.present == 0 and now >= s.start_time + EMPTY_AFTER:
            state = "empty"
        elif s.allocated and s.present < NEARLY_EMPTY * s.allocated:
            state = "low"
        else:
            state = "ok"
        loads.append(RoomLoad(s, state))
    loads.sort(key=lambda load: (load.attention, load.session.room))
    return slot, loads


@dataclass(frozen=True)
class FeedbackStats:
    responses: int
    average: float | None
    spread: float | None  # population standard deviation of ratings
    ratings: tuple[int, ...]  # count of 1..5


def feedback_stats(db: sqlite_utils.Database) -> dict[int, FeedbackStats]:
    """Per session, counting only each device's latest submission."""
    ratings: dict[int, list[int]] = {}
    responses: dict[int, int] = {}
    for session_id, rating in db.execute(f"SELECT session_id, rating FROM ({LATEST_FEEDBACK})"):
        responses[session_id] = responses.get(session_id, 0) + 1
        if rating is not None:
            ratings.setdefault(session_id, []).append(rating)
    out = {}
    for session_id, n in responses.items():
        values = ratings.get(session_id, [])
        counts = tuple(values.count(r) for r in range(1, 6))
        out[session_id] = FeedbackStats(
            n,
            mean_rating(counts),
            statistics.pstdev(values) if values else None,
            counts,
        )
    return out


@dataclass(frozen=True)
class Comment:
    at: str
    session_code: str
    session_title: str
    kind: str  # "comment" or "next step"
    text: str


def latest_comments(
    db: sqlite_utils.Database, limit: int = 30, session_id: int | None = None
) -> list[Comment]:
    """Comments and "one thing I'll try" answers, newest first (every submission)."""
    where = "WHERE s.id = ?" if session_id is not None else ""
    rows = db.execute(
        f"SELECT f.at, s.code, s.title, f.comment, f.next_step FROM feedback f JOIN sessions s ON s.id = f.session_id"
        f" {where} ORDER BY f.at DESC, f.id DESC LIMIT ?",
        [session_id, limit] if session_id is not None else [limit],
    )
    out = []
    for at, code, title, comment, next_step in rows:
        if next_step.strip():
            out.append(Comment(at, code, title, "next step", next_step))
        if comment.strip():
            out.append(Comment(at, code, title, "comment", comment))
    return out[:limit]


@dataclass(frozen=True)
class Alert:
    level: str  # "warning" or "alert"
    text: str
    session_id: int | None = None


def alerts(
    db: sqlite_utils.Database,
    now: dt.datetime,
    *,
    loads: list[RoomLoad] | None = None,
    stats: dict[int, ReactionStats] | None = None,
) -> list[Alert]:
    """Plain-words alerts: rooms at capacity, sessions losing people, empty sessions.

    A caller that already read this moment's `room_loads` and `reaction_stats` passes them in."""
    out = []
    if loads is None:
        _slot, loads = room_loads(db, now)
    empty = [
        load.session for load in loads if load.state == "empty" and now < load.session.end_time
    ]
    if len(empty) > GROUP_EMPTY:  # one line, not a wall, when whole slots are not being marked
        minutes = int((now - empty[0].start_time).total_seconds() // 60)
        rooms = ", ".join(s.room for s in empty)
        out.append(
            Alert(
                "warning",
                f"Nobody marked present in {len(empty)} rooms, {minutes} minutes after the start: {rooms}",
            )
        )
        loads = [load for load in loads if load.state != "empty"]
    for load in loads:
        s = load.session
        if load.state in ("over", "full"):
            word = "over capacity" if load.state == "over" else "full"
            out.append(
                Alert(
                    "alert" if load.state == "over" else "warning",
                    f"{s.room} is {word}: {s.present} present, {s.capacity} seats ({s.title})",
                    s.id,
                )
            )
        elif load.state == "empty" and now < s.end_time:
            minutes = int((now - s.start_time).total_seconds() // 60)
            out.append(
                Alert(
                    "warning",
                    f"Nobody marked present in {s.room}, {minutes} minutes after the start ({s.title})",
                    s.id,
                )
            )
    stats = reaction_stats(db, now) if stats is None else stats
    for session_id, st in stats.items():
        bad, phones = st.negative_phones, st.phones
        if bad < NEGATIVE_MIN or bad < NEGATIVE_SHARE * phones:
            continue
        for s in timetable.sessions(db, "s.id = ?", [session_id]):  # none if it was removed
            out.append(
                Alert(
                    "alert",
                    f"{s.title} ({s.room}) may be losing people: {bad} of {phones} phones reacting in the last 10 minutes sent a negative reaction",
                    session_id,
                )
            )
    return out


@dataclass(frozen=True)
class RosterLine:
    attendee_id: int
    name: str
    school: str
    allocated: bool
    present_at: str | None


def session_roster(db: sqlite_utils.Database, session_id: int) -> list[RosterLine]:
    """Allocated people and anyone present, present first, then by surname."""
    rows = db.execute(
        """
        SELECT a.id, a.first_name || ' ' || a.last_name, a.school,
               EXISTS (SELECT 1 FROM places_expected x
                       WHERE x.attendee_id = a.id AND x.session_id = :s),
               (SELECT p.at FROM attendance p WHERE p.attendee_id = a.id AND p.session_id = :s) AS present_at
        FROM attendees a
        WHERE a.id IN (SELECT attendee_id FROM places_expected WHERE session_id = :s
                       UNION SELECT attendee_id FROM attendance WHERE session_id = :s)
        ORDER BY present_at IS NULL, a.last_name, a.first_name
        """,
        {"s": session_id},
    )
    return [RosterLine(r[0], r[1], r[2], bool(r[3]), r[4]) for r in rows]


def session_feedback(db: sqlite_utils.Database, session_id: int) -> list[dict[str, Any]]:
    """Every feedback submission for a session, newest first (no personal data)."""
    return [
        dict(zip(("at", "rating", "next_step", "comment", "device"), row, strict=True))
        for row in db.execute(
            "SELECT at, rating, next_step, comment, device FROM feedback WHERE session_id = ? ORDER BY at DESC, id DESC",
            [session_id],
        )
    ]
