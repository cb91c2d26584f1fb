"""The walk-in's places dialog at 80x24: rooms in full, and one session per slot as you tick."""

from __future__ import annotations

from textual.widgets import Static

from bigconv.tui.app import make_app
from bigconv.tui.config import StationConfig
from bigconv.tui.dialogs.walkin import PlacesScreen, WalkInScreen
from tests.tui.conftest import BUSY_CLOCK
from tests.tui.test_desk import until
from tests.tui.test_layouts import screen_text


async def open_places(app, pilot) -> PlacesScreen:
    await pilot.press("f6")
    await until(pilot, lambda: isinstance(app.screen, WalkInScreen))
    for value in ["Omar", "Farouk", "Westgate Academy", "Teacher", ""]:
        await pilot.press(*value, "enter")
    await until(pilot, lambda: isinstance(app.screen, PlacesScreen))
    return app.screen


async def test_places_name_each_room_in_full_and_keep_one_per_slot(busy_db):
    app = make_app(busy_db, StationConfig(station="Desk 1", mode="desk", clock=lambda: BUSY_CLOCK))
    async with app.run_test(size=(80, 24)) as pilot:
        places = await open_places(app, pilot)
        first, second = places.openings[0], places.openings[1]
        assert first.slot_id == second.slot_id
        text = screen_text(app)
        for o in places.openings[:4]:
            assert f" {o.room} " in text and f"{o.left} left" in text
        await pilot.press("space", "down", "space")
        await pilot.pause()
        picker = places.query_one("#choices")
        assert list(picker.selected) == [second.session_id]
        problem = str(places.query_one("#problem", Static).render())
        assert first.slot in problem and second.room in problem and first.room in problem
