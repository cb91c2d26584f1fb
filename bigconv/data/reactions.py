"""A phone's reaction, recorded (`record_reaction`, with its cooldown), and every reaction
figure, each read by one function here: the event's kinds, phones per kind
(in total, per session), the last ten minutes, the per-minute series and each tap for the
report's timeline. A phone counts once per kind, however often it tapped.

Totals and minutes come from `reaction_totals` and `reaction_minutes` (kept by triggers,
schema step 11), so a screen's refresh costs the same at the day's last reaction as at its
first; the last ten minutes come from the `reactions_at` index alone."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

import sqlite_utils

from bigconv.core.clock import iso, parse_iso, utcnow
from bigconv.core.text import is_clean
from bigconv.data.database import immediate
from bigconv.data.log import PHONE_STATION, log

WINDOW = dt.timedelta(minutes=10)  # what "recent" means on the dashboard
# One tap per device, session and kind in this window: enough to stop a stuck finger or a
# script, short enough that a person reacting again a minute later is counted.
COOLDOWN = dt.timedelta(seconds=10)


class UnknownKind(ValueError):
    """The reaction is not one of the event's kinds."""


@dataclass(frozen=True)
class ReactionResult:
    """`counted` True if stored; otherwise `retry_after` seconds until this kind counts again."""

    counted: bool
    kind: str
    at: str
    retry_after: float = 0.0


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
    if not is_clean(kind):
        raise UnknownKind(kind)  # no kind holds a control character (nor can SQLite store one)
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


@dataclass(frozen=True)
class ReactionKind:
    key: str
    emoji: str
    label: str
    negative: bool


def reaction_kinds(db: sqlite_utils.Database) -> list[ReactionKind]:
    """The event's reactions, in the order the event file lists them."""
    rows = db.execute(
        "SELECT key, emoji, label, negative FROM reaction_kinds ORDER BY position, key"
    ).fetchall()
    return [ReactionKind(k, e, label, bool(n)) for k, e, label, n in rows]


def totals(db: sqlite_utils.Database, session_id: int | None = None) -> dict[int, dict[str, int]]:
    """Phones that sent each kind (each phone once), per session: every session that has a
    reaction, or only `session_id`. Kinds no phone sent are left out."""
    where, params = "devices > 0", []
    if session_id is not None:
        where, params = "session_id = ? AND devices > 0", [session_id]
    out: dict[int, dict[str, int]] = {}
    for sid, kind, n in db.execute(
        f"SELECT session_id, kind, devices FROM reaction_totals WHERE {where}"
        " ORDER BY session_id, kind",
        params,
    ):
        out.setdefault(sid, {})[kind] = n
    return out


def session_totals(db: sqlite_utils.Database, session_id: int) -> dict[str, int]:
    """Phones that sent each kind to one session (kinds none sent left out)."""
    return totals(db, session_id).get(session_id, {})


@dataclass(frozen=True)
class ReactionCount:
    key: str
    emoji: str
    label: str
    count: int


def reaction_counts(db: sqlite_utils.Database, session_id: int) -> list[ReactionCount]:
    """Phones that sent each reaction to a session (each once), by kind in the event's order
    (zero counts included); a kind no longer in the event after them."""
    sent = session_totals(db, session_id)
    counts = [
        ReactionCount(k.key, k.emoji, k.label, sent.get(k.key, 0)) for k in reaction_kinds(db)
    ]
    known = {c.key for c in counts}
    return counts + [ReactionCount(k, "", k, n) for k, n in sent.items() if k not in known]


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

    The cost follows the number of sessions and of recent reactions, not the day's total."""
    out: dict[int, ReactionStats] = {}
    for session_id, kinds in totals(db).items():
        stats = out.setdefault(session_id, ReactionStats())
        for kind, total in kinds.items():
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
    where = "minute >= ? AND minute <= ?"
    params: list[str | int] = [keys[0], keys[-1]]
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


def taps(db: sqlite_utils.Database, tz: ZoneInfo) -> dict[int, list[tuple[dt.datetime, str, str]]]:
    """Every reaction per session as (local time, kind, phone), oldest first: the report's
    timeline, which counts a phone once per kind in each of its buckets."""
    out: dict[int, list[tuple[dt.datetime, str, str]]] = {}
    for sid, kind, device, at in db.execute(
        "SELECT session_id, kind, device, at FROM reactions ORDER BY at"
    ):
        out.setdefault(sid, []).append((parse_iso(at).astimezone(tz), kind, device))
    return out
