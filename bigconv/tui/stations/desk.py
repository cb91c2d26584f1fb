"""The registration desk: find anyone as you type or scan a badge, check in with Enter, never twice."""

from __future__ import annotations

import datetime as dt

from rich.cells import cell_len
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import DataTable, Header, Input, Static

from bigconv.data import desk
from bigconv.data.checkin import CheckInResult, check_in, last_checkin_by, undo_checkin
from bigconv.data.search import (
    MIN_QUERY,
    AttendeeIndex,
    Match,
    Person,
    fold,
    get_person,
    search_attendees,
)
from bigconv.services.identify import NO_MATCH, UNKNOWN_BADGE, One, Outcome, Unknown, as_good_as
from bigconv.tui.dialogs.walkin import PlacesScreen, WalkIn, WalkInScreen
from bigconv.tui.stations.base import LiveScreen
from bigconv.tui.widgets.banner import Banner
from bigconv.tui.widgets.columns import PADDING, clip_text, fit_widths, widest
from bigconv.tui.widgets.counters import Counters
from bigconv.tui.widgets.footer import StationFooter
from bigconv.tui.widgets.person_picker import PersonPicker
from bigconv.tui.widgets.searchbox import SearchBox

RESULT_COLUMNS = ("Name", "Checked in", "School", "Role")
RECENT = dt.timedelta(minutes=10)
LIMIT = 30  # the top few dozen: drawing more only slows every keystroke
NOT_FOUND = {
    NO_MATCH: "Nobody matches this name or badge. F6 registers a walk-in.",
    UNKNOWN_BADGE: "Nobody has this badge code. F6 registers a walk-in.",
}
READY = (
    "Type part of a name, school or email (two letters or more), or scan a badge.",
    "↑ ↓ move, Enter checks in the highlighted person, Esc clears.",
    "F6 registers a walk-in, F8 undoes this desk's last check-in.",
)


class DeskScreen(LiveScreen):
    """Search box always focused; Enter checks in the highlighted person or a scanned badge."""

    CSS_PATH = "desk.tcss"
    AUTO_FOCUS = "#search"
    # Below 100 columns the counters become one line under the results (see desk.tcss).
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (100, "-wide")]
    VERTICAL_BREAKPOINTS = [(0, "-short"), (32, "-tall")]
    BINDINGS = [
        # Enter and Esc are handled by the search box itself (see SearchBox); these show them in
        # the footer and act only if the focus is somewhere else.
        Binding("enter", "check_in", "Check in"),
        Binding("escape", "clear", "Clear", show=False),
        Binding("f6", "walk_in", "Walk-in"),
        Binding("f8", "undo", "Undo last"),
    ]

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="desk-body"):
            with Vertical(id="main"):
                yield PersonPicker(
                    placeholder="Name, school, email, or scan a badge",
                    id="search",
                    select_on_focus=False,
                    listing=self.listing,
                    db=lambda: self.db,
                    clock=self.now,
                )
                yield Static(id="choose", markup=False)
                yield DataTable(id="results", cursor_type="row", zebra_stripes=True)
                yield Banner(id="banner")
            yield Counters(id="counters")
        yield StationFooter()

    def on_mount(self) -> None:
        self.index = AttendeeIndex(self.db)
        self.matches: list[Match] = []
        self.shown_query = ""  # what the list shows now (the benchmark waits for it)
        self.widths: list[int] = []  # the results' column widths as drawn (see fit_columns)
        table = self.query_one("#results", DataTable)
        table.can_focus = False  # keys stay in the search box; arrows move this table's cursor
        self.query_one(Banner).show("info", "", READY)
        self.show_results(False)
        self.refresh_data()
        self.set_interval(15, self.refresh_counters)  # "last 10 minutes" slides with the clock

    def wants(self, changes) -> bool:
        """Check-ins, walk-ins and imports change what a desk shows; reactions do not."""
        return changes.everything or bool(changes.attendees) or "attendees" in changes.topics

    def refresh_data(self) -> None:
        """Another desk (or this one) committed: fresh counters and check-in states."""
        self.refresh_counters()
        if self.matches:
            self.run_search(self.query_one("#search", Input).value, keep_cursor=True)

    def on_resize(self) -> None:
        if self.matches:  # widths for the new size
            self.call_after_refresh(self.run_search, self.shown_query, True)

    def refresh_counters(self) -> None:
        numbers = desk.arrivals(self.db, self.now() - RECENT)
        if numbers != getattr(self, "counted", None):  # unchanged: paint nothing
            self.counted = numbers
            self.query_one(Counters).show(numbers)

    # Searching

    @on(Input.Changed, "#search")
    def search_changed(self, event: Input.Changed) -> None:
        self.run_search(event.value)

    def run_search(self, query: str, keep_cursor: bool = False) -> None:
        table = self.query_one("#results", DataTable)
        self.shown_query = query
        if len(fold(query).replace(" ", "")) < MIN_QUERY:
            self.matches = []
            self.show_results(False)
            return
        # A refresh keeps the highlight on the same person, not the same row: a list that
        # changed under the clerk's finger must not hand Enter to someone else.
        was = self.matches[table.cursor_row].person.id if keep_cursor and self.matches else None
        self.matches = search_attendees(self.db, query, LIMIT, index=self.index)
        ids = [m.person.id for m in self.matches]
        row = ids.index(was) if was in ids else 0
        rows = [self.cells(m) for m in self.matches]
        widths = self.widths
        self.fit_columns(table, rows)
        if keep_cursor and rows == getattr(self, "rows", None) and self.widths == widths:
            return  # a refresh that changed none of these rows paints nothing
        self.rows = rows
        table.clear()
        table.add_rows([self.fitted(cells) for cells in rows])
        if self.matches:
            table.move_cursor(row=min(row, len(self.matches) - 1), animate=False)
        self.show_results(True)
        self.show_choose()

    @property
    def picker(self) -> PersonPicker:
        return self.query_one("#search", PersonPicker)

    def listing(self, text: str) -> tuple[list[Match], int]:
        """The matches for exactly `text` (searched now if the list shows other text) and the
        highlighted row: what Enter acts on."""
        if self.shown_query.strip() != text:  # never act on a list drawn for other text
            self.run_search(text)
        return self.matches, self.query_one("#results", DataTable).cursor_row

    def show_choose(self) -> None:
        """Over the list: a warning while equally good matches wait for the clerk's choice."""
        query = self.shown_query.strip()
        row = self.query_one("#results", DataTable).cursor_row
        waiting = self.picker.waiting(query, self.matches, row)
        line = self.query_one("#choose", Static)
        line.display = waiting
        if waiting:
            same = len(as_good_as(self.matches, 0))
            then = "Enter checks in the highlighted one" if self.picker.warned(query) else "Enter"
            line.update(
                Text(
                    f"⚠ {same} people match “{query}” equally well: check the school "
                    f"and role, ↑ ↓ to choose, then {then}.",
                    style="bold",
                )
            )

    def cells(self, match: Match) -> list[Text]:
        p = match.person
        if match.checked_in_at:
            when = self.bigconv.local(match.checked_in_at)
            state = Text(f"✔ {when:%H:%M} {match.checked_in_by}", style="green")
        else:
            state = Text("· not yet", style="dim")
        return [Text(p.name, style="bold"), state, Text(p.school), Text(p.role)]

    def fitted(self, cells: list[Text]) -> list[Text]:
        """Cells cut to the column widths; a check-in too long for its column keeps its time."""
        name, state, school, role = cells
        if cell_len(state.plain) > self.widths[1]:
            state = Text(state.plain[:7], style=state.style)  # "✔ 10:15", not half a desk
        return [
            clip_text(c, w) for c, w in zip((name, state, school, role), self.widths, strict=True)
        ]

    def fit_columns(self, table: DataTable, cells: list[list[Text]]) -> None:
        """Widths for these results: the whole name, the time checked in and the whole school
        first (they tell people apart), then the desk and the role as far as the width allows."""
        # The list's width (the main column less its margins; the list itself may be hidden
        # until now), less a scrollbar.
        available = self.query_one("#main").size.width - 2 - 2
        name, state, school, role = (
            widest((row[i].plain for row in cells), len(label))
            for i, label in enumerate(RESULT_COLUMNS)
        )
        short = min(9, state)  # "✔ 10:15" or "· not yet"; the desk's name if there is room
        name, when, school, rest, role = fit_widths(
            available,
            [
                (name, name),
                (short, short),
                (min(school, 33), school),
                (0, state - short),
                (0, role),
            ],
        )
        widths = [name, when + rest + (PADDING if rest else 0), school, role]
        if widths != self.widths:
            table.clear(columns=True)
            for label, width in zip(RESULT_COLUMNS, widths, strict=True):
                table.add_column(label, key=label, width=width)
            self.widths = widths

    def show_results(self, visible: bool) -> None:
        """The list while typing, the banner otherwise: nobody's list is on show to the queue."""
        self.query_one("#results").display = visible
        self.query_one(Banner).display = not visible
        if not visible:
            self.query_one("#choose").display = False

    @on(SearchBox.Moved, "#search")
    def move(self, event: SearchBox.Moved) -> None:
        if self.matches:
            table = self.query_one("#results", DataTable)
            row = max(0, min(len(self.matches) - 1, table.cursor_row + event.step))
            table.move_cursor(row=row, animate=False)
            self.show_choose()  # the picker noted the choice, in the order keys came

    def action_check_in(self) -> None:
        box = self.query_one("#search", Input)
        text, box.value = box.value, ""
        self.act(text, self.picker.pick(text))

    def action_clear(self) -> None:
        self.query_one("#search", Input).value = ""

    # Checking in

    @on(SearchBox.Entered, "#search")
    def entered(self, event: SearchBox.Entered) -> None:
        self.act(event.text, self.picker.pick(event.text))
        # The box may already hold the next person's first letters: show their results.
        self.run_search(self.query_one("#search", Input).value)

    @on(DataTable.RowSelected, "#results")
    def clicked(self, event: DataTable.RowSelected) -> None:
        self.check_in_person(self.matches[event.cursor_row].person)
        self.action_clear()

    def act(self, text: str, outcome: Outcome | None) -> None:
        """Check in the one person entered; say so if nobody matches; equal matches wait."""
        if isinstance(outcome, One):
            if not self.check_in_person(outcome.person):
                self.picker.forget_scan()  # nothing was stored: the next read must count
        elif isinstance(outcome, Unknown) and outcome.code in (NO_MATCH, UNKNOWN_BADGE):
            self.query_one(Banner).show("error", text.strip(), [NOT_FOUND[outcome.code]])
        else:
            self.show_choose()  # Ambiguous: the warning; None: nothing entered, or a double read

    def check_in_person(self, person: Person) -> bool:
        """Check in and show the banner; False if the database failed and nothing was stored."""
        result = self.guarded(
            check_in, self.db, person.id, station=self.bigconv.station, at=self.now()
        )
        if result is None:  # the database failed: nothing was recorded, and the header says why
            self.query_one(Banner).show(
                "error",
                person.name,
                ["Not checked in: the database has a problem (see the top line). Try again."],
                word="NOT SAVED",
            )
            return False
        self.show_check_in(person, result)  # only after the commit returned
        self.refresh_counters()  # now, not at the next poll
        return True

    def show_check_in(self, person: Person, result: CheckInResult) -> None:
        lines = [" · ".join(x for x in (person.school, person.role) if x)]
        if not result.checked_in:
            when = self.bigconv.local(result.at)
            lines.insert(0, f"at {when:%H:%M} by {result.station} — no second record made")
        lines += self.day_lines(person.id)
        self.query_one(Banner).show("ok" if result.checked_in else "warn", person.name, lines)

    def day_lines(self, attendee_id: int) -> list[str]:
        workshops = desk.day_sessions(self.db, attendee_id)
        sessions = sorted(workshops + desk.plenaries(self.db), key=lambda s: s.starts_at)
        # One place per slot: where they are marked present replaces the plan for that slot.
        present = {s.slot: s for s in desk.present_sessions(self.db, attendee_id)}
        planned = {s.slot for s in sessions}
        sessions = [present.get(s.slot, s) for s in sessions]
        sessions += [s for s in present.values() if s.slot not in planned]
        sessions.sort(key=lambda s: s.starts_at)
        lines = ["", "Today:"] if sessions else [""]
        if not workshops:
            lines.append("No workshops allocated.")
        for s in sessions:
            # The room first: it is where to send them, and a narrow banner wraps the title.
            here = "  ✓ present" if present.get(s.slot) == s else ""
            lines.append(
                f"  {self.bigconv.local(s.starts_at):%H:%M}  {s.room} · {s.slot}: {s.title}{here}"
            )
        return lines

    def action_undo(self) -> None:
        station = self.bigconv.station
        attendee_id = last_checkin_by(self.db, station)
        banner = self.query_one(Banner)
        if attendee_id is None or not self.guarded(
            undo_checkin, self.db, attendee_id, station=station, at=self.now()
        ):
            banner.show("info", "", [f"Nothing to undo: {station} has no check-in standing."])
        else:
            person = get_person(self.db, attendee_id)
            name = person.name if person else f"attendee {attendee_id}"
            banner.show("undo", name, ["Not checked in now; they can be checked in again."])
            self.refresh_counters()
        self.action_clear()

    # Walk-ins

    def action_walk_in(self) -> None:
        self.app.push_screen(WalkInScreen(desk.schools(self.db)), self.walked_in)

    def walked_in(self, form: WalkIn | None) -> None:
        if form is None:
            return
        try:
            saved = self.guarded(
                desk.register_walk_in,
                self.db,
                **form.fields(),
                station=self.bigconv.station,
                at=self.now(),
            )
        except desk.WalkInError as exc:
            self.query_one(Banner).show("error", "", [str(exc)], word="WALK-IN NOT SAVED")
            return
        if saved is None:
            self.query_one(Banner).show(
                "error",
                "",
                ["The database has a problem (see the top line). Try again."],
                word="WALK-IN NOT SAVED",
            )
            return
        attendee_id, result = saved
        self.index.refresh()
        self.walk_in_id = attendee_id
        person = get_person(self.db, attendee_id)
        self.show_check_in(person, result)
        self.refresh_counters()
        self.app.push_screen(PlacesScreen(desk.openings(self.db)), self.places_chosen)

    def places_chosen(self, session_ids: list[int] | None) -> None:
        person = get_person(self.db, self.walk_in_id)
        if session_ids:
            try:
                self.guarded(
                    desk.allocate_places,
                    self.db,
                    person.id,
                    session_ids,
                    station=self.bigconv.station,
                    at=self.now(),
                )
            except desk.PlaceTaken as exc:
                self.notify(f"Place not given: {exc}", severity="warning", markup=False)
        lines = [" · ".join(x for x in (person.school, person.role, f"badge {person.badge}") if x)]
        self.query_one(Banner).show("ok", person.name, lines + self.day_lines(person.id))
