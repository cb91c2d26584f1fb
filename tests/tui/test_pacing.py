"""Phones and people first: what a station redraws, and when, under a plenary's taps.

No timings here: what is counted is redraws, and the order things happen in."""

from __future__ import annotations

import asyncio
import time

from textual.widgets import Input

from bigconv.data import database
from bigconv.data.checkin import check_in
from bigconv.data.reactions import record_reaction
from bigconv.tui.app import make_app
from bigconv.tui.config import StationConfig
from bigconv.tui.stations.base import LiveScreen
from tests.helpers.tui import MORNING, SIZE, app_for, burst, desk_app, until


def tap_burst(db_path, session_id: int, taps: int, seconds: float) -> float:
    """`taps` reactions from as many phones, one commit each, spread over `seconds` (another
    connection, as the phone site's); returns the seconds it took."""
    phone = database.connect(db_path)
    start = time.monotonic()
    try:
        for n in range(taps):
            kind = ("useful", "love", "insight")[n % 3]
            assert record_reaction(phone, session_id, kind, f"phone {n}", at=MORNING).counted
            time.sleep(seconds / taps)
    finally:
        phone.close()
    return time.monotonic() - start


def tally(app) -> str:
    return str(app.screen.query_one("#reactions").render())


async def test_a_room_under_a_burst_of_300_taps_redraws_about_once_a_second(
    seeded, small_event, small_db
):
    """300 taps in about three seconds (a plenary reacting to a slide): the room redraws its
    tally at most once per FIGURES_REFRESH (not four times a second), never its roster, and
    ends showing every tap."""
    app = app_for(small_event, room="Room A")  # showing Phonics
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        screen = app.screen
        rosters = []
        read_roster = screen.refresh_data
        screen.refresh_data = lambda: (rosters.append(1), read_roster())  # counted, then run
        before = app.refreshes
        took = await asyncio.to_thread(tap_burst, small_db, seeded["phonics"]["id"], 300, 3.0)
        await until(pilot, lambda: "100" in tally(app) and tally(app).count("100") == 3, 10)
        redraws = app.refreshes - before
        assert 1 <= redraws <= took / LiveScreen.FIGURES_REFRESH + 3, (redraws, took)
        assert rosters == []  # the roster was not read again for reactions
        assert tally(app).count("100") == 3  # 100 of each of the three kinds


async def test_a_check_in_is_shown_at_the_next_poll_while_taps_are_gathered(small_db):
    """On the dashboard, taps just after a redraw wait for FIGURES_REFRESH; a check-in does
    not wait for them (and takes them along)."""
    app = make_app(
        small_db, StationConfig(station="Big screen", mode="dashboard", clock=lambda: MORNING)
    )
    other = database.connect(small_db)
    session = other.execute("SELECT id FROM sessions ORDER BY id").fetchone()[0]
    async with app.run_test(size=(160, 45)) as pilot:
        await pilot.pause()
        app.poll_timer.pause()  # the test polls, as the timer would
        app.poll_changes()
        app.refreshed_at = time.monotonic()  # a redraw just now
        before = app.refreshes
        record_reaction(other, session, "love", "phone 1", at=MORNING)
        app.poll_changes()
        assert app.refreshes == before  # gathered
        check_in(other, 1, station="Desk 1")
        app.poll_changes()
        assert app.refreshes == before + 1
        numbers = app.screen.query_one("#arrivals-numbers")
        await until(pilot, lambda: str(numbers.render()).startswith("1 of"))
        assert str(numbers.render()).startswith("1 of")
    other.close()


async def test_keys_typed_before_a_refresh_are_handled_before_it(small_db):
    """A desk clerk's burst of keys, then a commit elsewhere: the refresh the poll queues
    comes after every key typed before it (it would have drawn the box half-typed)."""
    app = desk_app(small_db)
    other = database.connect(small_db)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        app.poll_timer.pause()
        screen = app.screen
        seen: list[str] = []
        refresh = screen.refresh_changes

        def recorded(changes) -> None:
            seen.append(screen.query_one("#search", Input).value)
            refresh(changes)

        screen.refresh_changes = recorded
        check_in(other, 2, station="Desk 2")
        burst(app, list("lovelace"))
        app.poll_changes()  # as the timer would, with the keys still queued
        await until(pilot, lambda: bool(seen))
        await pilot.pause(0.2)
        assert seen == ["lovelace"]
    other.close()


async def test_the_header_says_when_a_station_runs_behind(small_db):
    """Two polls in a row a second or more late (the laptop too busy): the header says the
    figures may be that old; once polls keep time again it stops saying so."""
    app = desk_app(small_db)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        app.poll_timer.pause()
        app.polled_at -= 3  # three seconds late
        app.poll_changes()
        assert "behind" not in app.sub_title  # once is opening a screen
        app.polled_at -= 3
        app.poll_changes()
        assert "running 3 s behind" in app.sub_title and "Station: Desk 1" in app.sub_title
        app.behind_until = time.monotonic()
        app.poll_changes()
        assert app.sub_title == "Station: Desk 1"
