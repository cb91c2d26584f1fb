"""A rehearsal says so on every station: the header's first words are REHEARSAL and the
rehearsal's time, in a colour of its own; the day itself says nothing of the kind."""

from __future__ import annotations

import datetime as dt

from textual.widgets import Header

from bigconv.tui.app import make_app
from bigconv.tui.config import StationConfig
from tests.helpers.tui import Clock, screen_text, until

MORNING = dt.datetime(2026, 11, 27, 10, 20, tzinfo=dt.UTC)  # 10:20 in London (GMT)


def header_line(app) -> str:
    """The screen's top line (empty while the screen is still being drawn)."""
    return (screen_text(app).splitlines() or [""])[0]


async def test_every_station_of_a_rehearsal_says_rehearsal_and_its_time_at_80x24(small_db):
    clock = Clock(MORNING)
    config = StationConfig(station="Desk 1", mode="desk", clock=clock, rehearsal="REHEARSAL")
    app = make_app(small_db, config)
    async with app.run_test(size=(80, 24)) as pilot:
        for mode in ("desk", "timetable", "room", "dashboard"):
            app.switch_mode(mode)
            await until(pilot, lambda: "REHEARSAL" in header_line(app))
            assert "REHEARSAL 10:20 · Small Test Day" in header_line(app), mode
        colour = app.screen.query_one(Header).styles.background
        clock.advance(6 * 60)  # the header keeps the rehearsal's time
        await until(pilot, lambda: "REHEARSAL 10:26" in header_line(app), timeout=8)
    assert app.has_class("-rehearsal")

    day = make_app(small_db, StationConfig(station="Desk 1", mode="desk", clock=clock))
    async with day.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert "REHEARSAL" not in screen_text(day)
        assert header_line(day).strip().startswith("⭘")  # the title first, as ever
        assert day.screen.query_one(Header).styles.background != colour
