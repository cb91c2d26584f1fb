"""Setting up a day: load the event file, create or update its database, allocate a new day.

The command line prints what these return; tests, benchmarks and scripts call them to set up a
day exactly as `bigconv init` and `bigconv run` do. Refusals are bigconv's own errors
(ConfigError, SyncRefused, ImportError_, StoreError): a front end words them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from bigconv.core.clock import OffsetClock, utcnow
from bigconv.core.event import Event, load_event
from bigconv.data import database

if TYPE_CHECKING:  # imported when used: every command, and each browser station, loads this
    from bigconv.data.attendees import ImportReport
    from bigconv.data.sync import SyncReport


@dataclass
class Day:
    """An event file, validated, and the database it goes with."""

    event: Event
    db_path: Path

    def connect(self) -> database.EventDatabase:
        """Open (or create) the database; StoreError if it cannot be opened."""
        return database.connect(self.db_path)


def load(event_file: Path | str, db_path: Path | None = None) -> Day:
    """Load and validate the event file (ConfigError lists every mistake); `db_path` overrides
    the database's place (default: beside the event file, named after it, ending .db)."""
    event = load_event(Path(event_file))
    return Day(event, db_path or event.database)


@dataclass
class Initialised:
    """What `initialise` did; `db` is left open for the caller (close it)."""

    db: database.EventDatabase
    changes: SyncReport
    imported: ImportReport | None
    passcode: str


def initialise(day: Day, *, station: str = "init") -> Initialised:
    """Create the database, or bring it in line with the event file, in one transaction, with
    the attendees CSV the event names; SyncRefused or ImportError_ change nothing."""
    from bigconv.data.attendees import import_csv
    from bigconv.data.passcode import staff_passcode
    from bigconv.data.sync import apply_event

    db = day.connect()
    try:
        with database.immediate(db):
            changes = apply_event(db, day.event, station=station)
            imported = None
            if day.event.attendees_csv:
                imported = import_csv(db, day.event.attendees_csv, station=station)
        # Made once, at the first init; `bigconv passcode` changes it.
        return Initialised(db, changes, imported, staff_passcode(db))
    except BaseException:
        db.close()
        raise


@dataclass(frozen=True)
class NewDayAllocation:
    """What `allocate_new_day` did: places written, or why it could not allocate."""

    written: int = 0
    refused: str | None = None


def allocate_new_day(day: Day, db: database.EventDatabase) -> NewDayAllocation | None:
    """A day created by `run` whose attendee list brings choices starts allocated, so rooms
    have real rosters at once (`bigconv allocate --replace` redoes it any time). None: nothing
    to do (no choices, or an allocation already exists: never replaced silently)."""
    from bigconv.core.errors import AllocationError
    from bigconv.data import allocation as al

    if not al.has_choices(db) or al.previous_count(db):
        return None
    try:
        written = al.write(db, al.allocate(db, day.event.audiences), station="run")
    except AllocationError as exc:
        return NewDayAllocation(refused=str(exc))
    return NewDayAllocation(written=written)


def event_time(event: Event, text: str) -> dt.datetime:
    """HH:MM on the event day, in the event's time zone (the one reading of every `--at`);
    ValueError if `text` is not such a time."""
    return dt.datetime.combine(event.date, dt.time.fromisoformat(text), event.tz)


def rehearsal_clock(event: Event, text: str) -> OffsetClock:
    """A clock that starts at HH:MM on the event day and then runs at normal speed;
    ValueError if `text` is not such a time."""
    return OffsetClock(event_time(event, text) - utcnow())
