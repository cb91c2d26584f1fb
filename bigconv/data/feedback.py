"""Feedback from phones: every submission kept, aggregate summaries (a reaction is recorded in
reactions.py, beside every reaction figure)."""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass, field
from typing import Any

import sqlite_utils

from bigconv.core.clock import iso
from bigconv.core.ratings import mean_rating
from bigconv.core.text import clean_field
from bigconv.data.database import immediate
from bigconv.data.log import PHONE_STATION, log
from bigconv.data.meta import get_meta, set_meta
from bigconv.data.reactions import reaction_kinds, session_totals
from bigconv.data.timetable import SessionRow, sessions

NEXT_STEP_MAX = 300
COMMENT_MAX = 1000


@dataclass(frozen=True)
class SessionRef:
    """Just enough of a session to record against it."""

    id: int
    code: str
    title: str


@dataclass(frozen=True)
class Summary:
    """Aggregate counts for one session: nothing that identifies anyone."""

    reactions: dict[str, int]  # phones that sent each kind (each phone once)
    responses: int  # devices whose latest feedback counts
    submissions: int  # every feedback submission, including replaced ones
    ratings: dict[int, int] = field(default_factory=dict)
    average: float | None = None

    def as_dict(self) -> dict[str, Any]:
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
    """Keep one feedback submission (a later one from the same device replaces it in summaries).
    The text is stored as the text rule cleans it (the phone site has already: a no-op then)."""
    when = iso(at)
    next_step, comment = clean_field(next_step), clean_field(comment)
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
        secret = get_meta(db, "device_secret")
        if secret is None:
            secret = secrets.token_hex(32)
            set_meta(db, "device_secret", secret)
    return secret


# Each device's latest submission per session (ties on time: the later row): what summaries,
# the dashboard and the report count. Every submission stays in `feedback`.
LATEST_FEEDBACK = """
SELECT f.* FROM feedback f
WHERE f.id = (
    SELECT g.id FROM feedback g WHERE g.session_id = f.session_id AND g.device = f.device
    ORDER BY g.at DESC, g.id DESC LIMIT 1)
"""


def form_person(form: str) -> str:
    """SQL for the person a feedback form (the row aliased `form`) counts for: the one whose
    personal link its phone opened (the first), else, from older days, the one whose badge
    it carried; NULL for an anonymous form. The one rule: the report's schools and its cuts."""
    return f"""coalesce(
        (SELECT l.attendee_id FROM link_devices d JOIN personal_links l ON l.id = d.link_id
         WHERE d.device = {form}.device ORDER BY d.at LIMIT 1),
        (SELECT a.id FROM attendees a WHERE {form}.badge IS NOT NULL
         AND upper(trim({form}.badge)) = upper(a.badge)))"""


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
