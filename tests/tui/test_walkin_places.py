"""The walk-in's places dialog at 80x24: rooms in full, and one session per slot as you tick."""

from __future__ import annotations

from textual.widgets import Static

from bigconv.services.demo import BUSY_CLOCK
from bigconv.tui.app import make_app
from bigconv.tui.config import StationConfig
from bigconv.tui.dialogs.walkin import PlacesScreen, WalkInScreen
from tests.helpers.tui import screen_text, until


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
        text = screen_text(app)
        for o in places.openings[:4]:
            assert f" {o.room} " in text and f"{o.left} left" in text
        # Two places in one slot, next to each other (the list is in slot order).
        shown = places.openings
        i = next(i for i in range(len(shown) - 1) if shown[i].slot_id == shown[i + 1].slot_id)
        first, second = shown[i], shown[i + 1]
        await pilot.press(*["down"] * i, "space", "down", "space")
        await pilot.pause()
        picker = places.query_one("#choices")
        assert list(picker.selected) == [second.session_id]
        problem = str(places.query_one("#problem", Static).render())
        assert first.slot in problem and second.room in problem and first.room in problem


async def test_a_ticked_place_says_so_in_a_mark_not_only_in_colour(busy_db):
    app = make_app(busy_db, StationConfig(station="Desk 1", mode="desk", clock=lambda: BUSY_CLOCK))
    async with app.run_test(size=(80, 24)) as pilot:
        places = await open_places(app, pilot)
        first = places.openings[0]
        await pilot.press("space")
        await pilot.pause()
        rows = [line for line in screen_text(app).splitlines() if " left" in line]
        assert "✓" in rows[0] and first.room in rows[0]
        assert all("✓" not in row for row in rows[1:])  # only the ticked one
        await pilot.press("space")  # unticked: the mark goes too
        await pilot.pause()
        assert all("✓" not in line for line in screen_text(app).splitlines() if " left" in line)


async def test_the_walk_in_form_keeps_its_title_in_view_at_80x24(busy_db):
    """At 80x24 the form is taller than the screen: its fields scroll, under its title."""
    app = make_app(busy_db, StationConfig(station="Desk 1", mode="desk", clock=lambda: BUSY_CLOCK))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("f6")
        await until(pilot, lambda: isinstance(app.screen, WalkInScreen))
        for value in ["Omar", "Farouk", "Westgate Academy", "Teacher"]:
            await pilot.press(*value, "enter")
        await pilot.press("tab")  # to the buttons, at the foot of the form
        await pilot.pause()
        text = screen_text(app)
        assert "Register a walk-in" in text and "Register and check in" in text
