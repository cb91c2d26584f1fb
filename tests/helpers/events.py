"""The small event (five people, three rooms, three slots) as files, and its day's clock."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

# The small event's day at 10:20, while its morning slot runs. Every app or web site a test
# builds gets a clock of the test's own (this one when the time does not matter), and every
# process a test starts gets `--at`, so no test depends on the date it runs on.
SMALL_DAY = dt.datetime(2026, 11, 27, 10, 20, tzinfo=dt.UTC)


def on_the_day(moment: dt.datetime = SMALL_DAY):
    """A clock stopped at `moment` (by default the small event's morning), for the factories."""
    return lambda: moment


SMALL_EVENT = """
[event]
name = "Small Test Day"
date = 2026-11-27
timezone = "Europe/London"
venue = "Test Academy"
base_url = "http://192.0.2.10:8000"

[attendees]
csv = "staff.csv"

[audiences]
teaching = ["Teacher"]

[[rooms]]
name = "Hall"
capacity = 100

[[rooms]]
name = "Room A"
capacity = 3

[[rooms]]
name = "Room B"
capacity = 2

[[slots]]
label = "Plenary"
start = "09:00"
end = "09:30"
kind = "plenary"

[[slots]]
label = "Morning"
start = "10:00"
end = "11:00"

[[slots]]
label = "Afternoon"
start = "13:00"
end = "14:00"

[[sessions]]
title = "Welcome"
room = "Hall"
slot = "Plenary"

[[sessions]]
title = "Phonics"
lead = "Ada Lovelace"
room = "Room A"
slot = "Morning"
audience = "teaching"

[[sessions]]
title = "Wellbeing"
room = "Room B"
slot = "Morning"

[[sessions]]
title = "Wellbeing"
room = "Room A"
slot = "Afternoon"

[[sessions]]
title = "Oracy"
room = "Room B"
slot = "Afternoon"
"""


SMALL_STAFF = """Staff ID,Forename,Surname,Email,School,Job Title,Choice 1,Choice 2
S1,Ada,Lovelace,ada@a.sch.uk,Alpha School,Teacher,Phonics,Wellbeing
S2,Zoë,O'Brien-Müller,zoe@a.sch.uk,Alpha School,Teacher,Wellbeing,Oracy
S3,Bob,[bold]Bob[/],bob@b.sch.uk,Beta School,Teaching Assistant,Oracy,Wellbeing
S4,Sarah,Khan,s.khan@a.sch.uk,Alpha School,Teacher,Phonics,Oracy
S5,Sarah,Khan,s.khan@b.sch.uk,Beta School,Office Manager,Wellbeing,Oracy
"""


def copy_day(source: Path, target: Path) -> None:
    """Copy an event folder's event file, staff CSV and (closed, checkpointed) database."""
    for item in source.iterdir():
        if item.suffix in (".toml", ".csv", ".db"):
            shutil.copy(item, target / item.name)


def move_event(event_file: Path, day: dt.date) -> None:
    """Put the small event on another day (run `bigconv init` after, to bring its file in line):
    a test that needs "today is (not) the event day" whatever the date it runs on."""
    text = event_file.read_text(encoding="utf-8")
    event_file.write_text(text.replace("date = 2026-11-27", f"date = {day}"), encoding="utf-8")


def event_today(tz: str = "Europe/London") -> dt.date:
    """Today's date where the small event is (this machine's clock, faked or not)."""
    import zoneinfo

    # Deliberate clock read: the commands under test compare the event's date with today.
    return dt.datetime.now(zoneinfo.ZoneInfo(tz)).date()
