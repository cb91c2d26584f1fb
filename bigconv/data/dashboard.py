"""What the organisers watch: arrivals, rooms, reactions, feedback, comments and alerts."""

from __future__ import annotations

import datetime as dt
import statistics
from collections import Counter
from dataclasses import dataclass, field

import sqlite_utils

from bigconv.core.clock import iso, parse_iso
from bigconv.data import desk, timetable
from bigconv.data.feedback import LATEST_FEEDBACK, reaction_kinds

WINDOW = dt.timedelta(minutes=10)
# A session is "losing people" when, within WINDOW, at least NEGATIVE_MIN phones send a negative
# reaction and they are at least NEGATIVE_SHARE of the phones reacting to it in that window
# (phones, not taps: one phone tapping "lost" every 10 s cannot raise it alone).
NEGATIVE_MIN = 5
NEGATIVE_SHARE = 0.4
EMPTY_AFTER = dt.timedelta(minutes=10)
NEARLY_EMPTY = 0.25
GROUP_EMPTY = 3  # more empty rooms than this are reported in one line  # present below this share of allocated, once the session has started


@dataclass(frozen=True)
class Arrivals:
    checked_in: int
    expected: int
    last_window: int
    per_minute: list[int]  # oldest first, one bucket per minute up to now
    per_school: list[tuple[str, int, int]]  # school, checked in, expected


def arrivals(db: sqlite_utils.Database, now: dt.datetime, minutes: int = 60) -> Arrivals:
    """Check-ins against expected, the last ten minutes, a per-minute series and per school."""
    counts = desk.arrivals(db, now - WINDOW)  # the desk's counters, plus a per-minute series
    since = iso(now - dt.timedelta(minutes=minutes))
    times = [r[0] for r in db.execute("SELECT at FROM checkins WHERE at > ?", [since])]
    return Arrivals(
        counts.checked_in,
        counts.expected,
        counts.recent,
        per_minute(times, now, minutes),
        counts.schools,
    )


def per_minute(times: list[str], now: dt.datetime, minutes: int) -> list[int]:
    """Counts per minute for the `minutes` up to `now`, oldest first."""
    buckets = [0] * minutes
    for text in times:
        age = (now - parse_iso(text)).total_seconds() // 60
        if 0 <= age < minutes:
            buckets[minutes - 1 - int(age)] += 1
    return buckets


@dataclass(frozen=True)
class RoomLoad:
    session: timetable.SessionRow
    state: str  # "over", "full", "empty", "low", "ok", "not started"

    @property
    def attention(self) -> int:
        return ("over", "full", "empty", "low", "ok", "not started").index(self.state)


def room_loads(db: sqlite_utils.Database, now: dt.datetime) -> tuple[dict | None, list[RoomLoad]]:
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


@dataclass
class ReactionStats:
    """One session's reactions, counted in phones: each phone once per kind."""

    total: dict[str, int] = field(default_factory=dict)
    recent: dict[str, int] = field(default_factory=dict)  # within WINDOW of now
    phones: int = 0  # phones that sent any reaction within WINDOW
    negative_phones: int = 0  # phones that sent a negative one within WINDOW

    @property
    def count(self) -> int:
        return sum(self.total.values())


def reaction_stats(db: sqlite_utils.Database, now: dt.datetime) -> dict[int, ReactionStats]:
    """Per session: phones by kind in total and within the last ten minutes, and the phones
    reacting (and reacting negatively) within the last ten minutes.

    Totals come from `reaction_totals.devices` (kept by triggers) and the window from the
    `reactions_at` index alone, so the cost follows the number of sessions and of recent
    reactions, not the day's total."""
    out: dict[int, ReactionStats] = {}
    for session_id, kind, total in db.execute(
        "SELECT session_id, kind, devices FROM reaction_totals WHERE devices > 0"
    ):
        stats = out.setdefault(session_id, ReactionStats())
        stats.total[kind] = total
        stats.recent[kind] = 0
    negative = {k.key for k in reaction_kinds(db) if k.negative}
    since, until = iso(now - WINDOW), iso(now)
    # Distinct in Python: a set of the index's rows is cheaper than SQLite's DISTINCT b-tree.
    recent = set(
        db.execute(
            "SELECT session_id, kind, device FROM reactions WHERE at > ? AND at <= ?",
            [since, until],
        ).fetchall()
    )
    for (session_id, kind), n in Counter((s, k) for s, k, _ in recent).items():
        out.setdefault(session_id, ReactionStats()).recent[kind] = n
    for session_id, n in Counter(s for s, _ in {(s, d) for s, _, d in recent}).items():
        out[session_id].phones = n
    unhappy = {(s, d) for s, k, d in recent if k in negative}
    for session_id, n in Counter(s for s, _ in unhappy).items():
        out[session_id].negative_phones = n
    return out


def minute_of(moment: dt.datetime) -> str:
    """The clock minute a stored time falls in, as `reaction_minutes` keys it (UTC)."""
    return iso(moment)[:16]


def reactions_per_minute(
    db: sqlite_utils.Database, now: dt.datetime, minutes: int = 60, session_id: int | None = None
) -> list[int]:
    """Phones reacting in each clock minute (UTC) of the last `minutes`, each once per kind and
    minute, oldest first; the last bucket is the minute running now. Read from
    `reaction_minutes.devices`: at most `minutes` rows per session and kind."""
    moments = [now - dt.timedelta(minutes=minutes - 1 - i) for i in range(minutes)]
    keys = [minute_of(m) for m in moments]
    index = {key: i for i, key in enumerate(keys)}
    where, params = "minute >= ? AND minute <= ?", [keys[0], keys[-1]]
    if session_id is not None:
        where, params = where + " AND session_id = ?", [*params, session_id]
    buckets = [0] * minutes
    for minute, n in db.execute(
        f"SELECT minute, sum(devices) FROM reaction_minutes WHERE {where} GROUP BY minute",
        params,
    ):
        if minute in index:
            buckets[index[minute]] += n
    return buckets


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
        out[session_id] = FeedbackStats(
            n,
            statistics.fmean(values) if values else None,
            statistics.pstdev(values) if values else None,
            tuple(values.count(r) for r in range(1, 6)),
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
               EXISTS (SELECT 1 FROM allocations x WHERE x.attendee_id = a.id AND x.session_id = :s),
               (SELECT p.at FROM attendance p WHERE p.attendee_id = a.id AND p.session_id = :s) AS present_at
        FROM attendees a
        WHERE a.id IN (SELECT attendee_id FROM allocations WHERE session_id = :s
                       UNION SELECT attendee_id FROM attendance WHERE session_id = :s)
        ORDER BY present_at IS NULL, a.last_name, a.first_name
        """,
        {"s": session_id},
    )
    return [RosterLine(r[0], r[1], r[2], bool(r[3]), r[4]) for r in rows]


def session_feedback(db: sqlite_utils.Database, session_id: int) -> list[dict]:
    """Every feedback submission for a session, newest first (no personal data)."""
    return [
        dict(zip(("at", "rating", "next_step", "comment", "device"), row, strict=True))
        for row in db.execute(
            "SELECT at, rating, next_step, comment, device FROM feedback WHERE session_id = ? ORDER BY at DESC, id DESC",
            [session_id],
        )
    ]
