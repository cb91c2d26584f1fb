"""The queries behind the after-the-day report: arrivals, attendance, reactions, feedback, schools."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

import sqlite_utils

from bigconv.core.clock import parse_iso
from bigconv.core.ratings import mean_rating
from bigconv.data import reactions
from bigconv.data.feedback import LATEST_FEEDBACK, form_person
from bigconv.data.followup import LATEST_COMMITMENT
from bigconv.data.meta import get_meta
from bigconv.data.reactions import ReactionKind, reaction_kinds
from bigconv.data.timetable import SessionRow, sessions


@dataclass(frozen=True)
class Response:
    """One phone's latest feedback for a session."""

    at: dt.datetime  # in the event's time zone
    rating: int | None
    next_step: str
    comment: str


@dataclass
class SessionReport:
    session: SessionRow
    start: dt.datetime  # local
    end: dt.datetime
    no_shows: list[str] = field(default_factory=list)
    walk_ins: int = 0  # present but not allocated
    reactions: Counter[str] = field(default_factory=Counter)  # kind -> phones (each once)
    timeline: list[tuple[dt.datetime, Counter[str]]] = field(default_factory=list)
    ratings: list[int] = field(default_factory=lambda: [0] * 5)  # count of 1..5
    responses: list[Response] = field(default_factory=list)
    commitments: list[str] = field(default_factory=list)  # what each phone will try (latest)

    @property
    def mean_rating(self) -> float | None:
        return mean_rating(self.ratings)

    @property
    def tries(self) -> list[str]:
        """ "One thing I'll try": the commitments, and what older feedback forms said in their
        own field (the phone page asks once now, in the commitment)."""
        return [r.next_step for r in self.responses if r.next_step] + self.commitments


@dataclass(frozen=True)
class SchoolRow:
    school: str
    staff: int
    arrived: int
    allocated: int
    attended: int
    responses: int  # feedback forms that count for someone from this school (form_person)
    mean_rating: float | None


@dataclass
class Report:
    name: str
    date: str
    venue: str
    tz: ZoneInfo
    generated: dt.datetime
    attendees: int
    arrived: int
    arrivals: list[tuple[dt.datetime, int]]  # on the event day
    arrivals_off_day: int  # check-ins stamped on another day (left out of the chart)
    sessions: list[SessionReport]
    kinds: list[ReactionKind]
    schools: list[SchoolRow]
    ratings: list[int]  # the whole day's distribution, 1..5

    @property
    def reactions(self) -> int:
        return sum(sum(s.reactions.values()) for s in self.sessions)

    @property
    def responses(self) -> int:
        return sum(len(s.responses) for s in self.sessions)


def floor_time(moment: dt.datetime, minutes: int) -> dt.datetime:
    """The start of the `minutes`-long bucket holding `moment` (same time zone)."""
    return moment.replace(minute=moment.minute - moment.minute % minutes, second=0, microsecond=0)


def buckets(
    times: list[dt.datetime],
    minutes: int,
    start: dt.datetime | None = None,
    end: dt.datetime | None = None,
) -> list[tuple[dt.datetime, list[int]]]:
    """Consecutive buckets from `start` (or the first time) to `end` (or the last), gaps included.

    Each bucket lists the indexes of the times that fall in it.
    """
    if not times and (start is None or end is None):
        return []
    first = floor_time(min([start, *times]) if start else min(times), minutes)
    last = floor_time(max([end, *times] if end else times), minutes)
    step = dt.timedelta(minutes=minutes)
    out: dict[dt.datetime, list[int]] = {}
    moment = first
    while moment <= last:
        out[moment] = []
        moment += step
    for i, t in enumerate(times):
        key = floor_time(t, minutes)
        if key in out:
            out[key].append(i)
    return list(out.items())


def arrivals(
    db: sqlite_utils.Database, tz: ZoneInfo, minutes: int = 10, day: dt.date | None = None
) -> tuple[list[tuple[dt.datetime, int]], int]:
    """Check-ins (those standing now) per `minutes` of local time on `day` (every day if
    None), and how many were stamped on another day (a correction made after it, say): those
    are counted, never drawn, so one stray time cannot stretch the chart over days."""
    times = [parse_iso(r[0]).astimezone(tz) for r in db.execute("SELECT at FROM checkins")]
    on_day = [t for t in times if day is None or t.date() == day]
    return [(t, len(idx)) for t, idx in buckets(on_day, minutes)], len(times) - len(on_day)


def latest_feedback(
    db: sqlite_utils.Database,
) -> list[tuple[int, str, int | None, str, str]]:
    """(session_id, at, rating, next_step, comment) per phone and session: its latest answer."""
    return db.execute(
        f"SELECT session_id, at, rating, next_step, comment FROM ({LATEST_FEEDBACK})"
        " ORDER BY session_id, at"
    ).fetchall()


def _attendee_name(first: str, last: str) -> str:
    return f"{first} {last}".strip()


def session_reports(
    db: sqlite_utils.Database, tz: ZoneInfo, minutes: int = 5
) -> list[SessionReport]:
    """Every session with its no-shows, reaction timeline, ratings and responses."""
    out = {
        s.id: SessionReport(s, s.start_time.astimezone(tz), s.end_time.astimezone(tz))
        for s in sessions(db)
    }
    for sid, first, last in db.execute(
        """
        SELECT al.session_id, a.first_name, a.last_name FROM places_expected al
        JOIN attendees a ON a.id = al.attendee_id
        WHERE NOT EXISTS (SELECT 1 FROM attendance p
                          WHERE p.session_id = al.session_id AND p.attendee_id = al.attendee_id)
        ORDER BY a.last_name, a.first_name
        """
    ):
        out[sid].no_shows.append(_attendee_name(first, last))
    for sid, n in db.execute(
        """
        SELECT p.session_id, count(*) FROM attendance p WHERE NOT EXISTS (
            SELECT 1 FROM allocations al
            WHERE al.session_id = p.session_id AND al.attendee_id = p.attendee_id)
        GROUP BY p.session_id
        """
    ):
        out[sid].walk_ins = n
    _add_reactions(db, tz, out, minutes)
    for sid, at, rating, next_step, comment in latest_feedback(db):
        report = out[sid]
        report.responses.append(Response(parse_iso(at).astimezone(tz), rating, next_step, comment))
        if rating:
            report.ratings[rating - 1] += 1
    for sid, text in db.execute(
        f"SELECT session_id, try_text FROM ({LATEST_COMMITMENT}) ORDER BY session_id, at"
    ):
        if text:
            out[sid].commitments.append(text)
    return list(out.values())


def _add_reactions(
    db: sqlite_utils.Database, tz: ZoneInfo, out: dict[int, SessionReport], minutes: int
) -> None:
    """Phones per kind for each session, and per `minutes` bucket of its timeline: a phone
    counts once per kind in a session (and once per kind in a bucket), however often it tapped."""
    for sid, sent in reactions.totals(db).items():
        out[sid].reactions = Counter(sent)
    for sid, items in reactions.taps(db, tz).items():
        report = out[sid]
        times = [t for t, _, _ in items]
        spans = buckets(times, minutes, report.start, report.end - dt.timedelta(microseconds=1))
        report.timeline = [
            (t, Counter(kind for kind, _ in {items[i][1:] for i in idx})) for t, idx in spans
        ]


def schools(db: sqlite_utils.Database) -> list[SchoolRow]:
    """Per school: staff, arrivals, places allocated and attended, and the feedback forms that
    count for someone from it (`feedback.form_person`: each phone's latest form per session)."""
    rows = db.execute(
        f"""
        WITH people AS (
            SELECT a.id, a.badge, CASE WHEN trim(a.school) = '' THEN '(no school given)'
                                       ELSE a.school END AS school FROM attendees a),
        linked AS (
            SELECT p.school, f.rating FROM ({LATEST_FEEDBACK}) f
            JOIN people p ON p.id = {form_person("f")})
        SELECT p.school, count(*),
            sum(EXISTS (SELECT 1 FROM checkins c WHERE c.attendee_id = p.id)),
            sum((SELECT count(*) FROM allocations al WHERE al.attendee_id = p.id)),
            sum((SELECT count(DISTINCT s.slot_id) FROM attendance x
                 JOIN sessions s ON s.id = x.session_id WHERE x.attendee_id = p.id)),
            (SELECT count(*) FROM linked l WHERE l.school = p.school),
            (SELECT avg(l.rating) FROM linked l WHERE l.school = p.school)
        FROM people p GROUP BY p.school ORDER BY p.school
        """
    ).fetchall()
    return [SchoolRow(*row) for row in rows]


def build(db: sqlite_utils.Database, tz: ZoneInfo, *, now: dt.datetime | None = None) -> Report:
    """Everything the report shows, read in one snapshot."""
    db.execute("BEGIN")
    try:
        per_session = session_reports(db, tz)
        day = [sum(s.ratings[i] for s in per_session) for i in range(5)]
        attendees, arrived = db.execute(
            "SELECT (SELECT count(*) FROM attendees), (SELECT count(*) FROM checkins)"
        ).fetchone()
        date = get_meta(db, "event_date") or ""
        try:
            event_day: dt.date | None = dt.date.fromisoformat(date)
        except ValueError:
            event_day = None
        on_day, off_day = arrivals(db, tz, day=event_day)
        return Report(
            name=get_meta(db, "event_name") or "bigconv",
            date=date,
            venue=get_meta(db, "venue") or "",
            tz=tz,
            generated=(now or dt.datetime.now(dt.UTC)).astimezone(tz),
            attendees=attendees,
            arrived=arrived,
            arrivals=on_day,
            arrivals_off_day=off_day,
            sessions=per_session,
            kinds=reaction_kinds(db),
            schools=schools(db),
            ratings=day,
        )
    finally:
        db.execute("COMMIT")
