"""Walk-ins at the desk: a short form, then places in sessions that still have room."""

from __future__ import annotations

from dataclasses import asdict, dataclass

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.suggester import SuggestFromList
from textual.widgets import Button, Input, Label, Static

from bigconv.data.desk import EMAIL_RE, Opening
from bigconv.tui.widgets.columns import clip, pad, widest
from bigconv.tui.widgets.placepicker import PlacePicker
from bigconv.tui.widgets.searchbox import OrderedInput

MAX_PLACES_WIDTH = 112
PLACES_FRAME = 20  # the dialog's border and padding, the list's border, tick box, ✓ and scrollbar


@dataclass(frozen=True)
class WalkIn:
    """What the form collected."""

    first_name: str
    last_name: str
    school: str
    role: str
    email: str

    def fields(self) -> dict[str, str]:
        return asdict(self)

    def empty(self) -> bool:
        return not any(self.fields().values())


@dataclass(frozen=True)
class PutAside:
    """The form was put aside for a badge scan: what was typed, which F6 brings back."""

    draft: WalkIn


class WalkInScreen(ModalScreen[WalkIn | PutAside | None]):
    """Name, school, role, email; Enter moves on, and saves from the last field.

    Opened again with a `draft` (put aside for a scan, or refused) and its `problem`, nothing
    that was typed is lost.
    """

    CSS_PATH = "walkin.tcss"
    # Priority: Enter is taken in the order keys arrive, before the letters typed after it are
    # handed to a field, so a fast typist's next letters land in the next field.
    BINDINGS = [
        Binding("escape", "cancel", "Cancel"),
        Binding("enter", "next_field", "Next field", priority=True),
    ]
    FIELDS = (
        ("first_name", "First name"),
        ("last_name", "Surname"),
        ("school", "School"),
        ("role", "Role"),
        ("email", "Email (optional)"),
    )

    def __init__(self, schools: list[str], draft: WalkIn | None = None, problem: str = ""):
        super().__init__()
        self.schools = schools
        self.draft = draft
        self.problem = problem

    def compose(self) -> ComposeResult:
        with Vertical(id="form"):
            # The title and help stay in view; only the fields scroll on a short screen.
            yield Label("Register a walk-in", id="title")
            yield Label("Enter: next field (and takes a suggested school).", id="help")
            with VerticalScroll(id="fields"):
                yield from self.fields_and_buttons()

    def fields_and_buttons(self) -> ComposeResult:
        for key, label in self.FIELDS:
            suggester = (
                SuggestFromList(self.schools, case_sensitive=False) if key == "school" else None
            )
            value = getattr(self.draft, key) if self.draft else ""
            field = OrderedInput(value, placeholder=label, id=key, suggester=suggester)
            field.border_title = label  # still says what it is once typed in
            yield field
        yield Static(self.problem, id="problem", markup=False)
        with Horizontal(id="buttons"):
            yield Button("Register and check in", variant="primary", id="save")
            yield Button("Cancel", id="cancel")

    FRAME = 8  # the form's border, padding, title and help: the rows that never scroll

    def on_resize(self) -> None:
        # The fields scroll within what the screen leaves under the title, not the title away.
        self.query_one("#fields").styles.max_height = max(6, self.size.height - self.FRAME)

    def on_mount(self) -> None:
        self.on_resize()
        field = "email" if self.problem.startswith("Email") else "first_name"
        self.query_one(f"#{field}", Input).focus()

    def values(self) -> WalkIn:
        """What the form holds now, each field stripped."""
        return WalkIn(
            **{key: self.query_one(f"#{key}", Input).value.strip() for key, _ in self.FIELDS}
        )

    def set_aside_for_scan(self) -> str | None:
        """A badge was scanned (bigconv/tui/scans.py): close, keeping what was typed for F6."""
        draft = self.values()
        if draft.empty():
            self.dismiss(None)
            return None
        self.dismiss(PutAside(draft))
        return "The walk-in form was put aside: F6 brings it back as it was."

    def action_next_field(self) -> None:
        field = self.focused
        if isinstance(field, Button):
            field.press()
            return
        if not isinstance(field, Input):
            return
        # The field may still hold letters it has not taken in: act after them, in its queue.
        if field.cursor_at_end:
            field.call_later(field.action_cursor_right)  # takes a suggested school, as → does
        keys = [key for key, _ in self.FIELDS]
        if field.id not in keys:
            return
        position = keys.index(field.id)
        if position + 1 < len(keys):
            # set_focus acts now; focus() would wait until the queued letters were handed out.
            self.set_focus(self.query_one(f"#{keys[position + 1]}", Input))
        else:
            field.call_later(self.save)

    @on(Button.Pressed, "#save")
    def save(self) -> None:
        values = self.values()
        problem = self.query_one("#problem", Static)
        if not values.first_name:
            problem.update("First name is needed.")
            self.query_one("#first_name", Input).focus()
        elif values.email and not EMAIL_RE.fullmatch(values.email):
            problem.update(f"Email: {values.email} is not an email address.")
            self.query_one("#email", Input).focus()
        else:
            self.dismiss(values)

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)


class PlacesScreen(ModalScreen[list[int] | None]):
    """Sessions with room left, by slot; space ticks, Enter gives the places, Escape none."""

    CSS_PATH = "walkin.tcss"
    BINDINGS = [Binding("escape", "skip", "Leave unallocated")]
    # A scan meanwhile is recorded under it: the walk-in's places are still to give.
    KEEPS_OPEN_FOR_SCANS = True

    def __init__(self, openings: list[Opening]):
        super().__init__()
        self.openings = openings

    def compose(self) -> ComposeResult:
        widths = self.label_widths(min(MAX_PLACES_WIDTH, self.app.size.width) - PLACES_FRAME)
        with Vertical(id="places"):
            yield Label("Space ticks (one per slot), Enter gives the places", id="places-help")
            yield PlacePicker(
                *[(self.label(o, widths), o.session_id) for o in self.openings], id="choices"
            )
            yield Static("", id="problem", markup=False)
            with Horizontal(id="buttons"):
                yield Button("Give places", variant="primary", id="done")
                yield Button("Leave unallocated", id="skip")

    def label_widths(self, available: int) -> tuple[int, int, int]:
        """Slot and room in full (Lab 1 and Lab 2 must differ); the title takes what is left."""
        slot = widest(o.slot for o in self.openings)
        room = widest(o.room for o in self.openings)
        return slot, max(12, available - slot - room - 8 - 3), room

    @staticmethod
    def label(o: Opening, widths: tuple[int, int, int]) -> Text:
        slot, title, room = widths
        return Text(
            f"{o.slot:<{slot}} {pad(clip(o.title, title), title)} {o.room:<{room}} {o.left:>3} left"
        )

    @on(PlacePicker.SelectionToggled)
    def one_per_slot(self, event: PlacePicker.SelectionToggled) -> None:
        """Ticking a second session in a slot unticks the first, and says so."""
        picker = self.query_one("#choices", PlacePicker)
        chosen = next(o for o in self.openings if o.session_id == event.selection.value)
        problem = self.query_one("#problem", Static)
        problem.update("")
        if chosen.session_id not in picker.selected:
            return
        for other in self.openings:
            same_slot = other.slot_id == chosen.slot_id and other is not chosen
            if same_slot and other.session_id in picker.selected:
                picker.deselect(other.session_id)
                problem.update(
                    f"{chosen.slot}: {chosen.title} ({chosen.room}) instead of "
                    f"{other.title} ({other.room}); one session per slot."
                )

    def on_mount(self) -> None:
        self.query_one("#choices").focus()

    @on(PlacePicker.Done)
    @on(Button.Pressed, "#done")
    def give_places(self) -> None:
        chosen = self.query_one("#choices", PlacePicker).selected
        slots = [o.slot_id for o in self.openings if o.session_id in chosen]
        if len(slots) != len(set(slots)):
            self.query_one("#problem", Static).update("Only one session per slot, please.")
            return
        self.dismiss(list(chosen))

    @on(Button.Pressed, "#skip")
    def action_skip(self) -> None:
        self.dismiss([])
