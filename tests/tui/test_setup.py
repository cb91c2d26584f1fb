"""A station opened from a browser starts by asking its name and what it is."""

from __future__ import annotations

from textual.widgets import Select, Static

from bigconv.tui.app import make_app
from bigconv.tui.config import StationConfig
from bigconv.tui.stations.dashboard import DashboardScreen
from tests.conftest import on_the_day


async def test_setup_asks_name_then_opens_the_chosen_station(small_db):
    app = make_app(small_db, StationConfig(station="browser", mode="setup", clock=on_the_day()))
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.click("#start")
        assert "Give the station a name first." in str(
            app.screen.query_one("#setup-error", Static).render()
        )
        app.screen.query_one("#name").focus()
        await pilot.press(*"Big screen")
        await pilot.click("#mode-dashboard")
        assert app.screen.query_one("#room", Select).disabled
        await pilot.click("#start")
        await pilot.pause()
        assert isinstance(app.screen, DashboardScreen)
        assert app.station == "Big screen" and app.sub_title == "Station: Big screen"


async def test_room_host_must_choose_a_room(small_db):
    app = make_app(small_db, StationConfig(station="browser", mode="setup", clock=on_the_day()))
    async with app.run_test(size=(100, 40)) as pilot:
        app.screen.query_one("#name").focus()
        await pilot.press(*"Room A host")
        await pilot.click("#mode-room")
        select = app.screen.query_one("#room", Select)
        assert not select.disabled
        assert [str(o[0]) for o in select._options if str(o[0])] == ["Hall", "Room A", "Room B"]
        await pilot.click("#start")
        assert "Choose the room" in str(app.screen.query_one("#setup-error", Static).render())


async def test_setup_opens_a_room_host_station(small_db):
    from bigconv.tui.stations.room import RoomScreen

    app = make_app(small_db, StationConfig(station="browser", mode="setup", clock=on_the_day()))
    async with app.run_test(size=(120, 40)) as pilot:
        app.screen.query_one("#name").focus()
        await pilot.press(*"Door B")
        await pilot.click("#mode-room")
        app.screen.query_one("#room", Select).value = "Room B"
        await pilot.click("#start")
        await pilot.pause()
        assert isinstance(app.screen, RoomScreen)
        assert app.screen.room["name"] == "Room B" and app.station == "Door B"
