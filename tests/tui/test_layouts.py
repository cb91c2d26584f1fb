"""Each station at the terminal sizes people have: what its person needs first is on screen,
uncut (names and schools in full), from 80x24 up to 200x50."""

from __future__ import annotations

import pytest
from textual.widgets import DataTable

from bigconv.services.demo import BUSY_CLOCK
from bigconv.tui.app import make_app
from bigconv.tui.config import StationConfig
from tests.helpers.tui import screen_text

SIZES = [(80, 24), (120, 30), (120, 40), (160, 45), (200, 50)]


async def until(pilot, condition, timeout: float = 10.0) -> None:
    for _ in range(int(timeout / 0.05)):
        if condition():
            return
        await pilot.pause(0.05)
    assert condition()


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
async def test_desk_results_show_every_name_and_school_in_full(busy_db, size):
    app = make_app(busy_db, StationConfig(station="Desk 1", mode="desk", clock=lambda: BUSY_CLOCK))
    async with app.run_test(size=size) as pilot:
        await pilot.press(*"aisha okafor")
        await until(pilot, lambda: app.screen.shown_query == "aisha okafor")
        await pilot.pause()
        text = screen_text(app)
        people = [m.person for m in app.screen.matches]
        assert len(people) == 3
        for p in people:
            line = next(x for x in text.splitlines() if p.school in x)
            assert p.name in line
            assert ("✔" in line) or ("not yet" in line)  # the state, on the same line
            assert p.role[:8] in line  # the role at least begins
        assert "f5" in text.lower().splitlines()[-1]  # every station key in the footer


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
async def test_room_roster_names_are_never_cut(busy_db, size):
    app = make_app(
        busy_db,
        StationConfig(station="Lab 2", mode="room", room="Science Lab 2", clock=lambda: BUSY_CLOCK),
    )
    async with app.run_test(size=size) as pilot:
        await until(pilot, lambda: app.screen.query_one("#roster", DataTable).row_count > 0)
        await pilot.pause()
        text = screen_text(app)
        table = app.screen.query_one("#roster", DataTable)
        visible = min(table.row_count, table.size.height - 1)
        assert visible >= 5
        for entry in app.screen.entries[:visible]:
            assert entry.person.name in text
        assert "Present" in text and "seats" in text  # the headcount
        assert "/" in text.split("http", 1)[1][:40]  # the phone address under the QR code


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
async def test_dashboard_shows_each_rooms_numbers_and_rating(busy_db, size):
    app = make_app(
        busy_db, StationConfig(station="Organiser", mode="dashboard", clock=lambda: BUSY_CLOCK)
    )
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        table = app.screen.query_one("#rooms", DataTable)
        await until(pilot, lambda: table.row_count > 0)
        lines = screen_text(app).splitlines()
        visible = min(table.row_count, table.size.height - 1)
        assert visible >= 8
        for i in range(visible):
            cells = [c.plain for c in table.get_row_at(i)]
            room, numbers, rating = cells[1], cells[3].split()[-1], cells[-1]
            line = next(x for x in lines if f" {room} " in x)
            assert numbers in line and rating in line, line
        text = "\n".join(lines)
        assert "checked in" in text and "Alerts" in text
