"""First screen of a station opened from a browser: its name, and which station it is."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.containers import Center, Vertical
from textual.widgets import (
    Button,
    Header,
    Label,
    RadioButton,
    RadioSet,
    Select,
    Static,
)

from bigconv.data import timetable
from bigconv.tui.stations.base import LiveScreen
from bigconv.tui.widgets.footer import StationFooter
from bigconv.tui.widgets.searchbox import OrderedInput

MODES = (
    ("desk", "Registration desk"),
    ("room", "Room host"),
    ("dashboard", "Organisers' dashboard"),
    ("timetable", "Timetable"),
)


class StationSetupScreen(LiveScreen):
    """Ask for the station's name and mode (and room), then open that station."""

    CSS_PATH = "setup.tcss"
    WATCHES = frozenset()
    VERTICAL_BREAKPOINTS = [(0, "-short"), (30, "-tall")]

    def compose(self) -> ComposeResult:
        yield Header()
        with Center(), Vertical(id="setup"):
            yield Static("Set up this station", id="setup-title")
            yield Label("Station name (recorded with everything done here)")
            yield OrderedInput(placeholder="for example: Desk 2", id="name", max_length=40)
            yield Label("This station is")
            with RadioSet(id="mode"):
                for index, (key, label) in enumerate(MODES):
                    yield RadioButton(label, value=index == 0, id=f"mode-{key}")
            yield Label("Room (for a room host)")
            yield Select([], id="room", prompt="Choose the room", disabled=True)
            yield Static("", id="setup-error", markup=False)
            yield Button("Open station", id="start", variant="primary")
        yield StationFooter()

    def on_mount(self) -> None:
        rooms = [(room["name"], room["name"]) for room in timetable.rooms(self.db)]
        self.query_one("#room", Select).set_options(rooms)
        self.query_one("#name", OrderedInput).focus()

    def chosen_mode(self) -> str:
        return MODES[self.query_one("#mode", RadioSet).pressed_index][0]

    @on(RadioSet.Changed, "#mode")
    def mode_changed(self) -> None:
        self.query_one("#room", Select).disabled = self.chosen_mode() != "room"

    @on(OrderedInput.Submitted, "#name")
    @on(Button.Pressed, "#start")
    def start(self) -> None:
        name = self.query_one("#name", OrderedInput).value.strip()
        mode = self.chosen_mode()
        room = self.query_one("#room", Select).value
        error = self.query_one("#setup-error", Static)
        if not name:
            error.update("Give the station a name first.")
            return
        if mode == "room" and room is Select.NULL:
            error.update("Choose the room this station is for.")
            return
        self.bigconv.open_station(name, mode, None if room is Select.NULL else str(room))
