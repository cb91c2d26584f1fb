"""Was it worth it? The evidence chain per workshop, each school's digest for its CPD lead, the
day's cost in staff hours, feedback cut by choice rank, school and role, and CPD extras.

Only counts and group figures leave this module, except where a person named themselves
(a named commitment and its follow-up answers go to their school's CPD lead and their record).

Over 400 lines because the evidence chain, the school digests and the cost are read from one
snapshot with shared group rules.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

import sqlite_utils

from bigconv.core.clock import parse_iso
from bigconv.data import reactions
from bigconv.data.cpd import CpdRecord, Led
from bigconv.data.feedback import LATEST_FEEDBACK, form_person
from bigconv.data.followup import (
    ANSWER_COLUMNS,
    LATEST_ANSWER,
    LATEST_COMMITMENT,
    PERSON_COLUMNS,
    Answer,
    Commitment,
    rounds,
    unanswered,
)
from bigconv.data.search import Person

NO_SCHOOL = "(no school given)"
MIN_GROUP = 3  # a group's mean rating is shown only from this many answers (no one singled out)
RANKS = ("1st", "2nd", "3rd", "other", "not chosen")
PLENARY = "plenary (no choice)"

COMMITMENT_COLUMNS = "c.id, c.session_id, s.code, s.title, c.try_text, c.when_where, c.help, c.at"


def _school(text: str) -> str:
    return text.strip() or NO_SCHOOL


def _rank_label(rank: int | None) -> str:
    if rank is None:
        return "not chosen"
    return RANKS[rank - 1] if rank <= 3 else "other"


# -- answers, latest first ---------------------------------------------------------------------


def _answers_by_commitment(db: sqlite_utils.Database) -> dict[int, list[tuple[str, Answer]]]:
    """Each commitment's current answer per round, in round order, with the round's label."""
    out: dict[int, list[tuple[str, Answer]]] = defaultdict(list)
    labels = {r.id: r.label for r in rounds(db)}
    order = list(labels)
    rows = db.execute(f"SELECT {ANSWER_COLUMNS} FROM ({LATEST_ANSWER}) f").fetchall()
    for row in sorted(rows, key=lambda r: order.index(r[1])):
        answer = Answer(*row)
        out[answer.commitment_id].append((labels[answer.round_id], answer))
    return out


def _addressed(db: sqlite_utils.Database) -> dict[int, tuple[str, str, str]]:
    """answer id -> (at, station, note) of the latest time its barrier was marked addressed."""
    rows = db.execute(
        "SELECT answer_id, at, station, note FROM barriers_addressed ORDER BY at, id"
    ).fetchall()
    return {answer_id: (at, station, note) for answer_id, at, station, note in rows}


# -- per school -------------------------------------------------------------------------------


@dataclass
class Barrier:
    answer_id: int
    person: str
    session: str
    round: str
    obstacles: str
    support: str
    addressed: tuple[str, str, str] | None  # (at, station, note)


@dataclass
class Named:
    person: Person
    commitment: Commitment
    answers: list[tuple[str, Answer]]


@dataclass
class SchoolDigest:
    school: str
    staff: int
    named: list[Named] = field(default_factory=list)
    unnamed: int = 0
    barriers: list[Barrier] = field(default_factory=list)
    support: list[tuple[str, str, str]] = field(default_factory=list)  # (person, session, text)
    unanswered: dict[str, list[Person]] = field(default_factory=dict)  # round -> people

    @property
    def slug(self) -> str:
        keep = "".join(ch if ch.isalnum() else "-" for ch in self.school.casefold())
        return "-".join(filter(None, keep.split("-")))[:60] or "school"


def school_digests(db: sqlite_utils.Database) -> list[SchoolDigest]:
    """Per school: named commitments with answers, unnamed ones counted, barriers, support."""
    out: dict[str, SchoolDigest] = {}
    for school, staff in db.execute("SELECT school, count(*) FROM attendees GROUP BY school"):
        out.setdefault(_school(school), SchoolDigest(_school(school), 0)).staff += staff
    answers = _answers_by_commitment(db)
    addressed = _addressed(db)
    rows = db.execute(
        f"""SELECT {PERSON_COLUMNS}, {COMMITMENT_COLUMNS}
        FROM ({LATEST_COMMITMENT}) c JOIN attendees a ON a.id = c.attendee_id
        JOIN sessions s ON s.id = c.session_id JOIN slots t ON t.id = s.slot_id
        ORDER BY a.last_name COLLATE NOCASE, a.first_name COLLATE NOCASE, a.id, t.starts_at"""
    ).fetchall()
    for row in rows:
        person, commitment = Person(*row[:7]), Commitment(*row[7:])
        digest = out[_school(person.school)]
        mine = answers.get(commitment.id, [])
        digest.named.append(Named(person, commitment, mine))
        if commitment.help:
            digest.support.append((person.name, commitment.title, commitment.help))
        for label, a in mine:
            if a.obstacles:
                digest.barriers.append(
                    Barrier(
                        a.id,
                        person.name,
                        commitment.title,
                        label,
                        a.obstacles,
                        a.support,
                        addressed.get(a.id),
                    )
                )
            if a.support:
                digest.support.append((person.name, commitment.title, a.support))
    for school, n in _unnamed_by_school(db).items():
        out.setdefault(school, SchoolDigest(school, 0)).unnamed = n
    for r in rounds(db):
        for school, people in unanswered(db, r.id).items():
            out[school].unanswered[r.label] = people
    return [out[k] for k in sorted(out)]


def _unnamed_by_school(db: sqlite_utils.Database) -> Counter[str]:
    """Unnamed commitments sent from a phone that once opened a personal link: counted for that
    person's school (never named); the rest have no school."""
    rows = db.execute(
        f"""SELECT (SELECT a.school FROM link_devices d JOIN personal_links l ON l.id = d.link_id
                    JOIN attendees a ON a.id = l.attendee_id WHERE d.device = c.device LIMIT 1)
        FROM ({LATEST_COMMITMENT}) c WHERE c.attendee_id IS NULL"""
    ).fetchall()
    return Counter(
        _school(school) if school is not None else "(unknown school)" for (school,) in rows
    )


# -- the evidence chain -------------------------------------------------------------------------


@dataclass
class Evidence:
    """One workshop's chain: allocated (by choice rank) -> present -> reactions -> rating ->
    commitments -> tried at follow-up -> barriers."""

    code: str
    title: str
    slot: str
    audience: str
    minutes: int
    allocated: int = 0
    ranks: Counter[str] = field(default_factory=Counter)  # rank label -> allocated people
    present: int = 0
    reactions: int = 0  # phones that reacted, each once per kind
    responses: int = 0
    rating_sum: int = 0
    rated: int = 0
    commitments: int = 0
    named: int = 0
    tried: Counter[str] = field(default_factory=Counter)  # yes / partly / not_yet
    barriers: int = 0
    addressed: int = 0

    @property
    def mean_rating(self) -> float | None:
        return self.rating_sum / self.rated if self.rated else None

    @property
    def answered(self) -> int:
        return sum(self.tried.values())

    def add(self, other: Evidence) -> None:
        for name in (
            "allocated present reactions responses rating_sum rated commitments named "
            "barriers addressed".split()
        ):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.ranks.update(other.ranks)
        self.tried.update(other.tried)


def evidence(db: sqlite_utils.Database) -> list[Evidence]:
    """One row per session, in time and room order, with every link of the chain counted."""
    out: dict[int, Evidence] = {}
    for sid, code, title, slot, audience, starts, ends in db.execute(
        """SELECT s.id, s.code, s.title, t.label, s.audience, t.starts_at, t.ends_at
        FROM sessions s JOIN slots t ON t.id = s.slot_id JOIN rooms r ON r.id = s.room_id
        ORDER BY t.starts_at, r.name"""
    ):
        minutes = int((parse_iso(ends) - parse_iso(starts)).total_seconds() // 60)
        out[sid] = Evidence(code, title, slot, audience, minutes)
    for sid, rank in db.execute(
        """SELECT al.session_id, p.rank FROM allocations al LEFT JOIN preferences p
        ON p.attendee_id = al.attendee_id AND p.session_id = al.session_id"""
    ):
        out[sid].allocated += 1
        out[sid].ranks[_rank_label(rank)] += 1
    for sid, n in db.execute("SELECT session_id, count(*) FROM attendance GROUP BY session_id"):
        out[sid].present = n
    # Each phone once per kind, as every reaction figure counts.
    for sid, sent in reactions.totals(db).items():
        out[sid].reactions = sum(sent.values())
    for sid, n, rated, total in db.execute(
        f"""SELECT session_id, count(*), count(rating), coalesce(sum(rating), 0)
        FROM ({LATEST_FEEDBACK}) GROUP BY session_id"""
    ):
        out[sid].responses, out[sid].rated, out[sid].rating_sum = n, rated, total
    answers = _answers_by_commitment(db)
    addressed = _addressed(db)
    for cid, sid, attendee in db.execute(
        f"SELECT id, session_id, attendee_id FROM ({LATEST_COMMITMENT})"
    ):
        row = out[sid]
        row.commitments += 1
        row.named += attendee is not None
        if mine := answers.get(cid):
            latest = mine[-1][1]  # the latest round this commitment was answered in
            row.tried[latest.tried] += 1
            barriers = [a for _, a in mine if a.obstacles]
            row.barriers += bool(barriers)
            row.addressed += bool(barriers) and all(a.id in addressed for a in barriers)
    return list(out.values())


def by_audience(rows: list[Evidence]) -> list[Evidence]:
    """The chain summed per audience (the trust's priority groups), then for the whole day."""
    groups: dict[str, Evidence] = {}
    for row in rows:
        total = groups.setdefault(row.audience, Evidence("", row.audience, "", row.audience, 0))
        total.add(row)
    day = Evidence("", "The whole day", "", "", 0)
    for row in rows:
        day.add(row)
    return [groups[k] for k in sorted(groups)] + [day]


# -- cost -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Cost:
    people: int  # checked in
    day_minutes: int  # first start to last end in the timetable
    session_minutes: int  # every present person's minutes in sessions
    costs: tuple[tuple[str, float], ...] = ()
    hourly_cost: float | None = None

    @property
    def staff_hours(self) -> float:
        return self.people * self.day_minutes / 60

    @property
    def session_hours(self) -> float:
        return self.session_minutes / 60

    @property
    def staff_cost(self) -> float | None:
        return self.staff_hours * self.hourly_cost if self.hourly_cost is not None else None

    @property
    def total(self) -> float:
        return sum(amount for _, amount in self.costs) + (self.staff_cost or 0.0)


def cost(
    db: sqlite_utils.Database,
    costs: Iterable[tuple[str, float]] = (),
    hourly_cost: float | None = None,
) -> Cost:
    """The day's cost in staff hours (people checked in x the timetable's span) and money."""
    people, first, last, in_sessions = db.execute(
        """SELECT (SELECT count(*) FROM checkins), (SELECT min(starts_at) FROM slots),
        (SELECT max(ends_at) FROM slots),
        (SELECT coalesce(sum((julianday(t.ends_at) - julianday(t.starts_at)) * 1440), 0)
         FROM attendance p JOIN sessions s ON s.id = p.session_id JOIN slots t ON t.id = s.slot_id)"""
    ).fetchone()
    span = int((parse_iso(last) - parse_iso(first)).total_seconds() // 60) if first else 0
    return Cost(people, span, round(in_sessions), tuple(costs), hourly_cost)


# -- feedback cut by who gave it ------------------------------------------------------------------


@dataclass
class Cut:
    group: str
    responses: int = 0
    rated: int = 0
    rating_sum: int = 0

    @property
    def mean_rating(self) -> float | None:
        if self.rated < MIN_GROUP:
            return None
        return self.rating_sum / self.rated


def feedback_cuts(db: sqlite_utils.Database) -> dict[str, list[Cut]]:
    """Each phone's latest feedback per session, cut by the choice rank the person got for that
    session, their school and their role. A phone counts for a person only if it opened their
    personal link (or, from older days, the form carried their badge); the rest are 'anonymous'."""
    rows = db.execute(
        f"""SELECT f.session_id, f.rating, {form_person("f")} FROM ({LATEST_FEEDBACK}) f"""
    ).fetchall()
    people = {
        pid: (school, role)
        for pid, school, role in db.execute("SELECT id, school, role FROM attendees")
    }
    ranks = {
        (a, s): r for a, s, r in db.execute("SELECT attendee_id, session_id, rank FROM preferences")
    }
    plenaries = {
        sid
        for (sid,) in db.execute(
            "SELECT s.id FROM sessions s JOIN slots t ON t.id = s.slot_id WHERE t.kind = 'plenary'"
        )
    }
    cuts: dict[str, dict[str, Cut]] = {"rank": {}, "school": {}, "role": {}}
    for sid, rating, pid in rows:
        if pid is None:
            keys = {"rank": "anonymous", "school": "anonymous", "role": "anonymous"}
        else:
            school, role = people[pid]
            keys = {
                "rank": PLENARY if sid in plenaries else _rank_label(ranks.get((pid, sid))),
                "school": _school(school),
                "role": role.strip() or "(no role given)",
            }
        for cut, key in keys.items():
            group = cuts[cut].setdefault(key, Cut(key))
            group.responses += 1
            if rating is not None:
                group.rated += 1
                group.rating_sum += rating
    order = {label: i for i, label in enumerate((*RANKS, PLENARY))}
    return {
        "rank": sorted(cuts["rank"].values(), key=lambda c: order.get(c.group, len(order))),
        "school": sorted(cuts["school"].values(), key=lambda c: (c.group == "anonymous", c.group)),
        "role": sorted(cuts["role"].values(), key=lambda c: (c.group == "anonymous", c.group)),
    }


# -- CPD records ----------------------------------------------------------------------------------


@dataclass
class CpdExtras:
    person: Person
    commitments: list[tuple[Commitment, list[tuple[str, Answer]]]] = field(default_factory=list)
    led: list[Led] = field(default_factory=list)


def cpd_extras(db: sqlite_utils.Database, tz: ZoneInfo) -> dict[int, CpdExtras]:
    """Per person: their named commitments with follow-up answers, and the sessions they led."""
    out: dict[int, CpdExtras] = {}
    answers = _answers_by_commitment(db)
    for row in db.execute(
        f"""SELECT {PERSON_COLUMNS}, {COMMITMENT_COLUMNS}
        FROM ({LATEST_COMMITMENT}) c JOIN attendees a ON a.id = c.attendee_id
        JOIN sessions s ON s.id = c.session_id JOIN slots t ON t.id = s.slot_id
        ORDER BY t.starts_at"""
    ).fetchall():
        person, commitment = Person(*row[:7]), Commitment(*row[7:])
        extras = out.setdefault(person.id, CpdExtras(person))
        extras.commitments.append((commitment, answers.get(commitment.id, [])))
    for row in db.execute(
        f"""SELECT {PERSON_COLUMNS}, s.code, s.title, r.name, t.starts_at, t.ends_at
        FROM session_leads sl JOIN attendees a ON a.id = sl.attendee_id
        JOIN sessions s ON s.id = sl.session_id JOIN rooms r ON r.id = s.room_id
        JOIN slots t ON t.id = s.slot_id ORDER BY t.starts_at"""
    ).fetchall():
        person = Person(*row[:7])
        code, title, room, starts, ends = row[7:]
        extras = out.setdefault(person.id, CpdExtras(person))
        extras.led.append(
            Led(code, title, room, parse_iso(starts).astimezone(tz), parse_iso(ends).astimezone(tz))
        )
    return out


@dataclass
class Impact:
    """Everything the report's "from the day to practice" part shows."""

    rows: list[Evidence]
    groups: list[Evidence]  # per audience, then the whole day
    cost: Cost
    cuts: dict[str, list[Cut]]
    rounds: list[str]


def build_impact(
    db: sqlite_utils.Database,
    costs: Iterable[tuple[str, float]] = (),
    hourly_cost: float | None = None,
) -> Impact:
    """The evidence chain, the day's cost and the feedback cuts, read in one snapshot."""
    db.execute("BEGIN")
    try:
        rows = evidence(db)
        return Impact(
            rows,
            by_audience(rows),
            cost(db, costs, hourly_cost),
            feedback_cuts(db),
            [r.label for r in rounds(db)],
        )
    finally:
        db.execute("COMMIT")


def add_followups(
    db: sqlite_utils.Database, records: list[CpdRecord], tz: ZoneInfo
) -> list[CpdRecord]:
    """CPD records (bigconv.data.cpd) with each person's named commitments, follow-up answers
    and sessions led; a lead or a committer not marked present at any session gets a record too."""
    extras = cpd_extras(db, tz)
    by_id = {r.attendee_id: r for r in records}
    for pid, extra in extras.items():
        record = by_id.get(pid)
        if record is None:
            p = extra.person
            record = CpdRecord(pid, p.badge, p.first_name, p.last_name, p.email, p.school, p.role)
            by_id[pid] = record
            records.append(record)
        record.commitments = extra.commitments
        record.led = extra.led
    records.sort(key=lambda r: (r.last_name.casefold(), r.first_name.casefold(), r.attendee_id))
    return records
