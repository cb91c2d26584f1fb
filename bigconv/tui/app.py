"""The bigconv Textual app and the factory that builds it for the CLI and the tests."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

from textual.app import App
from textual.binding import Binding

from bigconv.config import Event
from bigconv.data import store
from bigconv.data.watch import ChangeWatcher
from bigconv.tui.screens.desk import DeskScreen
from bigconv.tui.screens.timetable import TimetableScreen

POLL_SECONDS = 0.25


class BigconvApp(App):
    """One station: the desk, a room, the dashboard or the timetable, over one database file."""

    CSS_PATH = "app.tcss"
    TITLE = "bigconv"
    MODES = {"timetable": TimetableScreen, "desk": DeskScreen}
    BINDINGS = [
        Binding("f2", "switch_mode('timetable')", "Timetable"),
        Binding("f3", "switch_mode('desk')", "Desk"),
        Binding("ctrl+q", "quit", "Quit", priority=True),
    ]

    def __init__(
        self,
        db_path: Path,
        *,
        station: str,
        mode: str = "timetable",
        event: Event | None = None,
        clock: Callable[[], dt.datetime] | None = None,
    ):
        super().__init__()
        self.db_path = Path(db_path)
        self.station = station
        self.event = event
        self.start_mode = mode
        self.clock = clock or store.utcnow
        self.db = store.connect(self.db_path)
        self.watcher = ChangeWatcher(self.db)
        self.tz = event.tz if event else dt.UTC
        name = store.get_meta(self.db, "event_name") or "bigconv"
        self.title = name
        self.sub_title = f"Station: {station}"
        if not event and (tzname := store.get_meta(self.db, "timezone")):
            import zoneinfo

            self.tz = zoneinfo.ZoneInfo(tzname)

    def on_mount(self) -> None:
        self.switch_mode(self.start_mode)
        self.set_interval(POLL_SECONDS, self.poll_changes)

    def poll_changes(self) -> None:
        """Tell the visible screen when anyone (another process, or this one) committed."""
        if self.watcher.changed():
            refresh = getattr(self.screen, "refresh_data", None)
            if refresh:
                refresh()

    def local(self, moment: dt.datetime | str) -> dt.datetime:
        """A stored UTC time in the event's time zone."""
        if isinstance(moment, str):
            moment = store.parse_iso(moment)
        return moment.astimezone(self.tz)

    def on_unmount(self) -> None:
        self.db.close()


def make_app(
    db_path: Path,
    *,
    station: str = "test",
    mode: str = "timetable",
    event: Event | None = None,
    clock: Callable[[], dt.datetime] | None = None,
) -> BigconvApp:
    """Build the app exactly as `bigconv run` does; tests call this too."""
    return BigconvApp(db_path, station=station, mode=mode, event=event, clock=clock)
