"""The registration desk: find anyone as you type or scan a badge, check in with Enter, never twice."""

from __future__ import annotations

import datetime as dt
import re

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import DataTable, Footer, Header, Input

from bigconv.data import desk
from bigconv.data.checkin import CheckInResult, check_in, last_checkin_by, undo_checkin
from bigconv.data.codes import ALPHABET, BADGE_PREFIX, normalise_code
from bigconv.data.search import (
    MIN_QUERY,
    AttendeeIndex,
    Match,
    Person,
    find_badge,
    fold,
    get_person,
    search_attendees,
)
from bigconv.tui.screens.base import LiveScreen
from bigconv.tui.screens.walkin import PlacesScreen, WalkIn, WalkInScreen
from bigconv.tui.widgets.banner import Banner
from bigconv.tui.widgets.counters import Counters
from bigconv.tui.widgets.searchbox import SearchBox

DOUBLE_READ = dt.timedelta(seconds=2)  # scanners often send the same badge twice
RECENT = dt.timedelta(minutes=10)
LIMIT = 30  # the top few dozen: drawing more only slows every keystroke
READY = (
    "Type part of a name, school or email (two letters or more), or scan a badge.",
    "↑ ↓ move, Enter checks in the highlighted person, Esc clears.",
    "F6 registers a walk-in, F8 undoes this desk's last check-in.",
)
# A scan landing after half-typed text: the badge is at the end ("sarBC7KQ2M").
BADGE_AT_END = re.compile(rf"({BADGE_PREFIX}[{ALPHABET}]{{5}})$")


class DeskScreen(LiveScreen):
    """Search box always focused; Enter checks in the highlighted person or a scanned badge."""

    CSS_PATH = "desk.tcss"
    AUTO_FOCUS = "#search"
    BINDINGS = [
        # Enter and Esc are handled by the search box itself (see SearchBox); these show them in
        # the footer and act only if the focus is somewhere else.
        Binding("enter", "check_in", "Check in"),
        Binding("escape", "clear", "Clear"),
        Binding("f6", "walk_in", "Walk-in"),
        Binding("f8", "undo", "Undo last"),
    ]

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal():
            with Vertical(id="main"):
                yield SearchBox(
                    placeholder="Name, school, email, or scan a badge",
                    id="search",
                    select_on_focus=False,
                )
                yield DataTable(id="results", cursor_type="row", zebra_stripes=True)
                yield Banner(id="banner")
            yield Counters(id="counters")
        yield Footer()

    def on_mount(self) -> None:
        self.index = AttendeeIndex(self.db)
        self.matches: list[Match] = []
        self.shown_query = ""  # what the list shows now (the benchmark waits for it)
        self.last_scan: tuple[str, dt.datetime] | None = None
        table = self.query_one("#results", DataTable)
        # The check-in state comes second so a narrow terminal still shows it.
        table.add_column("Name", key="name", width=30)
        table.add_column("Checked in", key="state", width=17)
        table.add_column("School", key="school", width=28)
        table.add_column("Role", key="role", width=22)
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
        row = table.cursor_row if keep_cursor else 0
        self.matches = search_attendees(self.db, query, LIMIT, index=self.index)
        rows = [self.cells(m) for m in self.matches]
        if keep_cursor and rows == getattr(self, "rows", None):
            return  # a refresh that changed none of these rows paints nothing
        self.rows = rows
        table.clear()
        table.add_rows(rows)
        if self.matches:
            table.move_cursor(row=min(row, len(self.matches) - 1), animate=False)
        self.show_results(True)

    def cells(self, match: Match) -> list[Text]:
        p = match.person
        if match.checked_in_at:
            when = self.bigconv.local(match.checked_in_at)
            state = Text(f"✔ {when:%H:%M} {match.checked_in_by}", style="green")
        else:
            state = Text("· not yet", style="dim")
        return [Text(p.name, style="bold"), state, Text(p.school), Text(p.role)]

    def show_results(self, visible: bool) -> None:
        """The list while typing, the banner otherwise: nobody's list is on show to the queue."""
        self.query_one("#results").display = visible
        self.query_one(Banner).display = not visible

    @on(SearchBox.Moved, "#search")
    def move(self, event: SearchBox.Moved) -> None:
        if self.matches:
            table = self.query_one("#results", DataTable)
            row = max(0, min(len(self.matches) - 1, table.cursor_row + event.step))
            table.move_cursor(row=row, animate=False)

    def action_check_in(self) -> None:
        box = self.query_one("#search", Input)
        text, box.value = box.value, ""
        self.enter(text)

    def action_clear(self) -> None:
        self.query_one("#search", Input).value = ""

    # Checking in

    @on(SearchBox.Entered, "#search")
    def entered(self, event: SearchBox.Entered) -> None:
        self.enter(event.text)
        # The box may already hold the next person's first letters: show their results.
        self.run_search(self.query_one("#search", Input).value)

    @on(DataTable.RowSelected, "#results")
    def clicked(self, event: DataTable.RowSelected) -> None:
        self.check_in_person(self.matches[event.cursor_row].person)
        self.action_clear()

    def enter(self, text: str) -> None:
        """Enter: a badge code checks in at once; otherwise the highlighted person."""
        text = text.strip()
        if not text:
            return
        person = self.badge_in(text)
        if person is not None:
            self.scanned(person)
            return
        if self.shown_query != text:  # keys raced ahead of the list: search what was entered
            self.run_search(text)
        if self.matches:
            row = self.query_one("#results", DataTable).cursor_row
            self.check_in_person(self.matches[row].person)
        elif len(fold(text).replace(" ", "")) >= MIN_QUERY:
            self.query_one(Banner).show(
                "error", text, ["Nobody matches this name or badge. F6 registers a walk-in."]
            )

    def badge_in(self, text: str) -> Person | None:
        """The person whose badge `text` is, or ends with (a scan after half-typed text)."""
        person = find_badge(self.db, text)
        if person is None and (found := BADGE_AT_END.search(normalise_code(text))):
            person = find_badge(self.db, found.group(1))
        return person

    def scanned(self, person: Person) -> None:
        now = self.now()
        if (
            self.last_scan
            and self.last_scan[0] == person.badge
            and now - self.last_scan[1] < DOUBLE_READ
        ):
            return  # the scanner's second read of the same badge: ignore silently
        self.last_scan = (person.badge, now)
        if not self.check_in_person(person):
            self.last_scan = None  # nothing was stored: the next read of this badge must count

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
            here = "  ✓ present" if present.get(s.slot) == s else ""
            lines.append(
                f"  {self.bigconv.local(s.starts_at):%H:%M}  {s.slot}: {s.title} — {s.room}{here}"
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
