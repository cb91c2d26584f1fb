"""A station's settings are one frozen StationConfig; the app changes station only by replacing it."""

from __future__ import annotations

import dataclasses

import pytest

from bigconv.core.clock import utcnow
from bigconv.tui.app import make_app
from bigconv.tui.config import StationConfig


def test_without_a_clock_a_station_goes_by_the_real_time(small_db):
    """`bigconv run` without --at gives no clock."""
    app = make_app(small_db, StationConfig(clock=None))
    assert app.clock is utcnow
    app.db.close()


def test_a_station_config_cannot_be_changed_in_place():
    config = StationConfig(station="Desk 1", mode="desk")
    with pytest.raises(dataclasses.FrozenInstanceError):
        config.station = "Desk 2"  # type: ignore[misc]


async def test_the_app_is_built_from_one_config_and_replaces_it_to_become_another_station(
    small_db,
):
    config = StationConfig(station="browser", mode="setup", notices=("Allocated 3 places.",))
    app = make_app(small_db, config)
    assert (app.config, app.station, app.room) == (config, "browser", None)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        app.open_station("Door B", "room", "Room B")
        await pilot.pause()
        assert (app.station, app.room, app.current_mode) == ("Door B", "Room B", "room")
        assert app.config == dataclasses.replace(config, station="Door B", room="Room B")
    assert config.station == "browser"  # the first one is as it was
