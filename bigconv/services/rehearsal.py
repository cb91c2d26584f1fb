"""Rehearsing the day without touching it: which file a rehearsal runs on, and its one clock.

`bigconv run --at HH:MM` and `serve --at HH:MM` rehearse on `DAY.rehearsal.db`, a copy of the
day's file (bigconv/data/rehearsal.py), unless the person asks for the day's file itself
(`--on-the-real-file`). The copy is kept between rehearsals and made again on request
(`--fresh-rehearsal`). Every process of one rehearsal keeps one clock: the first to start sets
it and records it in the file; a station started while others run keeps theirs, whatever its
own `--at`; `serve` hands its clock to the stations it starts (`--clock-offset`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from bigconv.core.clock import OffsetClock, iso, parse_iso, utcnow
from bigconv.core.errors import StoreError
from bigconv.data import database, fileguard
from bigconv.data import rehearsal as files
from bigconv.services.setup import Day, event_time

LABEL = "REHEARSAL"
ON_THE_REAL_FILE = "REHEARSAL ON THE REAL FILE"
SAME_TIME = dt.timedelta(minutes=1)  # an --at this close to the running clock says nothing


@dataclass(frozen=True)
class Rehearsal:
    """Where and when a rehearsal runs, and what to tell the person about it."""

    db_path: Path
    clock: OffsetClock | None  # None: the real time (a copy opened with no clock running)
    label: str  # what every screen and page of it says: LABEL or ON_THE_REAL_FILE
    said: tuple[str, ...]


def prepare(
    day: Day,
    *,
    at: str | None,
    offset: float | None = None,
    on_real_file: bool = False,
    fresh: bool = False,
) -> Rehearsal | None:
    """The rehearsal `run`/`serve` were asked for, its copy made if needed; None: this is the
    day itself (no --at, no clock handed down, not a rehearsal's copy). `day.db_path` must
    exist. ValueError for an --at that is not HH:MM; StoreError if the copy cannot be made."""
    start = event_time(day.event, at) if at else None
    info = _copy_info(day.db_path)
    if start is None and offset is None and info is None:
        return None
    said: list[str] = []
    path = day.db_path
    if info is None and start is not None and not on_real_file:
        path = files.copy_path(day.db_path)
        said += _rehearsal_copy(day, day.db_path, path, fresh=fresh)
    elif info is not None and fresh:  # --db day.rehearsal.db --fresh-rehearsal
        said += _rehearsal_copy(day, Path(info.source), path, fresh=True)
    label = ON_THE_REAL_FILE if path == day.db_path and info is None else LABEL
    if label == ON_THE_REAL_FILE and start is not None:
        said.append(
            f"Rehearsing on the day's own file {path.name} (--on-the-real-file): what is done"
            " here stays in it; bigconv rehearsal-reset undoes its check-ins and marks."
        )
    if offset is not None:  # handed down by `serve`: its clock, whatever else was said
        return Rehearsal(path, OffsetClock(dt.timedelta(seconds=offset)), label, tuple(said))
    clock, line = _one_clock(day, path, start, at)
    return Rehearsal(path, clock, label, (*said, *([line] if line else [])))


def _copy_info(path: Path) -> files.CopyInfo | None:
    db = database.connect(path)
    try:
        return files.copy_info(db)
    finally:
        db.close()


def _newest_log_id(path: Path) -> int:
    db = database.connect(path)
    try:
        return files.newest_log_id(db)
    finally:
        db.close()


def _rehearsal_copy(day: Day, source: Path, target: Path, *, fresh: bool) -> list[str]:
    """Make (or keep) the rehearsal's copy of `source` at `target`; what to say about it."""
    if not source.is_file():
        raise StoreError(f"{source}: the day's file this rehearsal was copied from is not there")
    if target.exists() and not fresh:
        info = _copy_info(target)
        if info is None:
            raise StoreError(
                f"{target}: this file is not a rehearsal's copy of {source.name}: move it "
                "away, or rehearse on another copy with --db"
            )
        made = parse_iso(info.made_at).astimezone(day.event.tz)
        lines = [
            f"Rehearsing on {target.name}, the copy of {source.name} made {made:%d %b %H:%M}:"
            f" nothing done here reaches {source.name} (--fresh-rehearsal copies it again)."
        ]
        if (newer := _newest_log_id(source) - info.log_id) > 0:
            lines.append(
                f"{source.name} has {newer} logged changes since that copy was made:"
                " add --fresh-rehearsal to rehearse with them."
            )
        return lines
    moved = files.make_copy(source, target, made_at=iso())
    lines = [
        f"Rehearsing on {target.name}, a fresh copy of {source.name}:"
        f" nothing done here reaches {source.name}."
    ]
    if moved is not None:
        lines.append(f"The previous rehearsal's file is kept as {moved.name}.")
    return lines


def _one_clock(
    day: Day, path: Path, start: dt.datetime | None, at: str | None
) -> tuple[OffsetClock | None, str | None]:
    """The clock the processes already rehearsing on `path` keep, else a new one from
    `start`, recorded for the next (None, None: no --at and no rehearsal running)."""
    tz = day.event.tz
    db = database.connect(path)
    try:
        running = files.recorded_clock(db)
        others = [h for h in fileguard.holders(path) if h.alive]
        if running is not None and others:
            clock = OffsetClock(dt.timedelta(seconds=running.offset))
            line = (
                f"Rehearsal clock: {clock().astimezone(tz):%H:%M} on the event day, the one"
                f" {fileguard.names(others)} already keep{'s' if len(others) == 1 else ''}"
            )
            if start is not None and abs(start - clock()) > SAME_TIME:
                line += (
                    f"; --at {at} is not used (a rehearsal keeps one clock: close every"
                    " station of it to start another)"
                )
            return clock, line + "."
        if start is None or at is None:
            return None, None
        clock = OffsetClock(start - utcnow())
        files.record_clock(db, clock.offset.total_seconds(), asked=at, set_at=iso())
        return (
            clock,
            f"Rehearsal clock: {start:%H:%M} on the event day ({day.event.date:%d %b %Y}).",
        )
    finally:
        db.close()
