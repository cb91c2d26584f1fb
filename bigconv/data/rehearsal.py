"""A rehearsal's own file and clock, and undoing what a rehearsal left in the day's file.

A rehearsal (`run --at`, `serve --at`) runs on `DAY.rehearsal.db`, a copy of the day's file
made through SQLite's backup (`backup.copy_live`: one snapshot, writers never blocked, a file
id of its own), marked in its `meta` as a copy (`copy_info`). It is a database like any other
for the file rules (bigconv/data/fileguard.py): holders, restore marker and checkpointer lock
of its own, beside it. Every process of one rehearsal keeps one clock: the first records it
in the copy (`record_clock`), the others read it (`recorded_clock`).

Rehearsals made before there were copies wrote into the day's file: `standing_records` finds
the check-ins and attendance marks stamped in a window of the event day, and `undo_records`
stamps them undone (never deleted) and logs each.
"""

from __future__ import annotations

import json
import os
import sqlite3
from dataclasses import dataclass
from pathlib import Path

import sqlite_utils

from bigconv.core.errors import StoreError
from bigconv.data import backup, fileguard
from bigconv.data.copies import partials
from bigconv.data.database import immediate
from bigconv.data.log import log
from bigconv.data.meta import get_meta, meta_record, set_meta, set_meta_record

SUFFIX = ".rehearsal"
COPY_OF = "rehearsal_copy_of"  # meta keys of a rehearsal's copy
CLOCK = "rehearsal_clock"
UNDONE_BY = "rehearsal-reset"  # what `undone_by` says of a record a reset undid


def copy_path(db_path: Path) -> Path:
    """Where the rehearsal of `day.db` runs: `day.rehearsal.db` beside it."""
    db_path = Path(db_path)
    return db_path.with_name(f"{db_path.stem}{SUFFIX}{db_path.suffix or '.db'}")


@dataclass(frozen=True)
class CopyInfo:
    """What a rehearsal's copy says of itself: the file it was copied from, when (UTC ISO),
    and the newest log row that file had then (its later changes are not in the copy)."""

    source: str
    made_at: str
    log_id: int


def copy_info(db: sqlite_utils.Database) -> CopyInfo | None:
    """The copy's own record, or None: this is not a rehearsal's copy (a day's file)."""
    value = get_meta(db, COPY_OF)
    try:
        data = json.loads(value) if value else None
        return (
            CopyInfo(str(data["source"]), str(data["made_at"]), int(data["log_id"]))
            if data
            else None
        )
    except (ValueError, KeyError, TypeError):
        return None


def newest_log_id(db: sqlite_utils.Database) -> int:
    """The id of the newest log row (0 if none): what a copy records, and compares with."""
    return int(db.execute("SELECT COALESCE(MAX(id), 0) FROM log").fetchone()[0])


def make_copy(source: Path, target: Path, *, made_at: str) -> Path | None:
    """Copy the day's file `source` (stations may be writing to it) to `target`, marked as a
    rehearsal's copy. A file already at `target` is moved aside, never deleted: returns where
    (None if there was none). StoreError, nothing changed, while a restore runs on either file
    or a live process still holds `target`."""
    source, target = Path(source), Path(target)
    for path in (source, target):
        if fileguard.restore_marker(path) is not None:
            raise StoreError(f"{path}: a restore is running on it; rehearse once it has finished")
    busy = [h for h in fileguard.holders(target) if h.alive]
    if busy:
        raise StoreError(
            f"{target}: {fileguard.names(busy)} still rehearse on it: close them (ctrl+q) first"
        )
    partial = target.with_name(target.name + ".partial")
    try:
        backup.copy_live(source, partial)
        _mark_copy(partial, source, made_at)
        there = any(os.path.lexists(f"{target}{s}") for s in ("", *fileguard.SIDECARS))
        moved = backup.move_aside(target, "previous-rehearsal") if there else None
        os.replace(partial, target)
    except (sqlite3.Error, OSError) as exc:
        for leftover in partials(partial):
            leftover.unlink(missing_ok=True)
        from bigconv.data.database import describe

        raise StoreError(f"{target}: the rehearsal's copy was not made: {describe(exc)}") from None
    fileguard.forget_dead(target)
    return moved


def _mark_copy(path: Path, source: Path, made_at: str) -> None:
    """Write the copy's own record into the copy (a single file nobody holds yet)."""
    conn = sqlite3.connect(str(path))
    try:
        db = sqlite_utils.Database(conn)
        record = {"source": str(source.resolve()), "made_at": made_at, "log_id": newest_log_id(db)}
        set_meta(db, COPY_OF, json.dumps(record))
        conn.execute("DELETE FROM meta WHERE key = ?", [CLOCK])  # the day's file had none
        conn.commit()
    finally:
        conn.close()


# -- one clock for a rehearsal -----------------------------------------------------------------


@dataclass(frozen=True)
class RecordedClock:
    """A rehearsal's clock as its first process set it: the offset from the real UTC clock (in
    seconds), the --at it was asked for, and when (real UTC ISO)."""

    offset: float
    asked: str
    set_at: str


def record_clock(db: sqlite_utils.Database, offset: float, *, asked: str, set_at: str) -> None:
    """Record the clock every process of this rehearsal keeps."""
    with immediate(db):
        set_meta_record(db, CLOCK, {"offset": offset, "asked": asked, "set_at": set_at})


def recorded_clock(db: sqlite_utils.Database) -> RecordedClock | None:
    """The rehearsal's clock recorded in this file, if any."""
    data = meta_record(db, CLOCK)
    if data is None:
        return None
    try:
        return RecordedClock(float(data["offset"]), str(data["asked"]), str(data["set_at"]))
    except (KeyError, TypeError, ValueError):  # not a clock
        return None


# -- undoing what a rehearsal recorded in the day's file --------------------------------------


@dataclass(frozen=True)
class StandingRecord:
    """A check-in or an attendance mark that stands (not undone)."""

    kind: str  # "check-in" or "attendance"
    id: int
    attendee_id: int
    name: str
    at: str
    station: str
    session: str  # "CODE Title (Room)" for a mark, "" for a check-in


_STANDING = """
SELECT 'check-in', c.id, c.attendee_id, trim(a.first_name || ' ' || a.last_name), c.at,
       c.station, ''
FROM checkin_records c JOIN attendees a ON a.id = c.attendee_id
WHERE c.undone_at IS NULL AND c.at >= :start AND c.at < :end
UNION ALL
SELECT 'attendance', p.id, p.attendee_id, trim(a.first_name || ' ' || a.last_name), p.at,
       p.station, s.code || ' ' || s.title || ' (' || r.name || ')'
FROM attendance_records p JOIN attendees a ON a.id = p.attendee_id
JOIN sessions s ON s.id = p.session_id JOIN rooms r ON r.id = s.room_id
WHERE p.undone_at IS NULL AND p.at >= :start AND p.at < :end
ORDER BY 5, 1, 2
"""


def standing_records(
    db: sqlite_utils.Database, start: str, end: str, stations: tuple[str, ...] = ()
) -> list[StandingRecord]:
    """The check-ins and marks that stand, stamped from `start` up to `end` (UTC ISO), made
    by one of `stations` if any are given (compared as typed, ignoring case)."""
    rows = db.execute(_STANDING, {"start": start, "end": end}).fetchall()
    found = [StandingRecord(*row) for row in rows]
    if stations:
        wanted = {s.casefold() for s in stations}
        found = [r for r in found if r.station.casefold() in wanted]
    return found


def left_alone(db: sqlite_utils.Database, start: str, end: str) -> dict[str, int]:
    """What else is stamped in the window and a reset leaves as it is (there is no undoing
    it): walk-ins registered, reactions, feedback forms. Only the kinds found."""
    counts = {
        "walk-ins registered": "SELECT COUNT(*) FROM attendees WHERE source = 'walk-in'"
        " AND created_at >= :start AND created_at < :end",
        "reactions": "SELECT COUNT(*) FROM reactions WHERE at >= :start AND at < :end",
        "feedback forms": "SELECT COUNT(*) FROM feedback WHERE at >= :start AND at < :end",
    }
    window = {"start": start, "end": end}
    found = {what: int(db.execute(sql, window).fetchone()[0]) for what, sql in counts.items()}
    return {what: n for what, n in found.items() if n}


def undo_records(
    db: sqlite_utils.Database, records: list[StandingRecord], *, station: str, at: str
) -> int:
    """Stamp each record undone (by UNDONE_BY, at `at`) and log it, in one transaction; a
    record undone meanwhile is left as it is. Returns how many were undone."""
    statements = {
        "check-in": "UPDATE checkin_records SET undone_at = ?, undone_by = ?"
        " WHERE id = ? AND undone_at IS NULL",
        "attendance": "UPDATE attendance_records SET undone_at = ?, undone_by = ?"
        " WHERE id = ? AND undone_at IS NULL",
    }
    done = 0
    with immediate(db):
        for record in records:
            changed = db.execute(statements[record.kind], [at, UNDONE_BY, record.id]).rowcount
            if not changed:
                continue
            done += 1
            detail = {"record": record.kind, "id": record.id, "stamped": record.at}
            detail["made_by"] = record.station
            if record.session:
                detail["session"] = record.session
            log(
                db,
                "rehearsal_undone",
                station=station,
                at=at,
                attendee_id=record.attendee_id,
                detail=detail,
            )
    return done
