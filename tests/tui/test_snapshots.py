"""The main screens on the busy sample day, at a fixed size and clock, as pictures."""

from __future__ import annotations

from bigconv.services.demo import BUSY_CLOCK
from bigconv.tui.app import make_app
from bigconv.tui.config import StationConfig


def test_dashboard(snap_compare, busy_db):
    app = make_app(
        busy_db, StationConfig(station="Organiser", mode="dashboard", clock=lambda: BUSY_CLOCK)
    )
    app.cursor_blink = False  # a steady cursor: the same picture every time
    assert snap_compare(app, terminal_size=(160, 48))


def test_timetable(snap_compare, busy_db):
    app = make_app(
        busy_db, StationConfig(station="Organiser", mode="timetable", clock=lambda: BUSY_CLOCK)
    )
    app.cursor_blink = False  # a steady cursor: the same picture every time
    assert snap_compare(app, terminal_size=(160, 48))


def test_desk_searching(snap_compare, busy_db):
    app = make_app(busy_db, StationConfig(station="Desk 1", mode="desk", clock=lambda: BUSY_CLOCK))
    app.cursor_blink = False  # a steady cursor: the same picture every time
    assert snap_compare(app, terminal_size=(160, 48), press=[*"sarah k"])


def test_room(snap_compare, busy_db):
    app = make_app(
        busy_db,
        StationConfig(station="Lab 2", mode="room", room="Science Lab 2", clock=lambda: BUSY_CLOCK),
    )
    app.cursor_blink = False  # a steady cursor: the same picture every time
    assert snap_compare(app, terminal_size=(160, 48))
