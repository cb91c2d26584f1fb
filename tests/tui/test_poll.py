"""The live poll never crashes the station while screens change under it."""

from __future__ import annotations

import datetime as dt

from bigconv.data import database
from bigconv.data.checkin import check_in
from bigconv.tui.app import make_app
from bigconv.tui.config import StationConfig
from bigconv.tui.widgets.counters import Counters

MORNING = dt.datetime(2026, 11, 27, 10, 20, tzinfo=dt.UTC)


async def test_a_poll_while_the_screen_stack_is_empty_waits_for_the_next_screen(small_db):
    """A mode switch or shutdown can leave the stack empty when the poll timer fires: the poll
    must neither raise (ScreenStackError once crashed a station) nor lose the change."""
    app = make_app(small_db, StationConfig(station="Desk 1", mode="desk", clock=lambda: MORNING))
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        other = database.connect(small_db)
        check_in(other, 1, station="Desk 2")
        other.close()
        stack = app._screen_stacks[app.current_mode]  # the state the timer met, made on purpose
        screens = stack[:]
        stack.clear()
        app.poll_changes()  # raised ScreenStackError: No screens on stack
        assert app.visible_screen() is None and app.is_running
        stack.extend(screens)
        app.refresh_screen(app.visible_screen())
        await pilot.pause()
        assert "1 / 5" in str(app.screen.query_one(Counters).render())
