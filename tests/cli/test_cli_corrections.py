"""Corrections after the day: `checkin`, `undo-checkin` and `attend` stamp what they record on
the event day with `--at HH:MM` (in the event's time zone), or now with `--at now`; on any day
but the event day they refuse without it, changing nothing."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest

from tests.helpers.db import digest, table
from tests.helpers.events import event_today, move_event
from tests.helpers.processes import run_cli

LONDON = zoneinfo.ZoneInfo("Europe/London")


@pytest.fixture
def after_the_day(small_event, small_db):
    """The small event moved to three days ago (its database brought in line)."""
    day = event_today() - dt.timedelta(days=3)
    move_event(small_event, day)
    assert run_cli("init", small_event).returncode == 0
    return day


def stamped(day: dt.date, hh: int, mm: int) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hh, mm), LONDON)


def stored(small_db, sql: str) -> list[dt.datetime]:
    return [dt.datetime.fromisoformat(row[0]) for row in table(small_db, sql)]


@pytest.mark.parametrize(
    "command",
    [("checkin", "Ada Lovelace"), ("undo-checkin", "Ada Lovelace"), ("attend", "CODE", "Ada")],
    ids=lambda c: c[0],
)
def test_off_the_day_without_at_a_correction_is_refused_in_one_line(
    small_event, small_db, after_the_day, command
):
    if command[0] == "attend":
        [(code,)] = table(small_db, "SELECT code FROM sessions WHERE title = 'Phonics'")
        command = ("attend", code, "Ada")
    before = digest(small_db)
    done = run_cli(command[0], small_event, *command[1:])
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr
    assert "is not the event day" in done.stderr
    assert "--at HH:MM" in done.stderr and "--at now" in done.stderr
    assert digest(small_db) == before


def test_at_stamps_each_correction_on_the_event_day_in_its_time_zone(
    small_event, small_db, after_the_day
):
    day = after_the_day
    done = run_cli("checkin", small_event, "Ada Lovelace", "--at", "10:15", "--station", "Fix")
    assert done.returncode == 0, done.stderr
    assert "at 10:15 by Fix" in done.stdout
    assert stored(small_db, "SELECT at FROM checkins") == [stamped(day, 10, 15)]

    undone = run_cli("undo-checkin", small_event, "Ada Lovelace", "--at", "16:40")
    assert undone.returncode == 0, undone.stderr
    assert stored(small_db, "SELECT undone_at FROM checkin_records") == [stamped(day, 16, 40)]

    [(code,)] = table(small_db, "SELECT code FROM sessions WHERE title = 'Phonics'")
    marked = run_cli("attend", small_event, code, "Zoë", "--at", "10:05", "--station", "Fix")
    assert marked.returncode == 0, marked.stderr
    assert "at 10:05" in marked.stdout
    assert stored(small_db, "SELECT at FROM attendance") == [stamped(day, 10, 5)]
    assert stored(small_db, "SELECT at FROM checkins") == [stamped(day, 10, 5)]  # checked in too
    logged = stored(small_db, "SELECT at FROM log WHERE action IN ('checkin', 'attend')")
    assert {moment.date() for moment in logged} == {day}  # the log keeps to the day as well


def test_at_now_stamps_it_now_and_a_bad_at_is_refused(small_event, small_db, after_the_day):
    bad = run_cli("checkin", small_event, "Ada Lovelace", "--at", "25:00")
    assert bad.returncode == 2 and "--at 25:00: expected a time such as 09:50, or now" in bad.stderr
    done = run_cli("checkin", small_event, "Ada Lovelace", "--at", "now")
    assert done.returncode == 0, done.stderr
    [moment] = stored(small_db, "SELECT at FROM checkins")
    assert moment.astimezone(LONDON).date() == event_today()  # deliberately now, after the day


def test_on_the_event_day_a_correction_needs_no_at(small_event, small_db):
    move_event(small_event, event_today())
    assert run_cli("init", small_event).returncode == 0
    done = run_cli("checkin", small_event, "Ada Lovelace")
    assert done.returncode == 0, done.stderr
