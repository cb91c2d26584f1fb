"""The day's timetable: slots across, rooms down, every session with its lead and numbers."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import DataTable, Header, Static

from bigconv.core.clock import iso
from bigconv.data import timetable
from bigconv.data.timetable import SessionRow
from bigconv.net import session_url
from bigconv.tui.stations.base import LiveScreen
from bigconv.tui.widgets.footer import StationFooter


def cell(session: SessionRow | None, width: int) -> Text:
    """Two lines: the title, then lead and allocated/capacity; plain text, never markup."""
    if session is None:
        return Text("·", style="dim")
    title = session.title if len(session.title) <= width else session.title[: width - 1] + "…"
    lead = session.leads.split(";")[0].strip()
    # A plenary has no allocations by design: "0/900" would read as nobody coming.
    plenary = session.kind == "plenary"
    numbers = "everyone" if plenary else f"{session.allocated}/{session.capacity}"
    lead = lead[: max(0, width - len(numbers) - 2)]
    text = Text(title, style="bold")
    text.append("\n")
    text.append(lead, style="italic")
    text.append(" " * max(1, width - len(lead) - len(numbers)))
    full = not plenary and session.allocated >= session.capacity
    text.append(numbers, style="reverse" if full else "")
    return text


class TimetableScreen(LiveScreen):
    """Slots by rooms; arrows or the mouse move, the panel below shows the session in full."""

    CSS_PATH = "timetable.tcss"
    ROOM_WIDTH = 18
    MIN_WIDTH = 26  # a session's cell at least: a title and a lead read at this width
    MAX_WIDTH = 44  # and at most: wider only spreads a row out
    PADDING = 2  # DataTable's cell padding, one each side
    cell_width = MIN_WIDTH
    shown: object = None  # what was drawn last: nothing is rebuilt while it is the same

    def fit(self) -> int:
        """The session cells' width for the screen: as many whole slots as fit side by side,
        sharing the width between them (so a wide terminal shows titles whole, and a narrow
        one never shows a slot cut in two)."""
        slots = max(1, len(getattr(self, "slot_ids", [])) or 1)
        room = self.size.width - (self.ROOM_WIDTH + self.PADDING) - 1  # the scrollbar
        shown = max(1, min(slots, room // (self.MIN_WIDTH + self.PADDING)))
        return max(self.MIN_WIDTH, min(self.MAX_WIDTH, room // shown - self.PADDING))

    def on_resize(self) -> None:
        width = self.fit()
        if width != self.cell_width:
            self.cell_width = width
            self.shown = None  # rebuild at the new width
            self.refresh_data()

    def compose(self) -> ComposeResult:
        yield Header()
        with Vertical():
            # The room column stays put when ← → scroll the slots.
            yield DataTable(
                id="grid", cursor_type="cell", zebra_stripes=True, header_height=2, fixed_columns=1
            )
            yield Static(id="detail", markup=False)
        yield StationFooter()

    def on_mount(self) -> None:
        self.refresh_data()
        grid = self.query_one("#grid", DataTable)
        # Start on the slot running now (else the next, else the day's last).
        now = timetable.current_slot(self.db, self.now())
        column = 1 + (self.slot_ids.index(now["id"]) if now else 0)
        grid.cursor_coordinate = grid.cursor_coordinate._replace(column=column)
        grid.focus()
        self.set_interval(30, self.refresh_data)  # "now" moves on with the clock

    def is_now(self, slot: dict[str, Any] | None) -> bool:
        return slot is not None and slot["starts_at"] <= iso(self.now()) < slot["ends_at"]

    def slot_heading(self, slot: dict[str, Any], current: dict[str, Any] | None) -> Text:
        """The slot's label and times; the current one (see `current_slot`) says whether it is
        running now or is next."""
        start = self.bigconv.local(slot["starts_at"])
        end = self.bigconv.local(slot["ends_at"])
        mark = ""
        if current and current["id"] == slot["id"]:
            if self.is_now(current):
                mark = "● now "
            elif start > self.bigconv.local(self.now()):
                mark = "▸ next "
        text = Text(mark, style="bold reverse" if mark else "")
        text.append(f"{slot['label']}\n{start:%H:%M}-{end:%H:%M}")
        return text

    def wants(self, changes) -> bool:
        """Allocations and marks (people) change the numbers shown; reactions do not."""
        return changes.everything or bool(changes.attendees) or "attendees" in changes.topics

    def refresh_data(self) -> None:
        grid = self.query_one("#grid", DataTable)
        sessions = timetable.sessions(self.db)
        now = timetable.current_slot(self.db, self.now())  # the "● now" heading moves with time
        slots, rooms = timetable.slots(self.db), timetable.rooms(self.db)
        shown = (sessions, slots, rooms, now, self.is_now(now))
        if grid.row_count and shown == self.shown:
            return  # nothing it shows changed: rebuild nothing, paint nothing
        self.shown = shown
        self.by_cell = {(s.room_id, s.slot_id): s for s in sessions}
        cursor = grid.cursor_coordinate
        grid.clear(columns=True)
        self.slot_ids = [slot["id"] for slot in slots]
        self.cell_width = self.fit()
        grid.add_column(Text("Room"), key="room", width=self.ROOM_WIDTH)
        for slot in slots:
            grid.add_column(
                self.slot_heading(slot, now), key=str(slot["id"]), width=self.cell_width
            )
        self.room_ids = [room["id"] for room in rooms]
        for room in rooms:
            label = Text(room["name"], style="bold")
            label.append(f"\n{room['capacity']} seats", style="dim")
            cells = [
                cell(self.by_cell.get((room["id"], sid)), self.cell_width) for sid in self.slot_ids
            ]
            grid.add_row(label, *cells, key=str(room["id"]), height=2)
        if cursor.row < grid.row_count and cursor.column < len(grid.columns):
            grid.cursor_coordinate = cursor
        self.show_detail()

    def selected(self) -> SessionRow | None:
        grid = self.query_one("#grid", DataTable)
        row, column = grid.cursor_coordinate
        if not self.room_ids or column == 0 or column > len(self.slot_ids):
            return None
        return self.by_cell.get((self.room_ids[row], self.slot_ids[column - 1]))

    @on(DataTable.CellHighlighted, "#grid")
    def snap(self) -> None:
        """Scrolled sideways, the slots shown start at a slot's edge: never half a column."""
        self.call_after_refresh(self.snap_to_slot)

    def snap_to_slot(self) -> None:
        grid = self.query_one("#grid", DataTable)
        step = self.cell_width + self.PADDING
        if step <= 0 or not grid.max_scroll_x:
            return
        column = max(0, grid.cursor_coordinate.column - 1)  # slots only: the room stays put
        room = grid.size.width - (self.ROOM_WIDTH + self.PADDING) - 1
        shown = max(1, room // step)
        first = min(int(grid.scroll_x) // step, column)
        if column >= first + shown:
            first = column - shown + 1
        grid.scroll_to(x=min(first * step, grid.max_scroll_x), animate=False)

    @on(DataTable.CellHighlighted, "#grid")
    def show_detail(self) -> None:
        detail = self.query_one("#detail", Static)
        s = self.selected()
        if s is None:
            detail.update("Move to a session (arrow keys or mouse) to see it in full.")
            return
        app = self.bigconv
        lines = [
            s.title,
            f"{s.room} · {s.slot} {app.local(s.starts_at):%H:%M}-{app.local(s.ends_at):%H:%M} · code {s.code} · {session_url(app.base_url, s.code)}",
            f"Led by {s.leads or 'to be confirmed'} · for {s.audience} · "
            + (
                f"a plenary, so nobody is allocated · {s.capacity} seats · present {s.present}"
                if s.kind == "plenary"
                else f"allocated {s.allocated} of {s.capacity} · present {s.present}"
            ),
        ]
        if s.description:
            lines.append(s.description)
        detail.update("\n".join(lines))
