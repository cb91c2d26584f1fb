"""The timetable screen driven through Textual's Pilot over a real database."""

from __future__ import annotations

import datetime as dt

from textual.widgets import DataTable, Static

from bigconv.data import database
from bigconv.services.demo import BUSY_CLOCK
from bigconv.tui.app import make_app
from bigconv.tui.config import StationConfig
from tests.helpers.tui import screen_text

CLOCK = dt.datetime(2026, 11, 27, 9, 50, tzinfo=dt.UTC)


def detail_text(app) -> str:
    return str(app.screen.query_one("#detail", Static).render())


async def test_timetable_shows_slots_rooms_and_sessions(small_db):
    app = make_app(small_db, StationConfig(station="Desk 1", clock=lambda: CLOCK))
    async with app.run_test(size=(140, 40)) as pilot:
        grid = app.screen.query_one("#grid", DataTable)
        assert grid.row_count == 3
        headers = [str(c.label) for c in grid.columns.values()]
        assert headers[1].startswith("Plenary\n09:00-09:30")  # Europe/London local time
        assert app.title == "Small Test Day"
        assert "Desk 1" in app.sub_title
        # 09:50: the plenary is over, Morning is next; the cursor starts there, and says so.
        assert grid.cursor_coordinate.column == 2
        assert headers[2].startswith("▸ next Morning\n10:00-11:00")
        await pilot.press("down")
        assert "Phonics" in detail_text(app)
        assert "Led by Ada Lovelace" in detail_text(app)
        assert "http://192.0.2.10:8000/" in detail_text(app)


async def test_timetable_mouse_selects_a_cell(small_db):
    app = make_app(small_db, StationConfig(station="t", clock=lambda: CLOCK))
    async with app.run_test(size=(140, 40)) as pilot:
        grid = app.screen.query_one("#grid", DataTable)
        region = grid.region
        # Third column (Afternoon), second room row (Room A): click in its area.
        step = app.screen.cell_width + 2  # the slots share the width
        await pilot.click(DataTable, offset=(18 + 2 + step * 2 + 6, 2 + 2 + 1))
        await pilot.pause()
        assert region.width > 0
        assert "Wellbeing" in detail_text(app)


async def test_timetable_refreshes_when_the_file_changes(small_db):
    app = make_app(
        small_db, StationConfig(station="t", clock=lambda: CLOCK)
    )  # the cursor starts on Morning
    async with app.run_test(size=(140, 40)) as pilot:
        other = database.connect(small_db)  # another connection, like another process
        with database.immediate(other):
            other.execute("UPDATE sessions SET title = 'Phonics (moved)' WHERE title = 'Phonics'")
        await pilot.pause(0.6)
        await pilot.press("down")
        assert "Phonics (moved)" in detail_text(app)


async def test_titles_are_plain_text(small_db):
    db = database.connect(small_db)
    with database.immediate(db):
        db.execute(
            "UPDATE sessions SET title = '[bold red]x[/] [@click=app.quit]' WHERE title = 'Oracy'"
        )
    app = make_app(
        small_db, StationConfig(station="t", clock=lambda: CLOCK)
    )  # the cursor starts on Morning
    async with app.run_test(size=(140, 40)) as pilot:
        await pilot.press("down", "down", "right")
        assert "[bold red]x[/] [@click=app.quit]" in detail_text(app)
        assert app.is_running


async def test_the_room_column_stays_and_now_is_marked(busy_db):
    """The busy day at 10:05: Workshops 1 runs; after → → → the rooms are still named."""
    app = make_app(busy_db, StationConfig(station="t", clock=lambda: BUSY_CLOCK))
    async with app.run_test(size=(80, 24)) as pilot:
        grid = app.screen.query_one("#grid", DataTable)
        headers = [str(c.label) for c in grid.columns.values()]
        assert headers[grid.cursor_coordinate.column].startswith("● now Workshops 1")
        assert sum("now" in h for h in headers) == 1
        await pilot.press("right", "right", "right")
        await pilot.pause()
        text = screen_text(app)
        assert "Main Hall" in text and "Sports Hall" in text and "Closing plenary" in text


async def test_a_plenary_is_for_everyone_not_nobody(busy_db):
    app = make_app(busy_db, StationConfig(station="t", clock=lambda: BUSY_CLOCK))
    async with app.run_test(size=(160, 45)) as pilot:
        grid = app.screen.query_one("#grid", DataTable)
        opening = grid.get_row_at(0)[1].plain
        assert "everyone" in opening and "0/900" not in opening
        await pilot.press("left")
        assert "a plenary, so nobody is allocated" in detail_text(app)


async def test_slots_share_the_width_and_scroll_by_whole_slots(busy_db):
    """At 200 columns the titles show whole (they were cut at 26 with 40 columns to spare);
    at 80, moving sideways never shows a slot cut in two, mid-word."""
    app = make_app(busy_db, StationConfig(station="t", clock=lambda: BUSY_CLOCK))
    async with app.run_test(size=(200, 50)):
        text = screen_text(app)
        assert "Handwriting and fine motor skills" in text and "Oracy across the curriculum" in text
    app = make_app(busy_db, StationConfig(station="t", clock=lambda: BUSY_CLOCK))
    async with app.run_test(size=(80, 24)) as pilot:
        for _ in range(4):
            await pilot.press("right")
            await pilot.pause()
            header = screen_text(app).splitlines()[1]  # the slots' labels, after "Room"
            labels = header[len(" Room") :].split("  ")
            shown = [label.strip() for label in labels if label.strip()]
            assert shown and all(
                label.removeprefix("● now ").removeprefix("▸ next ")
                in (
                    "Opening plenary",
                    "Workshops 1",
                    "Workshops 2",
                    "Workshops 3",
                    "Closing plenary",
                )
                for label in shown
            ), header
