"""The room host's screen: the current session, who is here and who is missing, and its QR code.

Over 400 lines because one screen runs a room's whole day (stepping through its sessions, the
roster with its fitted columns, marking with its two questions, reactions, the QR code); who a
typed name or scan means is in widgets/person_picker.py, and the roster table is the next to go.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import DataTable, Header, Static
from textual.widgets.data_table import RowDoesNotExist, RowKey

from bigconv.data import attendance, reactions, search
from bigconv.data.attendance import ELSEWHERE, FULL, MARKED, RosterEntry
from bigconv.data.timetable import SessionRow
from bigconv.data.watch import PHONE_LOG, PHONES
from bigconv.net import session_url
from bigconv.services.identify import (
    SHORT_TELLS,
    TELLS,
    UNKNOWN_BADGE,
    Ambiguous,
    One,
    Outcome,
    Tell,
    Unknown,
    tell_apart,
)
from bigconv.tui.dialogs.over_capacity import MoveHere, OverCapacity
from bigconv.tui.dialogs.qr_view import COMMIT_PROMPT, QrView, fit_scale
from bigconv.tui.dialogs.room_picker import RoomPicker
from bigconv.tui.scans import Cleared
from bigconv.tui.stations.base import LiveScreen
from bigconv.tui.widgets.columns import PADDING, clip, fit_widths, pad, tell_header, widest
from bigconv.tui.widgets.footer import StationFooter
from bigconv.tui.widgets.person_picker import PersonPicker
from bigconv.tui.widgets.qr import QrCode
from bigconv.tui.widgets.rows import update_rows
from bigconv.tui.widgets.searchbox import SearchBox
from bigconv.tui.widgets.table import CachedTable

ROSTER_COLUMNS = (("Here", "here"), ("Name", "name"), ("Note", "note"), ("School", "school"))
TELL_KEY = "tell"  # the column of what tells look-alikes apart, shown when there are some
SEARCH_LIMIT = 30
QR_SPARE_LINES = 6  # header, footer, URL, reactions heading and a blank line or two
NO_ROOM = "No room chosen: press F9."
NOT_SHOWN = frozenset({"feedback", PHONE_LOG})  # what a room screen shows nothing of
CLOCK_SECONDS = 20  # how often to look at the clock for the next session, without any commit


class RosterTable(CachedTable, can_focus=False):
    """The roster. It never takes the focus: every key (a scanner's too) goes to the search box,
    whose arrows move this table's cursor and whose Enter or space ticks its highlighted row."""


class RoomSearch(PersonPicker):
    """The room's search box: Enter marks (the list title says so)."""

    BINDINGS = [Binding("enter", "hand_over", "Mark present", show=False)]  # the list title says


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
        Binding("ctrl+z", "undo", "Undo", show=False),  # the list title says
    ]

    def __init__(self) -> None:
        super().__init__()
        self.room: dict[str, Any] | None = None
        self.session: SessionRow | None = None
        self.follow_clock = True  # until the host steps to another session
        self.shown_when = ""  # the "on now" / "starts in N min" shown (clock_moved)
        self.index: search.AttendeeIndex | None = None
        self.roster: list[RosterEntry] = []
        self.shown: list[tuple] = []  # rows on screen, so an unchanged refresh redraws nothing
        self.query_text = ""  # the search the list was last drawn for ("" = the roster)
        self.entries: list[RosterEntry] = []  # the list as drawn
        self.widths: list[int] = []  # the roster's column widths as drawn
        self.tell_label = ""  # the heading of what tells look-alikes apart, if shown
        self.last_marked: int | None = None  # where the cursor goes back to on the roster
        self.matched: list[search.Match] = []  # the matches as drawn (none: the roster)
        self.url = ""

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="room-body"):
            with Vertical(id="room-left"):
                yield Static(id="session-info", markup=False)
                yield Static(id="headcount", markup=False)
                yield RoomSearch(
                    placeholder="Scan a badge, or type a name + Enter",
                    id="search",
                    space_hands_over=True,
                    listing=self.listing,
                    db=lambda: self.db,
                    clock=self.now,
                )
                yield Static(id="list-title", markup=False)
                yield RosterTable(id="roster", cursor_type="row", zebra_stripes=True)
            with VerticalScroll(id="room-right"):
                yield QrCode(id="qr")
                yield Static(id="url", markup=False)
                yield Static(id="reactions", markup=False)
        yield StationFooter()

    def wants(self, changes) -> bool:
        """Only changes to this session (reactions, marks) or to the people listed: twenty
        rooms do not repaint for another room's reactions, nor for feedback (not shown here)."""
        if self.room is None or self.session is None:
            return changes.everything
        if changes.only(NOT_SHOWN):
            return False
        if changes.everything or self.session.id in changes.sessions:
            return True
        return not changes.attendees.isdisjoint(row[0] for row in self.shown)

    def refresh_changes(self, changes) -> None:
        """Phones' reactions alone change the tally, not the roster: read and draw only that."""
        if changes.only(PHONES) and self.session is not None:
            self.show_reactions(self.session)
        else:
            self.refresh_data()

    def on_mount(self) -> None:
        self.set_interval(CLOCK_SECONDS, self.clock_moved)
        # Only the search box takes the focus, so a scan always lands in it (see RosterTable).
        self.query_one("#room-right").can_focus = False
        self.query_one("#search", SearchBox).focus()
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
        if self.room is None or self.session is None:
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
            self.query_one("#search", SearchBox).value = ""
        self.refresh_data()

    # -- drawing -----------------------------------------------------------------------------

    def refresh_data(self) -> None:
        """Re-read the session, roster and reactions; redraw only what changed."""
        if self.room is None:
            self.show("#session-info", NO_ROOM)
            return
        if self.follow_clock:
            self.session = attendance.current_session(self.db, self.room["id"], self.now())
        elif self.session:
            self.session = attendance.session_by_id(self.db, self.session.id)
        self.roster = attendance.roster(self.db, self.session.id) if self.session else []
        self.show_info()
        self.show_list()
        self.show_qr_and_reactions()

    def clock_moved(self) -> None:
        """The clock moved on: redraw only if that changed what is shown (the session, when
        following the clock, or its "starts in N min"); an idle room costs one small read."""
        if self.room is None or self.session is None:
            self.refresh_data()
            return
        if self.follow_clock:
            now_session = attendance.current_session(self.db, self.room["id"], self.now())
            if now_session is None or now_session.id != self.session.id:
                self.refresh_data()
                return
        if self.when_label(self.session) != self.shown_when:
            self.show_info()

    def show_info(self) -> None:
        s = self.session
        count = self.query_one("#headcount", Static)
        if s is None:
            if self.room is None:
                self.show("#session-info", NO_ROOM)
            else:
                text = Text(f"{self.room['name']}: no sessions in this room today.")
                self.show("#session-info", text)
            self.show("#headcount", "")
            return
        app = self.bigconv
        text = Text(s.title, style="bold")
        text.append(f"\n{app.local(s.starts_at):%H:%M}–{app.local(s.ends_at):%H:%M} {s.slot}")
        text.append(f" · {s.room}")
        self.shown_when = self.when_label(s)
        text.append(f"\ncode {s.code} · {self.shown_when}", style="italic")
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
        """The roster, or the matches for the search as last typed (see search_changed)."""
        query = self.query_text
        searching = len(query) >= search.MIN_QUERY and self.session is not None
        if searching and self.session:
            entries = self.matches(query, self.session)
        else:
            entries, self.matched = self.roster, []
        self.entries = entries
        self.fill(entries)  # first: the title names the column that tells look-alikes apart
        if searching:
            title = self.matches_title(query)
        else:
            missing = sum(1 for e in entries if e.expected and not e.present)
            title = Text(
                f"Expected: {missing} still missing · Enter or space ticks · ctrl+z undoes",
                style="bold",
            )
        self.show("#list-title", title)

    def matches(self, query: str, session: SessionRow) -> list[RosterEntry]:
        """The people the search finds, those expected here first (then the search's ranking)."""
        found = search.search_attendees(self.db, query, SEARCH_LIMIT, index=self.people())
        entries = attendance.entries_for(self.db, session.id, [m.person.id for m in found])
        entries.sort(key=lambda e: not e.allocated)
        by_id = {m.person.id: m for m in found}
        self.matched = [by_id[e.person.id] for e in entries]  # row for row with the list
        return entries

    def matches_title(self, query: str) -> Text:
        if not self.picker.waiting(query, self.matched):
            words = "Enter marks the highlighted one"
        elif self.picker.warned(query):
            words = f"⚠ equally good matches: check the {self.telling()}; Enter marks it"
        else:
            words = f"⚠ equally good matches: check the {self.telling()}, ↑ ↓, Enter"
        return Text(f"Matches for “{query}”: {words}", style="bold")

    def telling(self) -> str:
        """What tells the matches apart: their school, or the column shown for look-alikes."""
        label = self.tell_label.lower()
        return (
            "school" if not label else "school and what tells them apart" if " " in label else label
        )

    def fill(self, entries: list[RosterEntry]) -> None:
        rows, label, widths = self.fitted_rows(entries)
        if rows == self.shown and (widths, label) == (self.widths, self.tell_label):
            return
        table = self.query_one("#roster", DataTable)
        keep = self.highlighted_id() or self.last_marked
        if (widths, label) != (self.widths, self.tell_label):
            # Fixed widths worked out here: auto widths drew names four letters wide when the
            # screen was filled from the room picker, and a long note pushed names off screen.
            # A column with no room (the note, on a narrow terminal) is left out.
            table.clear(columns=True)
            columns = [*ROSTER_COLUMNS, (label, TELL_KEY)]
            for (heading, key), width in zip(columns, widths, strict=True):
                if width:
                    table.add_column(Text(heading), key=key, width=width)
            self.widths, self.tell_label = widths, label
        update_rows(
            table,
            [
                (str(pid), tuple(Text(clip(c, w)) for c, w in zip(cells, widths, strict=True) if w))
                for pid, *cells in rows
            ],
        )
        self.shown = rows
        if keep is not None:
            self.move_to(keep)

    def fitted_rows(self, entries: list[RosterEntry]) -> tuple[list[tuple], str, list[int]]:
        """The rows, with what tells look-alikes apart (their role, else email, else badge;
        the badge where an email would not fit), its heading and the column widths."""
        people = [e.person for e in entries]
        for fields in (TELLS, SHORT_TELLS):
            tells = tell_apart(people, fields)
            rows = [
                (e.person.id, *row_cells(e, self.bigconv.local), tell_text(tells, e.person.id))
                for e in entries
            ]
            label = tell_header(tells)
            widths = self.roster_widths(rows, label, force=fields is SHORT_TELLS)
            if widths is not None:
                break
        assert widths is not None
        return rows, label, widths

    def roster_widths(self, rows: list[tuple], label: str, force: bool) -> list[int] | None:
        """Here and the full name first, then what tells look-alikes apart, then school and
        note as far as the width allows; None if what tells them apart does not fit (unless
        `force`)."""
        table = self.query_one("#roster", DataTable)
        if not table.size.width:  # not laid out yet: guess, and fit again once it is
            self.call_after_refresh(self.refit)
        available = (table.size.width or self.size.width // 2) - 2  # the scrollbar
        here, name, note, school = (widest((r[i] for r in rows), 4) for i in range(1, 5))
        told = widest((r[5] for r in rows), len(label)) if label else 0
        # Matches for a search: the whole school tells people of one name apart. The roster:
        # the school at least begins, then the note (arrived, walk-in), then the rest.
        start = min(8 if not told else 4, school)
        wants = [(here, here), (min(name, 30), name), (told, told)]
        wants += [(start, school if self.query_text else start), (0, note)]
        shown = 4 + bool(told)
        if not force and told and sum(w for w, _ in wants) + PADDING * shown > available:
            return None
        here, name, told, start, note = fit_widths(available, wants)
        note = note if note >= 11 else 0
        rest = available - here - name - told - start - note - PADDING * (shown - (not note))
        return [here, name, note, start + max(0, min(rest, school - start)), told]

    def refit(self) -> None:
        """After a resize: widths for the new size (redrawn only if they changed)."""
        if self.room is not None:
            self.fill(self.entries)

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
        self.show_reactions(s)

    def show_reactions(self, s: SessionRow) -> None:
        text = Text("Reactions\n", style="bold")
        for c in reactions.reaction_counts(self.db, s.id):
            # padded by terminal cells, not characters: ❤️ is two characters, 👍 one
            text.append(pad(f"{c.emoji} {c.label}", 20) + f"{c.count:>4}\n", style="")
        self.show("#reactions", text)

    def on_resize(self) -> None:
        self.fit_qr()
        self.call_after_refresh(self.refit)

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
        return attendee_of(key)

    def move_to(self, attendee_id: int) -> None:
        table = self.query_one("#roster", DataTable)
        with contextlib.suppress(RowDoesNotExist):  # not in this list (any more)
            table.move_cursor(row=table.get_row_index(str(attendee_id)))

    # -- marking -------------------------------------------------------------------------------

    @property
    def picker(self) -> RoomSearch:
        return self.query_one("#search", RoomSearch)

    @on(SearchBox.Changed, "#search")
    def search_changed(self, event: SearchBox.Changed) -> None:
        """Draw the list for this text (the box itself may already hold later keys)."""
        self.show_search(event.value)

    def show_search(self, text: str) -> None:
        self.query_text = text.strip()
        if self.session is None:
            return
        self.show_list()
        table = self.query_one("#roster", DataTable)
        if self.query_text and table.row_count:
            table.move_cursor(row=0)  # the best match, which Enter marks

    def listing(self, text: str) -> tuple[list[search.Match], int]:
        """The matches for exactly `text` (searched now if the list shows other text) and the
        highlighted row: what Enter acts on."""
        if self.query_text != text:  # never act on a list drawn for other text
            self.show_search(text)
        return self.matched, self.query_one("#roster", DataTable).cursor_row

    @on(SearchBox.Moved, "#search")
    def moved(self, event: SearchBox.Moved) -> None:
        table = self.query_one("#roster", DataTable)
        if table.row_count:
            row = max(0, min(table.row_count - 1, table.cursor_row + event.step))
            table.move_cursor(row=row)
        if self.matched:  # the picker noted the choice, in the order keys came
            self.show("#list-title", self.matches_title(self.query_text))

    @on(SearchBox.Entered, "#search")
    def entered(self, event: SearchBox.Entered) -> None:
        """A badge marks that person; a name, the match highlighted for exactly that text;
        an empty box (Enter or space), the highlighted roster row."""
        text = event.text.strip()
        if self.session is None:
            return
        if not text:
            if not self.query_text and (person_id := self.highlighted_id()) is not None:
                self.mark(person_id)
            return
        self.mark_outcome(text, self.picker.pick(text))

    def mark_outcome(self, text: str, outcome: Outcome | None) -> None:
        """Mark the one person `text` means; equal matches wait for the host; say if nobody."""
        if isinstance(outcome, One):
            if not self.mark(outcome.person.id):
                self.picker.forget_scan()  # nothing was stored: the next read must count
        elif isinstance(outcome, Ambiguous):  # shown with their schools: the host chooses
            self.show("#list-title", self.matches_title(text))
        elif isinstance(outcome, Unknown):
            unknown = "Unknown badge code" if outcome.code == UNKNOWN_BADGE else "No one matches"
            self.notify(f"{unknown} “{text}”.", severity="warning", markup=False)

    def take_scan(self, badge: str, clear_way: Callable[[], Cleared]) -> None:
        """A badge scanned wherever the focus was (bigconv/tui/scans.py): mark it present,
        closing what is open over the room (an unanswered question is left unanswered: said)
        but never the big QR code; or say why not (no room or session)."""
        if self.session is None:
            why = NO_ROOM if self.room is None else "no session in this room today."
            self.notify(f"Badge {badge} not marked: {why}", severity="warning", markup=False)
            return
        if self.picker.repeated(badge):
            return  # the scanner's second read: nothing at all
        for note in clear_way().notes:
            self.notify(note, severity="warning", markup=False)
        self.picker.value = ""
        self.mark_outcome(badge, self.picker.pick(badge))

    @on(DataTable.RowSelected, "#roster")
    def row_ticked(self, event: DataTable.RowSelected) -> None:
        if (attendee_id := attendee_of(event.row_key)) is not None:
            self.mark(attendee_id)

    def mark(self, attendee_id: int, *, override: bool = False, move: bool = False) -> bool:
        """Mark present (or ask first: full, or present elsewhere); False if nothing could be
        stored (no session, or the database failed)."""
        s = self.session
        if s is None:
            return False
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
            return False
        name = self.named(attendee_id)
        if result.status == ELSEWHERE:  # one place per slot: the host chooses
            other = result.other
            by = f", marked by {other.marked_by}" if other.marked_by else ""
            message = (
                f"{name} is present in {other.title} ({other.room}) since"
                f" {self.bigconv.local(result.at):%H:%M}{by}.\n"
                f"Move them to {s.title} ({s.room})? The move is recorded; the first mark is kept."
            )

            def move_here(ok: bool | None) -> None:
                if ok:
                    self.mark(attendee_id, override=override, move=True)
                else:
                    self.decline(s.id, attendee_id, ELSEWHERE)

            self.app.push_screen(MoveHere(message, name), move_here)
            return True  # the question is up: its answer is what is recorded
        if result.status == FULL:
            message = (
                f"{s.room} is full: {result.present} present, capacity {result.capacity}.\n"
                f"Add {name} anyway? The override is recorded."
            )

            def add_anyway(ok: bool | None) -> None:
                if ok:
                    self.mark(attendee_id, override=True, move=move)
                else:
                    self.decline(s.id, attendee_id, FULL)

            self.app.push_screen(OverCapacity(message, name), add_anyway)
            return True  # the question is up: its answer is what is recorded
        self.last_marked = attendee_id
        self.refresh_data()
        self.move_to(attendee_id)
        self.notify(
            mark_message(result, name, self.bigconv.local),
            markup=False,
            severity="information" if result.status == MARKED else "warning",
        )
        return True

    def named(self, attendee_id: int) -> str:
        """A person's name for a message, with what tells them apart from anyone of the same
        name and school ("Grace Robinson (SENCO)")."""
        person = search.get_person(self.db, attendee_id)
        if person is None:
            return search.name_of(self.db, attendee_id)
        tell = tell_apart(self.people().same_name(person)).get(person.id)
        return f"{person.name} ({tell.text})" if tell else person.name

    def people(self) -> search.AttendeeIndex:
        if self.index is None:
            self.index = search.AttendeeIndex(self.db)
        return self.index

    def decline(self, session_id: int, attendee_id: int, reason: str) -> None:
        """The host said no to the question a mark asked: logged (a refusal), nothing marked."""
        self.guarded(
            attendance.decline_mark,
            self.db,
            session_id,
            attendee_id,
            reason=reason,
            station=self.bigconv.station,
            at=self.now(),
        )

    def action_undo(self) -> None:
        attendee_id = self.highlighted_id()
        if self.session is None or attendee_id is None:
            return
        name = self.named(attendee_id)
        undone = self.guarded(
            attendance.undo_mark,
            self.db,
            self.session.id,
            attendee_id,
            station=self.bigconv.station,
            at=self.now(),
        )
        if undone is None:
            self.notify(f"{name} is not marked present here.", markup=False)
            return
        self.refresh_data()
        extra = " and their check-in" if undone.checkin_undone else ""
        back = undone.restored
        where = f" They are back in {back.name}, as marked there." if back else ""
        self.notify(f"Undone: {name}'s attendance{extra}.{where}", markup=False)

    def action_qr_view(self) -> None:
        if self.session:
            self.app.push_screen(QrView(self.url, f"{self.session.title} · {self.session.room}"))

    def action_qr_commit(self) -> None:
        if self.session:
            title = f"{self.session.title} · {self.session.room}"
            self.app.push_screen(QrView(f"{self.url}#commit", title, COMMIT_PROMPT))


def tell_text(tells: dict[int, Tell], attendee_id: int) -> str:
    tell = tells.get(attendee_id)
    return tell.text if tell else ""


def attendee_of(key: RowKey) -> int | None:
    """The attendee a roster row shows (its key is their id)."""
    return int(key.value) if key.value is not None else None


def row_cells(e: RosterEntry, local) -> tuple[str, str, str, str]:
    """Here, name, note, school: plain strings, made into Text (never markup) by the caller."""
    here = f"✓ {local(e.present_at):%H:%M}" if e.present else "·"
    if e.present_elsewhere and not e.present:
        # Before the tick, in the column every width shows: Enter will ask to move them.
        here = f"⇄ {e.present_elsewhere}"
    if e.present and not e.allocated:
        note = "walk-in, over capacity" if e.override else "walk-in"
    elif e.present:
        note = "over capacity" if e.override else ""
    elif e.present_elsewhere:
        note = "present in another room: Enter moves them"
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
        other = result.other if result.moved else None
        moved = f" (moved from {other.name})" if other else ""
        return f"✓ {name} present{moved}{tail}: {result.present}/{result.capacity}"
    return f"{name} was already marked present at {local(result.at):%H:%M} by {result.station}."
