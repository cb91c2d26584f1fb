"""Before a walk-in becomes a second record: they may be someone registered already."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from bigconv.data.search import Person
from bigconv.tui.dialogs.walkin import PutAside, WalkIn

NEW = "new"  # the clerk chose a new record all the same


class SamePerson(ModalScreen[Person | str | PutAside | None]):
    """The registered people the walk-in may be (the import's identity rule), each with what
    tells them apart. Enter checks in the highlighted one; F6 registers a new person all the
    same (logged); Esc goes back to the form as it was typed."""

    CSS_PATH = "same_person.tcss"
    BINDINGS = [
        Binding("escape", "back", "Back to the form"),
        Binding("f6", "new", "New person"),
    ]

    def __init__(self, walk_in: WalkIn, people: list[Person]) -> None:
        super().__init__()
        self.walk_in = walk_in
        self.people = people

    def compose(self) -> ComposeResult:
        w = self.walk_in
        typed = " · ".join(
            x for x in (f"{w.first_name} {w.last_name}".strip(), w.school, w.role) if x
        )
        some = "someone" if len(self.people) == 1 else f"one of {len(self.people)} people"
        with Vertical(id="same-person"):
            yield Static("Already registered?", id="same-person-title", markup=False)
            yield Static(f"The walk-in {typed} may be {some} registered:", markup=False)
            yield OptionList(
                *[Option(self.describe(p), id=str(p.id)) for p in self.people], id="same-people"
            )
            yield Static(
                "Enter checks in the highlighted person · F6 registers a new person all the "
                "same (recorded) · Esc goes back to the form",
                id="same-person-keys",
                markup=False,
            )

    @staticmethod
    def describe(p: Person) -> Text:
        """Everything that tells them apart, for comparing with the person at the desk."""
        text = Text(p.name, style="bold")
        text.append(
            " · " + " · ".join(x for x in (p.school, p.role) if x) if p.school or p.role else ""
        )
        text.append("\n  " + " · ".join(x for x in (p.email, f"badge {p.badge}") if x))
        return text

    def on_mount(self) -> None:
        self.query_one("#same-people", OptionList).focus()

    @on(OptionList.OptionSelected, "#same-people")
    def chosen(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(self.people[event.option_index])

    def action_new(self) -> None:
        self.dismiss(NEW)

    def action_back(self) -> None:
        self.dismiss(None)

    def set_aside_for_scan(self) -> str:
        """A badge was scanned (bigconv/tui/scans.py): keep the walk-in's details for F6."""
        self.dismiss(PutAside(self.walk_in))
        return "The walk-in form was put aside: F6 brings it back as it was."
