"""Pick the room this screen looks after."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Header, Static

from bigconv.data import attendance
from bigconv.tui.stations.base import LiveScreen
from bigconv.tui.widgets.columns import widest
from bigconv.tui.widgets.footer import StationFooter


class RoomPicker(LiveScreen):
    """Every room with what runs there now; Enter or a click on a chosen row picks it."""

    CSS_PATH = "room_picker.tcss"
    BINDINGS = [Binding("escape", "dismiss(None)", "Back")]

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(
            "Which room is this screen for? Arrows and Enter (or double click).",
            id="picker-help",
            markup=False,
        )
        yield DataTable(id="rooms", cursor_type="row", zebra_stripes=True)
        yield StationFooter()

    def on_mount(self) -> None:
        table = self.query_one("#rooms", DataTable)
        table.add_column(Text("Room"))
        table.add_column(Text("Present"))
        # What runs there takes the rest of the width, cut with "…" on a narrow terminal.
        rooms = attendance.room_states(self.db, self.now())
        room = widest((r.room for r in rooms), 4)
        table.add_column(Text("Now or next"), width=max(12, self.app.size.width - room - 22))
        self.refresh_data()
        table.focus()

    def refresh_data(self) -> None:
        table = self.query_one("#rooms", DataTable)
        cursor = table.cursor_coordinate
        table.clear()
        for state in attendance.room_states(self.db, self.now()):
            title = state.session.title if state.session else "no sessions"
            count = f"{state.present}/{state.capacity}" + (" FULL" if state.full else "")
            title_text = Text(title, no_wrap=True, overflow="ellipsis")
            table.add_row(Text(state.room), Text(count), title_text, key=str(state.room_id))
        if cursor.row < table.row_count:
            table.move_cursor(row=cursor.row)

    @on(DataTable.RowSelected, "#rooms")
    def picked(self, event: DataTable.RowSelected) -> None:
        if event.row_key.value is not None:  # every row's key is its room's id
            self.dismiss(int(event.row_key.value))
