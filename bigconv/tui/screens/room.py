"""The room host's screen: the current session, who is here and who is missing, and its QR code."""

from __future__ import annotations

import contextlib

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Button, DataTable, Footer, Header, Input, Static
from textual.widgets.data_table import RowDoesNotExist

from bigconv.data import attendance, search
from bigconv.data.attendance import ELSEWHERE, FULL, MARKED, RosterEntry
from bigconv.data.timetable import SessionRow
from bigconv.net import session_url
from bigconv.tui.screens.base import LiveScreen
from bigconv.tui.screens.over_capacity import OverCapacity
from bigconv.tui.screens.qr_view import COMMIT_PROMPT, QrView, fit_scale
from bigconv.tui.screens.room_picker import RoomPicker
from bigconv.tui.widgets.qr import QrCode

SEARCH_LIMIT = 30
QR_SPARE_LINES = 6  # header, footer, URL, reactions heading and a blank line or two
CLOCK_SECONDS = 20  # how often to look at the clock for the next session, without any commit


class RosterTable(DataTable):
    """The roster; space ticks the highlighted person like Enter does."""

    BINDINGS = [Binding("space", "select_cursor", "Tick", show=False)]


class RoomScreen(LiveScreen):
    """One room: its current session, the roster to tick off, headcount, reactions and QR code."""

    CSS_PATH = "room.tcss"
    BINDINGS = [
        Binding("f6", "step(-1)", "Prev"),
        Binding("f7", "step(1)", "Next"),
        Binding("f8", "qr_view", "Big QR"),
        Binding("f9", "pick_room", "Rooms"),
        # Near the end of a session: the QR code with "before you go: one thing you'll try".
        Binding("f10", "qr_commit", show=False),
        Binding("ctrl+z", "undo", "Undo"),
        Binding("down", "roster('down')", show=False),
        Binding("up", "roster('up')", show=False),
        Binding("escape", "clear_search", show=False),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.room: dict | None = None
        self.session: SessionRow | None = None
        self.follow_clock = True  # until the host steps to another session
        self.index: search.AttendeeIndex | None = None
        self.roster: list[RosterEntry] = []
        self.shown: list[tuple] = []  # rows on screen, so an unchanged refresh redraws nothing
        self.url = ""

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="room-body"):
            with Vertical(id="room-left"):
                yield Static(id="session-info", markup=False)
                yield Static(id="headcount", markup=False)
                yield Input(placeholder="Scan a badge, or type a name + Enter", id="search")
                yield Static(id="list-title", markup=False)
                yield RosterTable(id="roster", cursor_type="row", zebra_stripes=True)
            with VerticalScroll(id="room-right"):
                yield QrCode(id="qr")
                yield Static(id="url", markup=False)
                yield Static(id="reactions", markup=False)
        yield Footer()

    def wants(self, changes) -> bool:
        """Only changes to this session (reactions, feedback, marks) or to the people listed:
        twenty rooms do not repaint for another room's reactions."""
        if self.room is None or self.session is None:
            return changes.everything
        if changes.everything or self.session.id in changes.sessions:
            return True
        return not changes.attendees.isdisjoint(row[0] for row in self.shown)

    def on_mount(self) -> None:
        roster = self.query_one("#roster", DataTable)
        for label, key in (
            ("Here", "here"),
            ("Name", "name"),
            ("Note", "note"),
            ("School", "school"),
        ):
            roster.add_column(Text(label), key=key)
        self.set_interval(CLOCK_SECONDS, self.refresh_data)
        self.query_one("#search", Input).focus()
        room = attendance.find_room(self.db, self.bigconv.room) if self.bigconv.room else None
        if room:
            self.choose_room(room["id"])
        else:
            self.refresh_data()
            self.action_pick_room()

    # -- choosing what to show -------------------------------------------------------------

    def choose_room(self, room_id: int | None) -> None:
        if room_id is None:
            return
        self.room = attendance.get_room(self.db, room_id)
        self.follow_clock = True
        self.session = None
        self.refresh_data()

    def action_pick_room(self) -> None:
        self.app.push_screen(RoomPicker(), self.choose_room)

    def action_step(self, step: int) -> None:
        if self.session is None:
            return
        other = attendance.adjacent_session(self.db, self.session.id, step)
        if other is None:
            self.notify("No more sessions in this room that way.", markup=False)
            return
        now_session = attendance.current_session(self.db, self.room["id"], self.now())
        self.follow_clock = now_session is not None and other.id == now_session.id
        self.show_session(other)

    def show_session(self, session: SessionRow) -> None:
        changed = self.session is None or session.id != self.session.id
        self.session = session
        if changed:
            self.shown = []
            self.query_one("#search", Input).value = ""
        self.refresh_data()

    # -- drawing -----------------------------------------------------------------------------

    def refresh_data(self) -> None:
        """Re-read the session, roster and reactions; redraw only what changed."""
        if self.room is None:
            self.show("#session-info", "No room chosen: press F9.")
            return
        if self.follow_clock:
            self.session = attendance.current_session(self.db, self.room["id"], self.now())
        elif self.session:
            self.session = attendance.session_by_id(self.db, self.session.id)
        self.roster = attendance.roster(self.db, self.session.id) if self.session else []
        self.show_info()
        self.show_list()
        self.show_qr_and_reactions()

    def show_info(self) -> None:
        s = self.session
        count = self.query_one("#headcount", Static)
        if s is None:
            self.show(
                "#session-info", Text(f"{self.room['name']}: no sessions in this room today.")
            )
            self.show("#headcount", "")
            return
        app = self.bigconv
        text = Text(s.title, style="bold")
        text.append(f"\n{app.local(s.starts_at):%H:%M}–{app.local(s.ends_at):%H:%M} {s.slot}")
        text.append(f" · {s.room}")
        text.append(f"\ncode {s.code} · {self.when_label(s)}", style="italic")
        text.append(f" · led by {s.leads}" if s.leads else " · lead to be confirmed")
        self.show("#session-info", text)
        self.show("#headcount", headcount_text(attendance.headcount(self.db, s.id), self.roster))
        count.set_class(s.present >= s.capacity, "full")

    def when_label(self, s: SessionRow) -> str:
        now = self.now()
        if s.start_time <= now < s.end_time:
            return "on now"
        if s.start_time > now:
            minutes = int((s.start_time - now).total_seconds() // 60)
            if minutes < 120:
                return f"starts in {minutes} min"
            start = self.bigconv.local(s.starts_at)
            return (
                "later today"
                if start.date() == self.bigconv.local(now).date()
                else f"{start:%a %d %b}"
            )
        return "finished"

    def show_list(self) -> None:
        query = self.query_one("#search", Input).value.strip()
        if len(query) >= search.MIN_QUERY and self.session:
            entries = self.matches(query)
            title = Text(f"Matches for “{query}”: Enter marks the highlighted one", style="bold")
        else:
            entries = self.roster
            missing = sum(1 for e in entries if e.allocated and not e.present)
            title = Text(f"Expected here: {missing} still missing", style="bold")
        self.show("#list-title", title)
        self.fill(entries)

    def matches(self, query: str) -> list[RosterEntry]:
        if self.index is None:
            self.index = search.AttendeeIndex(self.db)
        found = search.search_attendees(self.db, query, SEARCH_LIMIT, index=self.index)
        entries = attendance.entries_for(self.db, self.session.id, [m.person.id for m in found])
        # people expected here first, then the rest in the search's own ranking
        return sorted(entries, key=lambda e: not e.allocated)

    def fill(self, entries: list[RosterEntry]) -> None:
        rows = [(e.person.id, *row_cells(e, self.bigconv.local)) for e in entries]
        if rows == self.shown:
            return
        table = self.query_one("#roster", DataTable)
        keep = self.highlighted_id()
        table.clear()
        for pid, *cells in rows:
            table.add_row(*(Text(c) for c in cells), key=str(pid))
        self.shown = rows
        if keep is not None:
            self.move_to(keep)

    def show_qr_and_reactions(self) -> None:
        s = self.session
        qr = self.query_one("#qr", QrCode)
        if s is None:
            qr.text = ""
            self.show("#url", "")
            self.show("#reactions", "")
            return
        self.url = session_url(self.base_url(), s.code)
        qr.text = self.url
        self.fit_qr()
        self.show("#url", Text(self.url, style="bold", justify="center"))
        text = Text("Reactions\n", style="bold")
        for c in attendance.reaction_counts(self.db, s.id):
            text.append(f"{c.emoji} {c.label}".ljust(20) + f"{c.count:>4}\n", style="")
        self.show("#reactions", text)

    def on_resize(self) -> None:
        self.fit_qr()

    def fit_qr(self) -> None:
        """As large as a third of the width and the height left over from the URL allow."""
        qr = self.query_one("#qr", QrCode)
        width, height = self.size
        qr.scale = fit_scale(qr.modules, width // 3, height - QR_SPARE_LINES)

    def base_url(self) -> str:
        return self.bigconv.base_url  # the app's one phone address

    # -- the roster cursor --------------------------------------------------------------------

    def highlighted_id(self) -> int | None:
        table = self.query_one("#roster", DataTable)
        if table.row_count == 0:
            return None
        key, _ = table.coordinate_to_cell_key(table.cursor_coordinate)
        return int(key.value)

    def move_to(self, attendee_id: int) -> None:
        table = self.query_one("#roster", DataTable)
        with contextlib.suppress(RowDoesNotExist):  # not in this list (any more)
            table.move_cursor(row=table.get_row_index(str(attendee_id)))

    def action_roster(self, direction: str) -> None:
        table = self.query_one("#roster", DataTable)
        table.action_cursor_down() if direction == "down" else table.action_cursor_up()

    def action_clear_search(self) -> None:
        self.query_one("#search", Input).value = ""

    # -- marking -------------------------------------------------------------------------------

    @on(Input.Changed, "#search")
    def search_changed(self, event: Input.Changed) -> None:
        if self.session is None:
            return
        self.show_list()
        table = self.query_one("#roster", DataTable)
        if event.value.strip() and table.row_count:
            table.move_cursor(row=0)  # the best match, which Enter marks

    @on(Input.Submitted, "#search")
    def search_submitted(self, event: Input.Submitted) -> None:
        text = event.value.strip()
        if not text or self.session is None:
            return
        person = search.find_badge(self.db, text)
        if person is None and attendance.looks_like_badge(text):
            self.notify(f"Unknown badge code “{text}”.", severity="warning", markup=False)
            event.input.value = ""
            return
        if person is None and len(text) >= search.MIN_QUERY:
            person_id = self.highlighted_id()
        else:
            person_id = person.id if person else None
        if person_id is None:
            self.notify(f"No one matches “{text}”.", severity="warning", markup=False)
            return
        event.input.value = ""
        self.mark(person_id)

    @on(DataTable.RowSelected, "#roster")
    def row_ticked(self, event: DataTable.RowSelected) -> None:
        self.mark(int(event.row_key.value))

    def mark(self, attendee_id: int, *, override: bool = False, move: bool = False) -> None:
        s = self.session
        if s is None:
            return
        result = self.guarded(
            attendance.mark_present,
            self.db,
            s.id,
            attendee_id,
            station=self.bigconv.station,
            at=self.now(),
            override=override,
            move=move,
        )
        if result is None:  # the database failed; the header says why and nothing was marked
            return
        person = search.get_person(self.db, attendee_id)
        if result.status == ELSEWHERE:  # one place per slot: the host chooses
            message = (
                f"{person.name} is present in {result.other.name} since"
                f" {self.bigconv.local(result.at):%H:%M} ({result.station}).\n"
                f"Move them to {s.title} ({s.room})? The move is recorded; the first mark is kept."
            )
            self.app.push_screen(
                MoveHere(message),
                lambda ok: self.mark(attendee_id, override=override, move=True) if ok else None,
            )
            return
        if result.status == FULL:
            message = (
                f"{s.room} is full: {result.present} present, capacity {result.capacity}.\n"
                f"Add {person.name} anyway? The override is recorded."
            )
            self.app.push_screen(
                OverCapacity(message),
                lambda ok: self.mark(attendee_id, override=True, move=move) if ok else None,
            )
            return
        self.refresh_data()
        self.move_to(attendee_id)
        self.notify(
            mark_message(result, person.name, self.bigconv.local),
            markup=False,
            severity="information" if result.status == MARKED else "warning",
        )

    def action_undo(self) -> None:
        attendee_id = self.highlighted_id()
        if self.session is None or attendee_id is None:
            return
        person = search.get_person(self.db, attendee_id)
        undone = self.guarded(
            attendance.undo_mark,
            self.db,
            self.session.id,
            attendee_id,
            station=self.bigconv.station,
            at=self.now(),
        )
        if undone is None:
            self.notify(f"{person.name} is not marked present here.", markup=False)
            return
        self.refresh_data()
        extra = " and their check-in" if undone.checkin_undone else ""
        self.notify(f"Undone: {person.name}'s attendance{extra}.", markup=False)

    def action_qr_view(self) -> None:
        if self.session:
            self.app.push_screen(QrView(self.url, f"{self.session.title} · {self.session.room}"))

    def action_qr_commit(self) -> None:
        if self.session:
            title = f"{self.session.title} · {self.session.room}"
            self.app.push_screen(QrView(f"{self.url}#commit", title, COMMIT_PROMPT))


class MoveHere(OverCapacity):
    """True: move the person here (their first mark is kept, stamped moved); False: leave it."""

    BINDINGS = [
        Binding("y", "answer(True)", "Move here"),
        Binding("n,escape", "answer(False)", "Cancel"),
    ]

    def compose(self) -> ComposeResult:
        with Vertical(id="over-capacity"):
            yield Static("⇄ Present in another session of this slot", id="over-capacity-title")
            yield Static(self.message, markup=False)
            with Horizontal(id="over-capacity-buttons"):
                yield Button("Move here (y)", variant="warning", id="yes")
                yield Button("Cancel (n)", variant="primary", id="no")


def row_cells(e: RosterEntry, local) -> tuple[str, str, str, str]:
    """Here, name, note, school: plain strings, made into Text (never markup) by the caller."""
    here = f"✓ {local(e.present_at):%H:%M}" if e.present else "·"
    if e.present and not e.allocated:
        note = "walk-in, over capacity" if e.override else "walk-in"
    elif e.present:
        note = "over capacity" if e.override else ""
    elif not e.allocated:
        note = f"booked: {e.allocated_elsewhere}" if e.allocated_elsewhere else "not booked here"
    elif e.checked_in_at:
        note = f"arrived {local(e.checked_in_at):%H:%M}"
    else:
        note = "not arrived"
    return here, e.person.name, note, e.person.school


def headcount_text(count: attendance.Headcount | None, roster: list[RosterEntry]) -> Text:
    """Present against capacity; FULL spelled out with an icon, not shown by colour alone."""
    if count is None:
        return Text("")
    walk_ins = sum(1 for e in roster if e.present and not e.allocated)
    text = Text()
    if count.full:
        text.append(" ⛔ FULL ", style="bold reverse")
        text.append(" ")
    text.append(f"Present {count.present} of {count.capacity} seats", style="bold")
    text.append(f" · {count.allocated} allocated · {walk_ins} walk-in{'s' * (walk_ins != 1)}")
    return text


def mark_message(result: attendance.MarkResult, name: str, local) -> str:
    if result.status == MARKED:
        extras = [
            label
            for flag, label in (
                (result.walk_in, "walk-in"),
                (result.override, "over capacity"),
                (result.checked_in, "checked in too"),
            )
            if flag
        ]
        tail = f" ({', '.join(extras)})" if extras else ""
        moved = f" (moved from {result.other.name})" if result.moved else ""
        return f"✓ {name} present{moved}{tail}: {result.present}/{result.capacity}"
    return f"{name} was already marked present at {local(result.at):%H:%M} by {result.station}."
