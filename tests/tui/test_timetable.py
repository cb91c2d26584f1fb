"""The timetable screen driven through Textual's Pilot over a real database."""

from __future__ import annotations

import datetime as dt

from textual.widgets import DataTable, Static

from bigconv.data import store
from bigconv.tui.app import make_app

CLOCK = dt.datetime(2026, 11, 27, 9, 50, tzinfo=dt.UTC)


def detail_text(app) -> str:
    return str(app.screen.query_one("#detail", Static).render())


async def test_timetable_shows_slots_rooms_and_sessions(small_db):
    app = make_app(small_db, station="Desk 1", clock=lambda: CLOCK)
    async with app.run_test(size=(140, 40)) as pilot:
        grid = app.screen.query_one("#grid", DataTable)
        assert grid.row_count == 3
        headers = [str(c.label) for c in grid.columns.values()]
        assert headers[1].startswith("Plenary\n09:00-09:30")  # Europe/London local time
        assert app.title == "Small Test Day"
        assert "Desk 1" in app.sub_title
        # The cursor starts on the first session column: the Hall's plenary.
        assert detail_text(app).startswith("Welcome")
        await pilot.press("down", "right")
        assert "Phonics" in detail_text(app)
        assert "Led by Ada Lovelace" in detail_text(app)
        assert "http://192.0.2.10:8000/" in detail_text(app)


async def test_timetable_mouse_selects_a_cell(small_db):
    app = make_app(small_db, station="t", clock=lambda: CLOCK)
    async with app.run_test(size=(140, 40)) as pilot:
        grid = app.screen.query_one("#grid", DataTable)
        region = grid.region
        # Third column (Afternoon), second room row (Room A): click in its area.
        await pilot.click(DataTable, offset=(18 + 2 + 26 * 2 + 6, 2 + 2 + 1))
        await pilot.pause()
        assert region.width > 0
        assert "Wellbeing" in detail_text(app)


async def test_timetable_refreshes_when_the_file_changes(small_db):
    app = make_app(small_db, station="t", clock=lambda: CLOCK)
    async with app.run_test(size=(140, 40)) as pilot:
        other = store.connect(small_db)  # another connection, like another process
        with store.immediate(other):
            other.execute("UPDATE sessions SET title = 'Phonics (moved)' WHERE title = 'Phonics'")
        await pilot.pause(0.6)
        await pilot.press("down", "right")
        assert "Phonics (moved)" in detail_text(app)


async def test_titles_are_plain_text(small_db):
    db = store.connect(small_db)
    with store.immediate(db):
        db.execute(
            "UPDATE sessions SET title = '[bold red]x[/] [@click=app.quit]' WHERE title = 'Oracy'"
        )
    app = make_app(small_db, station="t", clock=lambda: CLOCK)
    async with app.run_test(size=(140, 40)) as pilot:
        await pilot.press("down", "down", "right", "right")
        assert "[bold red]x[/] [@click=app.quit]" in detail_text(app)
        assert app.is_running
