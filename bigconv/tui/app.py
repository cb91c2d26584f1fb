"""The bigconv Textual app and the factory that builds it for the CLI and the tests.

Over 400 lines because the app is where a station's file, its live poll (what others
committed, paced and queued behind the keys typed) and its header meet; the screens, dialogs,
key reading and priority each live in modules of their own."""

from __future__ import annotations

import contextlib
import datetime as dt
import importlib
import sqlite3
import time
from collections.abc import Callable, Iterable
from dataclasses import replace
from functools import partial
from pathlib import Path
from typing import TypeVar

from textual import events
from textual.app import SystemCommand
from textual.binding import Binding
from textual.css.query import NoMatches
from textual.screen import Screen

from bigconv.core.clock import parse_iso, utcnow
from bigconv.core.errors import StoreError
from bigconv.core.text import PASTE_MAX
from bigconv.data import database
from bigconv.data.backup import PeriodicBackup, read_alert
from bigconv.data.checkpoint import Checkpointer
from bigconv.data.meta import get_meta
from bigconv.data.watch import ALL, EVERYTHING, NOTHING, Changes, ChangeWatcher
from bigconv.net import DEFAULT_PORT, phone_base_url
from bigconv.tui import priority
from bigconv.tui.config import PhoneSite, StationConfig
from bigconv.tui.plaintext import PlainText
from bigconv.tui.scans import ScanningApp

POLL_SECONDS = 0.25  # how often a station looks for commits while the day is busy
# ... and once nothing has been committed anywhere for IDLE_AFTER seconds: an idle station
# wakes half as often, and a change is still on screen within a second.
IDLE_POLL_SECONDS = 0.5
IDLE_AFTER = 30.0
KEYS_FIRST = 0.5  # seconds a refresh waits at most for the keys typed before it
BEHIND = 1.0  # seconds late, two polls in a row: the laptop is too busy for this station
BEHIND_SHOWN = 10.0  # seconds the header says so after the last late poll
ALERT_REPEAT = 120.0  # seconds between two showings of a standing backup alert
PLAIN_TEXT = PlainText()
STATIONS = (
    ("timetable", "Timetable", "F2: the day's slots, rooms and sessions"),
    ("desk", "Desk", "F3: registration desk: find or scan, check in, walk-ins"),
    ("room", "Room", "F4: a room's roster, headcount and QR code"),
    ("dashboard", "Dashboard", "F5: arrivals, rooms now, reactions, feedback, alerts"),
)
T = TypeVar("T")


def lazy(module: str, name: str) -> Callable[[], Screen]:
    """A mode's screen, imported when the mode first opens: a station (one process per browser
    tab) loads the code, and the libraries, of what it shows and nothing else."""

    def make() -> Screen:
        return getattr(importlib.import_module(f"bigconv.tui.stations.{module}"), name)()

    return make


class BigconvApp(ScanningApp):
    """One station: the desk, a room, the dashboard or the timetable, over one database file.

    Every key goes through the scan reader first (ScanningApp, bigconv/tui/scans.py): a badge
    scanned is recorded wherever the focus is."""

    CSS_PATH = "app.tcss"
    TITLE = "bigconv"
    MODES = {
        "timetable": lazy("timetable", "TimetableScreen"),
        "desk": lazy("desk", "DeskScreen"),
        "dashboard": lazy("dashboard", "DashboardScreen"),
        "room": lazy("room", "RoomScreen"),
        "setup": lazy("setup", "StationSetupScreen"),
    }
    BINDINGS = [
        Binding("f2", "switch_mode('timetable')", "Timetable"),
        Binding("f3", "switch_mode('desk')", "Desk"),
        Binding("f4", "switch_mode('room')", "Room"),
        Binding("f5", "switch_mode('dashboard')", "Dashboard"),
        Binding("ctrl+q", "quit", "Quit", priority=True, show=False),  # in the palette and README
        Binding("f12", "show_passcode", show=False),
        # Priority: the focus moves when the key arrives, so letters typed straight after Tab
        # land in the next field, not the one being left (see widgets/searchbox.py).
        Binding("tab", "focus_next", show=False, priority=True),
        Binding("shift+tab", "focus_previous", show=False, priority=True),
    ]

    cursor_blink = True
    """False: text boxes show a steady cursor (pictures and snapshots are then the same every
    time, whatever instant they are taken at)."""

    def __init__(self, db_path: Path, config: StationConfig | None = None):
        super().__init__()
        self.config = config = config or StationConfig()
        self.backups = (
            PeriodicBackup(db_path, every=config.backup_every) if config.backup_every else None
        )
        self.db_path = Path(db_path)
        self.event = event = config.event
        self.clock = config.clock or utcnow
        self.problem: str | None = None
        self.backup_alert: str | None = None
        self.alert_shown = 0.0
        self.db = database.connect(self.db_path)
        self.watcher = ChangeWatcher(self.db)
        self.tz = event.tz if event else dt.UTC
        self.event_name = get_meta(self.db, "event_name") or "bigconv"
        # The one phone address this station shows and encodes: given by the process that
        # serves the phones (browser stations), else base_url, else where this app listens.
        self.base_url = phone_base_url(
            event.base_url if event else get_meta(self.db, "base_url") or None,
            config.serve_port or DEFAULT_PORT,
            config.serve_host,
            public_url=config.public_url,
        )
        self.pending: Changes = NOTHING  # gathered for `pending_for` until it may refresh
        self.pending_for = None
        self.due: Changes = NOTHING  # a refresh queued behind the keys typed, for these
        self.refreshed_at = 0.0
        self.polled_at = time.monotonic()  # when the last poll ran (see note_lag)
        self.late_polls = 0  # polls in a row that came BEHIND seconds late or more
        self.behind_until = 0.0  # the header says the station runs behind until then
        self.refreshes = 0  # live refreshes of the visible screen (the tests count them)
        self.phone_site = config.phone_site  # served in this app's loop, if handed one
        self.phone_message = ""
        self.show_station()
        if not event and (tzname := get_meta(self.db, "timezone")):
            import zoneinfo

            self.tz = zoneinfo.ZoneInfo(tzname)
        self.show_title()

    def show_title(self) -> None:
        """The header's first line: the event; a rehearsal's says REHEARSAL and its time first."""
        rehearsal = self.config.rehearsal
        now = f" {self.local(self.clock()):%H:%M} · " if rehearsal else ""
        self.title = f"{rehearsal or ''}{now}{self.event_name}"

    @property
    def station(self) -> str:
        """This station's name, written with every action it takes."""
        return self.config.station

    @property
    def room(self) -> str | None:
        """The room mode's room by name; None: it asks."""
        return self.config.room

    def get_line_filters(self):
        """Textual's filters, then ours: no control character or bidi override reaches the
        terminal from any widget (bigconv/core/text.py has the rule)."""
        return [*super().get_line_filters(), PLAIN_TEXT]

    async def pass_on(self, event: events.Event) -> None:
        """A paste longer than PASTE_MAX characters is cut to it, and the station says so (a
        pasted document would stall the screen; no name or code is that long)."""
        if isinstance(event, events.Paste) and len(event.text) > PASTE_MAX:
            self.notify(
                f"Pasted text cut to {PASTE_MAX:,} characters.", severity="warning", markup=False
            )
            event = events.Paste(event.text[:PASTE_MAX])
        await super().pass_on(event)

    def on_mount(self) -> None:
        self.switch_mode(self.config.mode)
        if self.config.rehearsal:  # plain on every screen: the header, in its own colour
            self.add_class("-rehearsal")
            self.set_interval(5, self.show_title)
        self.poll_every = POLL_SECONDS
        self.poll_timer = self.set_interval(self.poll_every, self.poll_changes)
        self.last_commit = self.polled_at = time.monotonic()
        if self.config.backup_every:
            self.set_interval(self.config.backup_every, self.start_backup)
        # The first long-running process to start checkpoints for all (data/checkpoint.py).
        self.checkpointer = Checkpointer(self.db_path).start()
        if self.phone_site:
            self.run_worker(self.start_phone_site(self.phone_site), name="phone-site")
        # After the first screen is up: a toast raised before it would go with the default one.
        self.call_after_refresh(self.show_notices)

    def show_notices(self) -> None:
        for notice in self.config.notices:
            self.notify(notice, markup=False, timeout=30)

    def start_backup(self) -> None:
        """Back up in a thread (it opens its own connections); skip if one is still running."""
        busy = any(w.group == "backup" and w.is_running for w in self.workers)
        if self.backups and not busy:
            self.run_worker(self._backup, thread=True, group="backup")

    def _backup(self) -> None:
        if self.backups and self.backups.backup_now() is None:
            message = f"Backup failed: {self.backups.last_error}"
            self.call_from_thread(self.notify, message, severity="warning", markup=False)

    def show_station(self, note: str = "") -> None:
        """The header's second line: this station, and where phones go if it serves them (or
        a note: that it runs behind); a database problem's warning stays until it is over."""
        if self.problem:
            return
        extra = note or self.phone_message
        self.sub_title = f"Station: {self.station}" + (f" · {extra}" if extra else "")

    def open_station(self, name: str, mode: str, room: str | None = None) -> None:
        """Become the named station in the given mode (from the browser set-up screen)."""
        self.config = replace(
            self.config, station=name, room=self.config.room if room is None else room
        )
        self.show_station()
        self.switch_mode(mode)

    def switch_mode(self, mode: str):  # type: ignore[override]  # Textual's, then the priority
        """Open a mode; a browser station (one of many processes on the serving laptop) that
        only shows figures gives way to the phones, desks and rooms (see `priority`)."""
        done = super().switch_mode(mode)
        if self.config.give_way:
            priority.for_mode(mode, self.notify)
        return done

    def get_system_commands(self, screen) -> Iterable[SystemCommand]:
        """The command palette (ctrl+p): every station, every key of the screen it was opened
        on (so "walk-in" or "undo" are found by typing), the passcode, and Textual's own."""
        for mode, title, help_text in STATIONS:
            yield SystemCommand(title, help_text, partial(self.switch_mode, mode))
        seen = set()
        for active in screen.active_bindings.values():
            binding = active.binding
            if not binding.description or binding.action in seen or active.node is self:
                continue
            seen.add(binding.action)
            run = partial(self.run_action, binding.action, active.node)
            yield SystemCommand(
                binding.description, f"{self.get_key_display(binding)} on this screen", run
            )
        yield SystemCommand(
            "Show the staff passcode",
            "F12: for browser stations; shown until Esc (never on a projected screen)",
            self.action_show_passcode,
        )
        yield from super().get_system_commands(screen)

    def action_show_passcode(self) -> None:
        """The staff passcode in a dialog until dismissed (never in the header or a toast)."""
        from bigconv.data.passcode import staff_passcode
        from bigconv.tui.dialogs.passcode import PasscodeScreen

        passcode = self.guarded(staff_passcode, self.db)
        if passcode is not None:
            self.push_screen(PasscodeScreen(passcode, f"{self.base_url}{self.config.staff_prefix}"))

    def guarded(self, action: Callable[..., T], *args, **kwargs) -> T | None:
        """Run a database action; if the database fails (locked, read-only, disk full, damaged,
        missing), the transaction was rolled back: say so, keep the station open and retry."""
        try:
            return action(*args, **kwargs)
        except (sqlite3.Error, StoreError) as error:
            self.report_problem(error)
            return None

    def report_problem(self, error: BaseException) -> None:
        """Show that nothing is being saved, and why, until the database works again."""
        message = database.describe(error, self.db_path)
        if message != self.problem:
            self.notify(
                f"Not saved: {message}. Retrying by itself.",
                title="Database problem",
                severity="error",
                timeout=10,
                markup=False,
            )
        self.problem = message
        self.sub_title = f"⚠ DATABASE PROBLEM, NOTHING IS BEING SAVED: {message}"

    def try_recover(self) -> None:
        """Reconnect if the file came back or was replaced, then check it reads and writes."""
        try:
            if database.file_replaced(self.db):
                self.db.close()
                self.db = database.connect(self.db_path)
                self.watcher = ChangeWatcher(self.db)
            database.probe(self.db, self.station)
        except (sqlite3.Error, StoreError) as error:
            self.report_problem(error)
            return
        self.problem = None
        self.show_station()
        self.notify("The database works again; carry on.", title="Recovered", timeout=6)
        self.refresh_screen(self.visible_screen())

    async def start_phone_site(self, site: PhoneSite) -> None:
        """Serve the phone site in this app's loop and show where phones should go."""
        message = await site.start()
        self.phone_message = message
        self.show_station()
        self.notify(message, markup=False, timeout=10)

    def check_backup_alert(self) -> None:
        """Show the backup alert (a damaged database, data/backup.py) when it appears, and
        again every ALERT_REPEAT seconds while it stands: whichever process backs up."""
        alert = read_alert(self.db_path)
        now = time.monotonic()
        if alert and (alert != self.backup_alert or now - self.alert_shown >= ALERT_REPEAT):
            self.notify(alert, title="Backups", severity="error", timeout=30, markup=False)
            self.alert_shown = now
        self.backup_alert = alert

    def poll_changes(self) -> None:
        """Tell the visible screen what anyone (another process, or this one) committed, if it
        shows any of it; changes arriving faster than the screen's pace are gathered.

        The refresh itself waits behind the keys already typed (`call_later` queues it after
        them): nothing a person typed is delayed behind a redraw."""
        self.check_backup_alert()
        self.note_lag()
        if self.problem:
            self.try_recover()
            return
        try:
            changes = self.watcher.poll()
            database.check_file(self.db)
        except (sqlite3.Error, StoreError) as error:
            self.report_problem(error)
            return
        self.pace_polls(bool(changes))
        screen = self.visible_screen()
        if screen is not self.pending_for:
            self.pending, self.pending_for = NOTHING, screen
        changes = self.pending | changes
        if screen is None or not changes:
            return
        wants = getattr(screen, "wants", None)
        if not (wants(changes) if wants else changes.touches(ALL)):
            self.pending = NOTHING
            return
        pace = getattr(screen, "pace", None)
        if time.monotonic() - self.refreshed_at < (pace(changes) if pace else 0.0):
            self.pending = changes
            return
        self.pending = NOTHING
        self.refreshed_at = time.monotonic()
        self.refreshes += 1
        queued = bool(self.due)
        self.due |= changes
        if not queued:
            self.call_later(self.refresh_due, screen, time.monotonic() + KEYS_FIRST)

    def refresh_due(self, screen, by: float) -> None:
        """The refresh `poll_changes` queued, if its screen is still the one shown: once the
        keys typed before it are handled (until `by` at most: a redraw is not put off for ever
        by someone typing)."""
        if self.busy_with_keys and time.monotonic() < by:
            self.call_later(self.refresh_due, screen, by)
            return
        changes, self.due = self.due, NOTHING
        if screen is self.visible_screen():
            self.refresh_screen(screen, changes)

    def note_lag(self) -> None:
        """Say in the header when this station runs behind (polls come late one after another:
        the laptop is too busy for it), so nobody takes its figures for the last word; cleared
        once it keeps up. One late poll is not enough: opening a screen can take a second."""
        now = time.monotonic()
        late = now - self.polled_at - self.poll_every
        self.polled_at = now
        self.late_polls = self.late_polls + 1 if late >= BEHIND else 0
        if self.late_polls >= 2:
            self.behind_until = now + BEHIND_SHOWN
            self.show_station(f"⏳ running {late:.0f} s behind: figures may be that old")
        elif self.behind_until and now >= self.behind_until:
            self.behind_until = 0.0
            self.show_station()

    def pace_polls(self, committed: bool) -> None:
        """Poll every POLL_SECONDS while commits arrive, every IDLE_POLL_SECONDS after
        IDLE_AFTER seconds without one."""
        now = time.monotonic()
        if committed:
            self.last_commit = now
        wanted = IDLE_POLL_SECONDS if now - self.last_commit >= IDLE_AFTER else POLL_SECONDS
        if wanted != self.poll_every:
            self.poll_every = wanted
            self.poll_timer.stop()
            self.poll_timer = self.set_interval(wanted, self.poll_changes)

    def visible_screen(self):
        """The screen on top of the current mode's stack, or None while screens change (a
        mode being switched or the app shutting down can leave the stack empty for a moment)."""
        stack = self.screen_stack if self.is_running else None
        return stack[-1] if stack else None

    def refresh_screen(self, screen, changes: Changes = EVERYTHING) -> None:
        """Have a station screen show these changes (if it is one, and is up)."""
        refresh = getattr(screen, "refresh_changes", None)
        if refresh and screen.is_mounted:
            # While a screen is being built or taken down its widgets may be missing; the
            # next poll refreshes it.
            with contextlib.suppress(NoMatches):
                self.guarded(refresh, changes)

    def local(self, moment: dt.datetime | str) -> dt.datetime:
        """A stored UTC time in the event's time zone."""
        if isinstance(moment, str):
            moment = parse_iso(moment)
        return moment.astimezone(self.tz)

    async def on_unmount(self) -> None:
        if self.phone_site:
            await self.phone_site.stop()
        if checkpointer := getattr(self, "checkpointer", None):
            checkpointer.stop()
        self.db.close()


def make_app(db_path: Path, config: StationConfig | None = None) -> BigconvApp:
    """Build the app as `bigconv run` does; tests call this too (it serves a phone site only if
    `config.phone_site` is given: bigconv.cli.compose.make_station_app gives one)."""
    return BigconvApp(db_path, config)
