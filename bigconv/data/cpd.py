"""Each attendee's CPD record: the sessions they were present at, and the next step they wrote.

A next step is linked to a person only when they typed their badge code on the feedback form
(`feedback.badge`, optional); otherwise feedback stays anonymous and is not on the record.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

import sqlite_utils

from bigconv.core.clock import parse_iso
from bigconv.data.followup import Answer, Commitment


@dataclass(frozen=True)
class Attended:
    code: str
    title: str
    leads: str
    room: str
    slot: str
    start: dt.datetime  # in the event's time zone
    end: dt.datetime
    present_at: dt.datetime
    next_step: str

    @property
    def minutes(self) -> int:
        return int((self.end - self.start).total_seconds() // 60)


@dataclass(frozen=True)
class Led:
    code: str
    title: str
    room: str
    start: dt.datetime  # in the event's time zone
    end: dt.datetime

    @property
    def minutes(self) -> int:
        return int((self.end - self.start).total_seconds() // 60)


@dataclass
class CpdRecord:
    attendee_id: int
    badge: str
    first_name: str
    last_name: str
    email: str
    school: str
    role: str
    sessions: list[Attended] = field(default_factory=list)
    # Filled by bigconv.data.impact.add_followups: named commitments with follow-up answers,
    # and the sessions this person led (leading colleagues' CPD is recorded CPD too).
    commitments: list[tuple[Commitment, list[tuple[str, Answer]]]] = field(default_factory=list)
    led: list[Led] = field(default_factory=list)

    @property
    def name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    @property
    def minutes(self) -> int:
        return sum(s.minutes for s in self.sessions)


CPD_SQL = """
SELECT a.id, a.badge, a.first_name, a.last_name, a.email, a.school, a.role,
       s.code, s.title, s.leads, r.name, t.label, t.starts_at, t.ends_at, p.at,
       coalesce((SELECT f.next_step FROM feedback f
                 WHERE f.session_id = s.id AND f.badge IS NOT NULL
                   AND upper(trim(f.badge)) = upper(a.badge) AND trim(f.next_step) != ''
                 ORDER BY f.at DESC, f.id DESC LIMIT 1), '')
FROM attendance p
JOIN attendees a ON a.id = p.attendee_id
JOIN sessions s ON s.id = p.session_id
JOIN rooms r ON r.id = s.room_id
JOIN slots t ON t.id = s.slot_id
-- One place per person per slot: should a file hold two current marks in one slot (written
-- before that was enforced), only the later counts, so no time is counted twice.
WHERE NOT EXISTS (SELECT 1 FROM attendance q JOIN sessions s2 ON s2.id = q.session_id
                  WHERE q.attendee_id = p.attendee_id AND s2.slot_id = s.slot_id
                    AND (q.at > p.at OR (q.at = p.at AND q.session_id > p.session_id)))
ORDER BY a.last_name COLLATE NOCASE, a.first_name COLLATE NOCASE, a.id, t.starts_at
"""


def records(db: sqlite_utils.Database, tz: ZoneInfo) -> list[CpdRecord]:
    """One record per person present at one session or more, sessions in time order."""
    out: dict[int, CpdRecord] = {}
    for row in db.execute(CPD_SQL):
        person, session = row[:7], row[7:]
        record = out.get(person[0]) or out.setdefault(person[0], CpdRecord(*person))
        code, title, leads, room, slot, starts, ends, present, next_step = session
        record.sessions.append(
            Attended(
                code,
                title,
                leads,
                room,
                slot,
                parse_iso(starts).astimezone(tz),
                parse_iso(ends).astimezone(tz),
                parse_iso(present).astimezone(tz),
                next_step.strip(),
            )
        )
    return list(out.values())
