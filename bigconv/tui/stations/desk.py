"""The registration desk: find anyone as you type or scan a badge, check in with Enter, never twice.

Over 400 lines because the desk's four jobs (search, check-in and its banner, undo, walk-ins)
share one screen's state: what is in the box and which row is highlighted."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from functools import partial

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import DataTable, Header, Input, Static

from bigconv.data import checkin, desk
from bigconv.data.checkin import CheckInResult, check_in, last_checkin_by, undo_checkin
from bigconv.data.desk_order import DeskOrder
from bigconv.data.search import (
    MIN_QUERY,
    AttendeeIndex,
    Match,
    Person,
    fold,
    get_person,
    name_of,
    search_attendees,
)
from bigconv.services.identify import (
    NO_MATCH,
    UNKNOWN_BADGE,
    One,
    Outcome,
    Unknown,
    as_good_as,
    tell_apart,
)
from bigconv.tui.scans import Cleared
from bigconv.tui.stations.base import LiveScreen
from bigconv.tui.stations.walkins import WalkIns, WalkInsConfig
from bigconv.tui.widgets.banner import Banner
from bigconv.tui.widgets.counters import Counters
from bigconv.tui.widgets.footer import StationFooter
from bigconv.tui.widgets.person_picker import PersonPicker
from bigconv.tui.widgets.results import ResultsTable
from bigconv.tui.widgets.searchbox import SearchBox

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
                yield ResultsTable(id="results", local=self.bigconv.local)
                yield Banner(id="banner")
            yield Counters(id="counters")
        yield StationFooter()
        yield WalkIns(
            WalkInsConfig(
                db=lambda: self.db,
                station=lambda: self.bigconv.station,
                clock=self.now,
                guarded=self.guarded,
            )
        )

    def on_mount(self) -> None:
        self.index = AttendeeIndex(self.db)
        self.order = DeskOrder(self.index, self.now)  # among equal matches: who is likely here
        self.matches: list[Match] = []
        self.shown_query = ""  # what the list shows now (the benchmark waits for it)
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
        numbers = checkin.arrivals(self.db, self.now() - RECENT)
        if numbers != getattr(self, "counted", None):  # unchanged: paint nothing
            self.counted = numbers
            self.query_one(Counters).show(numbers)

    # Searching

    @on(Input.Changed, "#search")
    def search_changed(self, event: Input.Changed) -> None:
        """The box's echo is painted first, the list searched and drawn after it: drawing 30
        rows takes most of a key's time, and the clerk watches the box. Enter never acts on a
        list drawn for other text (`listing` searches again if it was)."""
        self.call_after_refresh(self.search_typed, event.value)

    def search_typed(self, value: str) -> None:
        """Search for `value` if it is still what the box holds and the list is not for it."""
        if value == self.query_one("#search", Input).value and value != self.shown_query:
            self.run_search(value)

    def run_search(self, query: str, keep_cursor: bool = False) -> None:
        table = self.query_one("#results", ResultsTable)
        self.shown_query = query
        if len(fold(query).replace(" ", "")) < MIN_QUERY:
            self.matches = []
            self.show_results(False)
            return
        # A refresh keeps the highlight on the same person, not the same row: a list that
        # changed under the clerk's finger must not hand Enter to someone else.
        was = self.matches[table.cursor_row].person.id if keep_cursor and self.matches else None
        self.matches = search_attendees(self.db, query, LIMIT, index=self.index, order=self.order)
        ids = [m.person.id for m in self.matches]
        row = ids.index(was) if was in ids else 0
        # The list's width: the main column less its margins (the list may be hidden until now).
        width = self.query_one("#main").size.width - 2
        twins = partial(self.index.same_name, refresh=False)  # the search caught up already
        if not table.fill(self.matches, width, unchanged_ok=keep_cursor, same_name=twins):
            return  # a refresh that changed none of these rows paints nothing
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
            told = self.query_one("#results", ResultsTable).header  # twins: Email or Badge
            check = f"the {told.lower()}" if told else "the school and role"
            self.show(
                "#choose",
                Text(
                    f"⚠ {same} people match “{query}” equally well: check {check}, "
                    f"↑ ↓ to choose, then {then}.",
                    style="bold",
                ),
            )

    def show_results(self, visible: bool) -> None:
        """The list while typing, the banner otherwise: nobody's list is on show to the queue."""
        self.query_one("#results").display = visible
        self.query_one(Banner).display = not visible
        if not visible:
            self.query_one("#choose").display = False

    @on(SearchBox.Moved, "#search")
    def move(self, event: SearchBox.Moved) -> None:
        self.search_typed(self.query_one("#search", Input).value)  # the list for this text
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

    def who(self, person: Person) -> str:
        """School, role and badge; and their email if someone of the same name and school has
        the same role: all that tells them apart from anyone who looks like them."""
        tell = tell_apart(self.index.same_name(person)).get(person.id)
        email = tell.text if tell and tell.field == "email" else ""
        return " · ".join(
            x for x in (person.school, person.role, email, f"badge {person.badge}") if x
        )

    def show_check_in(self, person: Person, result: CheckInResult) -> None:
        lines = [self.who(person)]
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
            name = name_of(self.db, attendee_id)
            lines = ["Not checked in now; they can be checked in again."]
            # A room's mark is theirs to undo: said here, so nobody is left present in a room
            # but not checked in without a word.
            lines += [
                f"Still marked present in {p.title} ({p.room}): undo it in the room if wrong."
                for p in desk.present_sessions(self.db, attendee_id)
            ]
            banner.show("undo", name, lines)
            self.refresh_counters()
        self.action_clear()

    # Scans (bigconv/tui/scans.py)

    def take_scan(self, badge: str, clear_way: Callable[[], Cleared]) -> None:
        """A badge scanned wherever the focus was: close what is open over the desk (a form is
        put aside as typed) and check the badge in, replacing anything in the search box."""
        if self.picker.repeated(badge):
            return  # the scanner's second read: nothing at all
        cleared = clear_way()
        self.action_clear()
        self.act(badge, self.picker.pick(badge))
        banner = self.query_one(Banner)
        if cleared.notes:
            banner.add(cleared.notes)
        if cleared.covered:  # the banner is under a dialog: say it on top too
            self.notify(banner.summary, markup=False)

    # Walk-ins (bigconv/tui/stations/walkins.py)

    def action_walk_in(self) -> None:
        self.query_one(WalkIns).start()

    @on(WalkIns.Registered)
    def walk_in_registered(self, event: WalkIns.Registered) -> None:
        self.index.refresh()
        self.refresh_counters()
        person = get_person(self.db, event.attendee_id)
        if person is None:
            self.walk_in_gone(event.attendee_id)
        else:
            self.show_check_in(person, event.result)

    @on(WalkIns.ExistingChosen)
    def walk_in_is_registered(self, event: WalkIns.ExistingChosen) -> None:
        self.check_in_person(event.person)

    @on(WalkIns.PlacesGiven)
    def walk_in_placed(self, event: WalkIns.PlacesGiven) -> None:
        person = get_person(self.db, event.attendee_id)
        if person is None:  # while the places were chosen
            self.walk_in_gone(event.attendee_id)
            return
        lines = [self.who(person), *self.day_lines(person.id)]
        self.query_one(Banner).show("ok", person.name, lines)

    @on(WalkIns.Failed)
    def walk_in_failed(self, event: WalkIns.Failed) -> None:
        self.query_one(Banner).show("error", "", event.lines, word=event.word)

    def walk_in_gone(self, attendee_id: int) -> None:
        """The walk-in just registered is no longer in the database: a backup from before
        they registered was put back (bigconv restore). Say so; no place is given."""
        self.query_one(Banner).show(
            "error",
            "",
            [
                f"Attendee {attendee_id} is no longer in the database (was a backup restored?).",
                "Search for them, or register them again (F6).",
            ],
            word="WALK-IN NOT FOUND",
        )
