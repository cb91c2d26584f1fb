"""Every station at 80x24 and 120x30 (Windows Terminal's default) on the busy sample day.

Update with `pytest tests/tui/test_station_snapshots.py --snapshot-update` and look at the
pictures (tests/tui/__snapshots__/test_station_snapshots/) before committing them.
"""

from __future__ import annotations

import pytest

from bigconv.services.demo import BUSY_CLOCK
from bigconv.tui.app import make_app
from bigconv.tui.config import StationConfig
from tests.helpers.db import fixed_badges

SIZES = [(80, 24), (120, 30)]
WALK_IN = ["f6", *"Omar", "enter", *"Farouk", "enter", *"Westgate Academy", "enter"]
WALK_IN += [*"Teacher", "enter", "enter"]
STATIONS = {
    "desk-results": ("desk", None, [*"aisha okafor"]),
    "desk-checked-in": ("desk", None, [*"aisha kelly", "enter"]),
    "desk-walk-in": ("desk", None, ["f6", *"Omar"]),
    "desk-places": ("desk", None, [*WALK_IN, "space"]),
    "room": ("room", "Science Lab 2", []),
    "dashboard": ("dashboard", None, []),
    "timetable": ("timetable", None, []),
    "setup": ("setup", None, [*"Desk 2"]),
}


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("station", list(STATIONS))
def test_station(snap_compare, busy_db, station, size):
    mode, room, keys = STATIONS[station]
    fixed_badges(busy_db)  # the desk's banner shows the badge code
    app = make_app(
        busy_db, StationConfig(station="Station 1", mode=mode, room=room, clock=lambda: BUSY_CLOCK)
    )
    app.cursor_blink = False  # a steady cursor: the same picture every time
    assert snap_compare(app, terminal_size=size, press=keys)
