"""Stations driven through Pilot over real files: the desk and the room with an injected
clock, waiting for what happens on a timer, the screen as the person sees it."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

from rich.console import Console
from textual import events
from textual.widgets import DataTable

from bigconv.data import database
from bigconv.data.checkin import current_checkin
from bigconv.data.search import lookup
from bigconv.services.setup import load
from bigconv.tui.app import make_app
from bigconv.tui.config import StationConfig
from bigconv.tui.stations.room import RoomScreen
from bigconv.tui.widgets.banner import Banner

# -- the desk -----------------------------------------------------------------------------------

T0 = dt.datetime(2026, 11, 27, 8, 30, tzinfo=dt.UTC)  # 08:30 in London too (GMT in November)


class Clock:
    """The injected clock: tests move time on by hand."""

    def __init__(self, now: dt.datetime = T0):
        self.now = now

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += dt.timedelta(seconds=seconds)


def desk_app(small_db, clock=None):
    """The desk ("Desk 1") on the small day's database, at 08:30 unless given a clock."""
    return make_app(small_db, StationConfig(station="Desk 1", mode="desk", clock=clock or Clock()))


async def until(pilot, condition, timeout: float = 5.0) -> None:
    """Wait in small steps for what happens on a timer or after a burst; fail if it never does."""
    for _ in range(int(timeout / 0.05)):
        if condition():
            break
        await pilot.pause(0.05)
    assert condition()
    await pilot.pause()


def banner(app) -> tuple[str, str]:
    """The desk banner's kind ("ok", "warn", ...) and its text."""
    widget = app.screen.query_one(Banner)
    return widget.kind, widget.text


def rows(app) -> list[list[str]]:
    """The desk's search results as text, row by row ([] while hidden)."""
    table = app.screen.query_one("#results", DataTable)
    if not table.display:
        return []
    return [[str(cell) for cell in table.get_row_at(i)] for i in range(table.row_count)]


def person(small_db, query):
    """The best match for `query`, as the desk's search finds it."""
    db = database.connect(small_db)
    try:
        return lookup(db, query)[0].person
    finally:
        db.close()


def state(small_db, attendee_id):
    """(at, station) of this person's check-in, or None."""
    db = database.connect(small_db)
    try:
        return current_checkin(db, attendee_id)
    finally:
        db.close()


def log_actions(small_db) -> list[str]:
    """Every action in the log, oldest first."""
    db = database.connect(small_db)
    try:
        return [row[0] for row in db.execute("SELECT action FROM log ORDER BY id")]
    finally:
        db.close()


def lookup_all(small_db, query):
    """Every match for `query`, best first."""
    db = database.connect(small_db)
    try:
        return lookup(db, query)
    finally:
        db.close()


def burst(app, keys: list[str]) -> None:
    """Keys arriving faster than the screen handles them, as from a USB scanner."""
    for key in keys:
        app.post_message(events.Key(key, key if len(key) == 1 else None))


# -- a room ------------------------------------------------------------------------------------

MORNING = dt.datetime(2026, 11, 27, 10, 20, tzinfo=dt.UTC)  # Phonics (A), Wellbeing (B)


SIZE = (100, 40)


def app_for(small_event: Path, *, room: str | None, now: dt.datetime = MORNING, station="Host"):
    """The room station for `room` (None: it asks which), its clock stopped at `now`."""
    ctx = load(small_event, None)
    return make_app(
        ctx.db_path,
        StationConfig(station=station, mode="room", event=ctx.event, clock=lambda: now, room=room),
    )


def roster_rows(screen: RoomScreen) -> dict[str, list[str]]:
    """Name -> the plain text of each cell, as the host sees the table."""
    table = screen.query_one("#roster", DataTable)
    rows = {}
    for row_key in table.rows:
        cells = [cell.plain for cell in table.get_row(row_key)]
        rows[cells[1]] = cells
    return rows


def marks(db) -> list[dict]:
    """Every attendance record, oldest first."""
    return list(db["attendance_records"].rows_where(order_by="id"))


# -- any station -------------------------------------------------------------------------------


def screen_text(app) -> str:
    """The screen as the person sees it, as plain text (what Textual's screenshot draws)."""
    width, height = app.size
    console = Console(
        width=width, height=height, file=io.StringIO(), record=True, legacy_windows=False
    )
    console.print(app.screen._compositor.render_update(full=True))
    return console.export_text()


async def started(app, pilot) -> str:
    """Wait for the phone-site worker to finish starting; return the app's sub-title."""
    for _ in range(100):
        if "Phone" in app.sub_title:
            return app.sub_title
        await pilot.pause(0.05)
    raise AssertionError(f"phone site never reported: {app.sub_title!r}")
