"""The allocation's database side: the problem read from the file (sessions, people, choices,
leads, who is present), the solver run over it (bigconv/core/allocation.py), and the result
written in one transaction."""

from __future__ import annotations

from collections import defaultdict

import sqlite_utils

from bigconv.core.allocation import (
    Allocation,
    Infeasible,
    Placement,
    Problem,
    SessionInfo,
    solve,
    summarise,
    workshop_key,
)
from bigconv.core.clock import iso
from bigconv.core.errors import AllocationError, AlreadyAllocated
from bigconv.core.text import clean_field
from bigconv.data.database import immediate
from bigconv.data.log import log


def load_problem(
    db: sqlite_utils.Database,
    audiences: dict[str, tuple[str, ...]],
    cancelled: frozenset[int] = frozenset(),
) -> Problem:
    """Read sessions, attendees, choices, leads and attendance for the workshop slots."""
    slots = db.execute(
        "SELECT id, label FROM slots WHERE kind = 'workshop' ORDER BY starts_at"
    ).fetchall()
    sessions = _load_sessions(db)
    unknown = sorted({s.audience for s in sessions.values()} - {"everyone", *audiences})
    if unknown:
        raise AllocationError(
            f"audience {unknown[0]!r} is used by a session but not defined under [audiences]"
        )
    admits = {name: {r.casefold() for r in roles} for name, roles in audiences.items()}
    cls, attendees = {}, []
    for aid, role in db.execute("SELECT id, role FROM attendees ORDER BY id").fetchall():
        attendees.append(aid)
        role = role.strip().casefold()
        cls[aid] = frozenset({"everyone", *(n for n, roles in admits.items() if role in roles)})
    fixed = _load_fixed(db, sessions, cancelled)
    prefs: dict[int, dict[str, int]] = defaultdict(dict)
    for aid, sid, rank in db.execute(
        "SELECT attendee_id, session_id, rank FROM preferences ORDER BY attendee_id, rank"
    ).fetchall():
        if sid in sessions:
            prefs[aid].setdefault(sessions[sid].workshop, rank)
    for (aid, _), (sid, source) in fixed.items():
        if source == "lead":  # leading a workshop is not a participant's choice of it
            prefs[aid].pop(sessions[sid].workshop, None)
    return Problem(slots, sessions, attendees, cls, dict(prefs), fixed, frozenset(cancelled))


def _load_sessions(db: sqlite_utils.Database) -> dict[int, SessionInfo]:
    rows = db.execute(
        """SELECT s.id, s.code, s.title, s.slot_id, r.name, coalesce(s.capacity, r.capacity),
                  s.audience, s.min_size
           FROM sessions s JOIN rooms r ON r.id = s.room_id JOIN slots t ON t.id = s.slot_id
           WHERE t.kind = 'workshop' ORDER BY t.starts_at, s.position, s.id"""
    ).fetchall()
    return {
        r[0]: SessionInfo(r[0], r[1], r[2], workshop_key(r[2]), r[3], r[4], r[5], r[6], r[7])
        for r in rows
    }


def _load_fixed(
    db: sqlite_utils.Database, sessions: dict[int, SessionInfo], cancelled: frozenset[int]
) -> dict[tuple[int, int], Placement]:
    """Leads in their own session, and people present in a session (latest mark wins)."""
    fixed: dict[tuple[int, int], Placement] = {}
    for sid, aid in db.execute(
        "SELECT session_id, attendee_id FROM session_leads ORDER BY session_id, attendee_id"
    ).fetchall():
        if sid not in sessions or sid in cancelled:
            continue
        key = (aid, sessions[sid].slot_id)
        if key in fixed:
            other = sessions[fixed[key][0]]
            name = db.execute(
                "SELECT first_name || ' ' || last_name FROM attendees WHERE id = ?", [aid]
            ).fetchone()[0]
            raise AllocationError(
                f"{name} leads both {other.title!r} ({other.code}) and "
                f"{sessions[sid].title!r} ({sessions[sid].code}) in the same slot"
            )
        fixed[key] = (sid, "lead")
    for sid, aid in db.execute(
        "SELECT session_id, attendee_id FROM attendance ORDER BY at, session_id"
    ).fetchall():
        if sid in sessions:
            fixed[(aid, sessions[sid].slot_id)] = (sid, "present")
    return fixed


def allocate(
    db: sqlite_utils.Database,
    audiences: dict[str, tuple[str, ...]],
    *,
    seed: int = 0,
    cancel_below: int | None = None,
) -> Allocation:
    """Solve; with `cancel_below`, drop sessions under that many participants and solve again."""
    problem = load_problem(db, audiences)
    result = solve(problem, seed)
    dropped: list[SessionInfo] = []
    while cancel_below:
        kept = {sid for sid, source in problem.fixed.values() if source == "present"}
        counts = result.participants()
        small = [
            s
            for s in problem.open_sessions_all()
            if counts.get(s.id, 0) < cancel_below and s.id not in kept
        ]
        if not small:
            break
        dropped.extend(small)
        problem = load_problem(db, audiences, problem.cancelled | {s.id for s in small})
        try:
            result = solve(problem, seed)
        except Infeasible as exc:
            codes = ", ".join(s.code for s in dropped)
            raise Infeasible(f"after cancelling {codes}, {exc}", exc.shortfalls) from None
    result.cancelled = dropped
    return result


def has_choices(db: sqlite_utils.Database) -> bool:
    """Whether anyone's ranked choices have been imported."""
    return db.execute("SELECT 1 FROM preferences LIMIT 1").fetchone() is not None


def previous_count(db: sqlite_utils.Database) -> int:
    """How many allocation rows exist now."""
    count: int = db.execute("SELECT count(*) FROM allocations").fetchone()[0]
    return count


def write(
    db: sqlite_utils.Database, result: Allocation, *, station: str, replace: bool = False
) -> int:
    """Store the allocation in one transaction; the rows it replaces are kept in allocations_replaced."""
    station = clean_field(station, one_line=True)  # typed by someone: the text rule
    now = iso()
    with immediate(db):
        before = previous_count(db)
        if before and not replace:
            raise AlreadyAllocated(f"an allocation already exists ({before} places)")
        db.execute(
            "INSERT INTO allocations_replaced"
            " (attendee_id, session_id, at, source, replaced_at, reason, station)"
            " SELECT attendee_id, session_id, at, source, ?, 'allocate --replace', ?"
            " FROM allocations",
            [now, station],
        )
        db.execute("DELETE FROM allocations")
        rows = sorted(
            (aid, sid, now, source) for (aid, _), (sid, source) in result.placements.items()
        )
        db.conn.executemany(
            "INSERT INTO allocations (attendee_id, session_id, at, source) VALUES (?, ?, ?, ?)",
            rows,
        )
        summary = summarise(result)
        log(
            db,
            "allocated",
            station=station,
            at=now,
            detail={
                "places": len(rows),
                "replaced": before,
                "seed": result.seed,
                # What was optimised, in order: people given a choice, then choices per rank.
                "covered": summary.profile.covered,
                "by_rank": {str(r): n for r, n in summary.profile.by_rank.items()},
                "none": summary.none,
                "cancelled": [s.code for s in result.cancelled],
            },
        )
    return len(rows)
