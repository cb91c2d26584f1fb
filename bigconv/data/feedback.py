"""Reactions and feedback from phones: cooldowns, every submission kept, aggregate summaries."""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass, field

import sqlite_utils

from bigconv.core.clock import iso, parse_iso, utcnow
from bigconv.core.ratings import mean_rating
from bigconv.data.database import immediate
from bigconv.data.log import log
from bigconv.data.meta import get_meta, set_meta
from bigconv.data.reactions import reaction_kinds, session_totals
from bigconv.data.timetable import SessionRow, sessions

# One tap per device, session and kind in this window: enough to stop a stuck finger or a
# script, short enough that a person reacting again a minute later is counted.
COOLDOWN = dt.timedelta(seconds=10)
PHONE_STATION = "phone"
NEXT_STEP_MAX = 300
COMMENT_MAX = 1000


class UnknownKind(ValueError):
    """The reaction is not one of the event's kinds."""


@dataclass(frozen=True)
class SessionRef:
    """Just enough of a session to record against it."""

    id: int
    code: str
    title: str


@dataclass(frozen=True)
class ReactionResult:
    """`counted` True if stored; otherwise `retry_after` seconds until this kind counts again."""

    counted: bool
    kind: str
    at: str
    retry_after: float = 0.0


@dataclass(frozen=True)
class Summary:
    """Aggregate counts for one session: nothing that identifies anyone."""

    reactions: dict[str, int]  # phones that sent each kind (each phone once)
    responses: int  # devices whose latest feedback counts
    submissions: int  # every feedback submission, including replaced ones
    ratings: dict[int, int] = field(default_factory=dict)
    average: float | None = None

    def as_dict(self) -> dict:
        return {
            "reactions": self.reactions,
            "feedback": {
                "responses": self.responses,
                "submissions": self.submissions,
                "ratings": {str(k): v for k, v in self.ratings.items()},
                "average_rating": self.average,
            },
        }


def find_session(db: sqlite_utils.Database, code: str) -> SessionRef | None:
    """The session with this code (already normalised), by its unique index."""
    row = db.execute("SELECT id, code, title FROM sessions WHERE code = ?", [code]).fetchone()
    return SessionRef(*row) if row else None


def record_reaction(
    db: sqlite_utils.Database,
    session_id: int,
    kind: str,
    device: str,
    *,
    at: dt.datetime | None = None,
    cooldown: dt.timedelta = COOLDOWN,
) -> ReactionResult:
    """Store one reaction unless this device sent the same kind to this session too recently.

    Raises UnknownKind (writing nothing) if `kind` is not one of the event's reactions.
    """
    moment = at or utcnow()
    when = iso(moment)
    with immediate(db):
        row = db.execute(
            "SELECT max(at) FROM reactions WHERE session_id = ? AND device = ? AND kind = ?",
            [session_id, device, kind],
        ).fetchone()
        if row[0] is not None:
            wait = parse_iso(row[0]) + cooldown - moment
            if wait > dt.timedelta(0):
                return ReactionResult(False, kind, row[0], wait.total_seconds())
        # Checking the kind inside the insert saves a query on the busiest path of the site.
        cursor = db.execute(
            "INSERT INTO reactions (session_id, kind, at, device)"
            " SELECT ?, key, ?, ? FROM reaction_kinds WHERE key = ?",
            [session_id, when, device, kind],
        )
        if cursor.rowcount != 1:
            raise UnknownKind(kind)
        log(db, "reaction", station=PHONE_STATION, at=when, session_id=session_id, detail=kind)
    return ReactionResult(True, kind, when)


def record_feedback(
    db: sqlite_utils.Database,
    session_id: int,
    device: str,
    *,
    rating: int | None,
    next_step: str = "",
    comment: str = "",
    badge: str | None = None,
    at: dt.datetime | None = None,
) -> str:
    """Keep one feedback submission (a later one from the same device replaces it in summaries)."""
    when = iso(at)
    with immediate(db):
        attendee_id = None
        if badge:
            row = db.execute("SELECT id FROM attendees WHERE badge = ?", [badge]).fetchone()
            attendee_id = row[0] if row else None
        db.execute(
            "INSERT INTO feedback (session_id, rating, next_step, comment, at, device, badge)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            [session_id, rating, next_step, comment, when, device, badge],
        )
        log(
            db,
            "feedback",
            station=PHONE_STATION,
            at=when,
            session_id=session_id,
            attendee_id=attendee_id,
        )
    return when


def device_secret(db: sqlite_utils.Database) -> str:
    """The secret the phone site signs device tokens with (made once; never exported)."""
    if (secret := get_meta(db, "device_secret")) is not None:
        return secret
    with immediate(db):
        if get_meta(db, "device_secret") is None:
            set_meta(db, "device_secret", secrets.token_hex(32))
    return get_meta(db, "device_secret")


# Each device's latest submission per session (ties on time: the later row): what summaries,
# the dashboard and the report count. Every submission stays in `feedback`.
LATEST_FEEDBACK = """
SELECT f.* FROM feedback f
WHERE f.id = (
    SELECT g.id FROM feedback g WHERE g.session_id = f.session_id AND g.device = f.device
    ORDER BY g.at DESC, g.id DESC LIMIT 1)
"""


def summary(db: sqlite_utils.Database, session_id: int) -> Summary:
    """Phones per reaction kind (each once, however often it tapped) and ratings of each
    device's latest feedback."""
    reactions = {k.key: 0 for k in reaction_kinds(db)}
    reactions.update(session_totals(db, session_id))
    latest = (
        f"SELECT rating, count(*) FROM ({LATEST_FEEDBACK}) WHERE session_id = :sid GROUP BY rating"
    )
    ratings = {r: 0 for r in range(1, 6)}
    responses = 0
    for rating, n in db.execute(latest, {"sid": session_id}):
        responses += n
        if rating is not None:
            ratings[rating] = n
    mean = mean_rating([ratings[r] for r in range(1, 6)])
    average = round(mean, 2) if mean is not None else None
    (submissions,) = db.execute(
        "SELECT count(*) FROM feedback WHERE session_id = ?", [session_id]
    ).fetchone()
    return Summary(reactions, responses, submissions, ratings, average)


def sessions_now(
    db: sqlite_utils.Database, at: dt.datetime, *, margin: dt.timedelta = dt.timedelta(minutes=15)
) -> list[SessionRow]:
    """Sessions running at `at` (with a margin either side, for late feedback and early arrivals)."""
    return sessions(db, "t.starts_at <= ? AND t.ends_at > ?", [iso(at + margin), iso(at - margin)])
