"""The desk at a fixed size: results for a partial name, and the banner after a check-in."""

from __future__ import annotations

from bigconv.tui.app import make_app
from bigconv.tui.config import StationConfig
from tests.helpers.db import fixed_badges
from tests.helpers.tui import Clock


def test_desk_results_snapshot(small_db, snap_compare):
    app = make_app(small_db, StationConfig(station="Desk 1", mode="desk", clock=Clock()))
    app.cursor_blink = False  # a steady cursor: the same picture every time
    assert snap_compare(app, terminal_size=(120, 32), press=[*"khan"])


def test_desk_checked_in_snapshot(small_db, snap_compare):
    fixed_badges(small_db)  # the banner shows the badge code
    app = make_app(small_db, StationConfig(station="Desk 1", mode="desk", clock=Clock()))
    app.cursor_blink = False  # a steady cursor: the same picture every time
    assert snap_compare(app, terminal_size=(120, 32), press=[*"ada", "enter"])
