"""The CPD loop: commitments made on the day, personal links, follow-up rounds, answers and
barriers marked addressed.

A commitment is tied to a person only through a personal link they hold (a random token sent to
them; only its SHA-256 is stored). Each phone's latest commitment per session counts, like
feedback; every row is kept. A follow-up answer is kept too: the latest per round and commitment
is the one shown and counted.

Over 400 lines because links, rounds, answers and barriers share the token and privacy rules.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import sqlite_utils

from bigconv.core.clock import iso, parse_iso
from bigconv.core.text import clean_field
from bigconv.data.database import immediate, row_id
from bigconv.data.log import PHONE_STATION, log
from bigconv.data.search import Person
from bigconv.data.timetable import SessionRow, sessions

TOKEN_BYTES = 24  # 192 random bits: a link cannot be guessed or enumerated
TOKEN_RE = re.compile(r"[A-Za-z0-9_-]{32}")
TRY_MAX, WHEN_MAX, HELP_MAX, ANSWER_MAX = 300, 200, 300, 1000
TRIED = {"yes": "Yes", "partly": "Partly", "not_yet": "Not yet"}
DAY, FOLLOWUP = "day", "followup"


class FollowupError(ValueError):
    """A follow-up action that cannot be done as asked; the message says why."""


def new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("ascii", "replace")).hexdigest()


# -- commitments -----------------------------------------------------------------------------

# Each phone's latest commitment per session (ties on time: the later row). Every row is kept.
LATEST_COMMITMENT = """
SELECT c.* FROM commitments c
WHERE c.id = (
    SELECT d.id FROM commitments d WHERE d.session_id = c.session_id AND d.device = c.device
    ORDER BY d.at DESC, d.id DESC LIMIT 1)
"""


@dataclass(frozen=True)
class Commitment:
    id: int
    session_id: int
    code: str
    title: str
    try_text: str
    when_where: str
    help: str
    at: str

    def in_words(self) -> str:
        """One line for a mail merge: what, when and where, in the session's name."""
        text = self.try_text
        if self.when_where:
            text += f" ({self.when_where})"
        return f"{text}, from “{self.title}”"


def record_commitment(
    db: sqlite_utils.Database,
    session_id: int,
    device: str,
    *,
    try_text: str,
    when_where: str = "",
    help: str = "",
    attendee_id: int | None = None,
    at: dt.datetime | None = None,
) -> int:
    """Keep one commitment (the phone's later one for the same session replaces it in counts)."""
    when = iso(at)
    with immediate(db):
        cursor = db.execute(
            "INSERT INTO commitments (session_id, attendee_id, try_text, when_where, help, at,"
            " device) VALUES (?, ?, ?, ?, ?, ?, ?)",
            [
                session_id,
                attendee_id,
                clean_field(try_text),
                clean_field(when_where),
                clean_field(help),
                when,
                device,
            ],
        )
        log(
            db,
            "commitment",
            station=PHONE_STATION,
            at=when,
            session_id=session_id,
            attendee_id=attendee_id,
            detail={"named": attendee_id is not None},
        )
    return row_id(cursor.lastrowid, "commitments")


def commitments_of(db: sqlite_utils.Database, attendee_id: int) -> list[Commitment]:
    """A person's named commitments that count now, in the day's order."""
    rows = db.execute(
        f"""SELECT c.id, c.session_id, s.code, s.title, c.try_text, c.when_where, c.help, c.at
        FROM ({LATEST_COMMITMENT}) c JOIN sessions s ON s.id = c.session_id
        JOIN slots t ON t.id = s.slot_id
        WHERE c.attendee_id = ? ORDER BY t.starts_at, c.at""",
        [attendee_id],
    ).fetchall()
    return [Commitment(*row) for row in rows]


# -- personal links ---------------------------------------------------------------------------


PERSON_COLUMNS = "a.id, a.badge, a.first_name, a.last_name, a.email, a.school, a.role"


@dataclass(frozen=True)
class Link:
    """A personal link that is valid now."""

    id: int
    purpose: str
    round_id: int | None
    round_label: str
    expires_at: dt.datetime
    person: Person


@dataclass(frozen=True)
class Issued:
    """A link made for a person: the token exists only here (and in the CSV written from it)."""

    person: Person
    token: str
    commitments: list[Commitment] = field(default_factory=list)


def _issue(
    db: sqlite_utils.Database,
    person_id: int,
    purpose: str,
    round_id: int | None,
    at: str,
    expires: str,
) -> str:
    token = new_token()
    db.execute(
        "INSERT INTO personal_links (token_hash, attendee_id, purpose, round_id, created_at,"
        " expires_at) VALUES (?, ?, ?, ?, ?, ?)",
        [token_hash(token), person_id, purpose, round_id, at, expires],
    )
    return token


def _people(
    db: sqlite_utils.Database, where: str = "", params: Iterable[object] = ()
) -> list[Person]:
    sql = f"SELECT {PERSON_COLUMNS} FROM attendees a {where} ORDER BY a.school, a.last_name, a.id"
    return [Person(*row) for row in db.execute(sql, list(params)).fetchall()]


# Day links go by email (the mail merge): who has none gets none.
WITH_EMAIL, WITHOUT_EMAIL = "WHERE a.email != ''", "WHERE a.email = ''"

BeforeCommit = Callable[[list[Issued]], object]


def create_day_links(
    db: sqlite_utils.Database,
    *,
    expires: dt.datetime,
    station: str,
    at: dt.datetime | None = None,
    before_commit: BeforeCommit | None = None,
) -> list[Issued]:
    """A personal link for the day for everyone with an email address; earlier day links are
    revoked (kept, stamped). `before_commit(issued)` runs inside the transaction: if it raises,
    nothing is revoked or made (the caller writes the links out there, so that a file it
    cannot write never leaves the links already sent revoked and no new ones)."""
    when = iso(at)
    with immediate(db):
        db.execute(
            "UPDATE personal_links SET revoked_at = ? WHERE purpose = 'day' AND revoked_at IS NULL",
            [when],
        )
        issued = [
            Issued(p, _issue(db, p.id, DAY, None, when, iso(expires)))
            for p in _people(db, WITH_EMAIL)
        ]
        log(db, "day_links", station=station, at=when, detail={"links": len(issued)})
        if before_commit is not None:
            before_commit(issued)
    return issued


def without_email(db: sqlite_utils.Database) -> list[Person]:
    """The people `create_day_links` makes no link for: no email address to send it to."""
    return _people(db, WITHOUT_EMAIL)


@dataclass(frozen=True)
class Round:
    id: int
    label: str
    created_at: dt.datetime
    closes_at: dt.datetime


def rounds(db: sqlite_utils.Database) -> list[Round]:
    rows = db.execute(
        "SELECT id, label, created_at, closes_at FROM followup_rounds ORDER BY created_at, id"
    ).fetchall()
    return [Round(i, label, parse_iso(c), parse_iso(e)) for i, label, c, e in rows]


def find_round(db: sqlite_utils.Database, label: str) -> Round | None:
    wanted = round_label(label).casefold()
    return next((r for r in rounds(db) if r.label.casefold() == wanted), None)


def round_label(label: str) -> str:
    """A round's name as stored: one clean line (bigconv/core/text.py), trimmed."""
    return clean_field(label, one_line=True)


def create_round(
    db: sqlite_utils.Database,
    label: str,
    *,
    closes: dt.datetime,
    station: str,
    at: dt.datetime | None = None,
    before_commit: BeforeCommit | None = None,
) -> tuple[Round, list[Issued]]:
    """A follow-up round: one personal link for each person with a named commitment.
    `before_commit(issued)` runs inside the transaction: if it raises, no round is made."""
    label, station = round_label(label), clean_field(station, one_line=True)
    moment = at or dt.datetime.now(dt.UTC)
    if not label:
        raise FollowupError('the round needs a name, such as "4 weeks"')
    if closes <= moment:
        raise FollowupError("the round must close after it starts")
    when = iso(moment)
    with immediate(db):
        if find_round(db, label):
            raise FollowupError(f"a round named {label!r} already exists")
        cursor = db.execute(
            "INSERT INTO followup_rounds (label, created_at, closes_at, station) VALUES (?, ?, ?, ?)",
            [label, when, iso(closes), station],
        )
        round_id = row_id(cursor.lastrowid, "followup_rounds")
        issued = []
        named = "WHERE a.id IN (SELECT attendee_id FROM commitments WHERE attendee_id IS NOT NULL)"
        for person in _people(db, named):
            mine = commitments_of(db, person.id)
            if mine:
                token = _issue(db, person.id, FOLLOWUP, round_id, when, iso(closes))
                issued.append(Issued(person, token, mine))
        log(
            db,
            "followup_round",
            station=station,
            at=when,
            detail={"round": label, "links": len(issued)},
        )
        if before_commit is not None:
            before_commit(issued)
    return Round(round_id, label, moment, closes), issued


def resolve_link(db: sqlite_utils.Database, token: str, *, at: dt.datetime) -> Link | None:
    """The valid link for a token, or None (unknown, expired or revoked look the same)."""
    if not TOKEN_RE.fullmatch(token or ""):
        return None
    row = db.execute(
        f"""SELECT l.id, l.purpose, l.round_id, coalesce(r.label, ''), l.expires_at, {PERSON_COLUMNS}
        FROM personal_links l JOIN attendees a ON a.id = l.attendee_id
        LEFT JOIN followup_rounds r ON r.id = l.round_id
        WHERE l.token_hash = ? AND l.revoked_at IS NULL AND l.expires_at > ?""",
        [token_hash(token), iso(at)],
    ).fetchone()
    if row is None:
        return None
    return Link(row[0], row[1], row[2], row[3], parse_iso(row[4]), Person(*row[5:]))


def remembers_device(db: sqlite_utils.Database, link: Link, device: str) -> bool:
    """True if this phone has opened this day link before (so there is nothing to note)."""
    row = db.execute(
        "SELECT 1 FROM link_devices WHERE link_id = ? AND device = ?", [link.id, device]
    ).fetchone()
    return row is not None


def remember_device(db: sqlite_utils.Database, link: Link, device: str, at: dt.datetime) -> None:
    """Note that this phone opened this day link (so its ratings count in group figures)."""
    with immediate(db):
        db.execute(
            "INSERT OR IGNORE INTO link_devices (link_id, device, at) VALUES (?, ?, ?)",
            [link.id, device, iso(at)],
        )


# -- follow-up answers ------------------------------------------------------------------------


@dataclass(frozen=True)
class Answer:
    id: int
    round_id: int
    commitment_id: int
    tried: str
    happened: str
    obstacles: str
    support: str
    at: str

    @property
    def tried_words(self) -> str:
        return TRIED.get(self.tried, self.tried)


LATEST_ANSWER = """
SELECT f.* FROM followup_answers f
WHERE f.id = (
    SELECT g.id FROM followup_answers g
    WHERE g.round_id = f.round_id AND g.commitment_id = f.commitment_id
    ORDER BY g.at DESC, g.id DESC LIMIT 1)
"""
ANSWER_COLUMNS = (
    "f.id, f.round_id, f.commitment_id, f.tried, f.happened, f.obstacles, f.support, f.at"
)


def answers_in_round(
    db: sqlite_utils.Database, round_id: int, attendee_id: int
) -> dict[int, Answer]:
    """The person's current answer per commitment in one round."""
    rows = db.execute(
        f"""SELECT {ANSWER_COLUMNS} FROM ({LATEST_ANSWER}) f
        JOIN commitments c ON c.id = f.commitment_id
        WHERE f.round_id = ? AND c.attendee_id = ?""",
        [round_id, attendee_id],
    ).fetchall()
    return {row[2]: Answer(*row) for row in rows}


@dataclass(frozen=True)
class AnswerInput:
    commitment_id: int
    tried: str
    happened: str = ""
    obstacles: str = ""
    support: str = ""


def record_answers(
    db: sqlite_utils.Database, link: Link, answers: list[AnswerInput], *, at: dt.datetime
) -> str:
    """Keep a follow-up answer per commitment; only the link holder's own commitments."""
    if link.purpose != FOLLOWUP or link.round_id is None:
        raise FollowupError("this link is not for a follow-up")
    mine = {c.id for c in commitments_of(db, link.person.id)}
    when = iso(at)
    with immediate(db):
        for a in answers:
            if a.commitment_id not in mine:
                raise FollowupError("that commitment is not yours")
            if a.tried not in TRIED:
                raise FollowupError("choose yes, partly or not yet")
            db.execute(
                "INSERT INTO followup_answers (round_id, commitment_id, link_id, tried, happened,"
                " obstacles, support, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    link.round_id,
                    a.commitment_id,
                    link.id,
                    a.tried,
                    clean_field(a.happened),
                    clean_field(a.obstacles),
                    clean_field(a.support),
                    when,
                ],
            )
        log(
            db,
            "followup_answer",
            station=PHONE_STATION,
            at=when,
            attendee_id=link.person.id,
            detail={"round": link.round_label, "answers": len(answers)},
        )
    return when


def unanswered(db: sqlite_utils.Database, round_id: int) -> dict[str, list[Person]]:
    """Per school, the people sent a link in this round who have not answered yet."""
    people = _people(
        db,
        """WHERE a.id IN (SELECT l.attendee_id FROM personal_links l
                          WHERE l.round_id = ? AND l.revoked_at IS NULL)
           AND a.id NOT IN (SELECT c.attendee_id FROM followup_answers f
                            JOIN commitments c ON c.id = f.commitment_id
                            WHERE f.round_id = ? AND c.attendee_id IS NOT NULL)""",
        [round_id, round_id],
    )
    out: dict[str, list[Person]] = {}
    for p in people:
        out.setdefault(p.school or "(no school given)", []).append(p)
    return out


# -- barriers ---------------------------------------------------------------------------------


def mark_addressed(
    db: sqlite_utils.Database,
    answer_id: int,
    *,
    note: str = "",
    station: str,
    at: dt.datetime | None = None,
) -> str:
    """Record that a school addressed the barrier reported in an answer (logged)."""
    when, station = iso(at), clean_field(station, one_line=True)
    with immediate(db):
        row = db.execute(
            "SELECT c.attendee_id, c.session_id, f.obstacles FROM followup_answers f"
            " JOIN commitments c ON c.id = f.commitment_id WHERE f.id = ?",
            [answer_id],
        ).fetchone()
        if row is None:
            raise FollowupError(f"no follow-up answer number {answer_id}")
        if not row[2]:
            raise FollowupError(f"answer {answer_id} reports no barrier")
        db.execute(
            "INSERT INTO barriers_addressed (answer_id, at, station, note) VALUES (?, ?, ?, ?)",
            [answer_id, when, station, clean_field(note)],
        )
        log(
            db,
            "barrier_addressed",
            station=station,
            at=when,
            attendee_id=row[0],
            session_id=row[1],
            detail={"answer": answer_id, "note": clean_field(note)},
        )
    return when


def sessions_of(db: sqlite_utils.Database, attendee_id: int) -> list[SessionRow]:
    """The sessions a person is allocated to or was present at, in time order."""
    return sessions(
        db,
        "s.id IN (SELECT session_id FROM allocations WHERE attendee_id = ?"
        " UNION SELECT session_id FROM attendance WHERE attendee_id = ?)",
        [attendee_id, attendee_id],
    )
