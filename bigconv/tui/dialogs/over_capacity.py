"""Ask before adding someone to a room that is already at capacity, or moving them from another."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Static


class OverCapacity(ModalScreen[bool]):
    """True: add the person anyway (an override, recorded); False: leave the room as it is."""

    CSS_PATH = "over_capacity.tcss"
    BINDINGS = [
        Binding("y", "answer(True)", "Add anyway"),
        Binding("n,escape", "answer(False)", "Cancel"),
    ]

    UNANSWERED = "not marked"

    def __init__(self, message: str, who: str = "") -> None:
        super().__init__()
        self.message = message
        self.who = who  # whom the question is about, as the message names them

    def compose(self) -> ComposeResult:
        with Vertical(id="over-capacity"):
            yield Static("⛔ Room full", id="over-capacity-title")
            yield Static(self.message, markup=False)
            with Horizontal(id="over-capacity-buttons"):
                yield Button("Add anyway (y)", variant="warning", id="yes")
                yield Button("Cancel (n)", variant="primary", id="no")

    def on_mount(self) -> None:
        self.query_one("#no", Button).focus()

    @on(Button.Pressed)
    def pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "yes")

    def action_answer(self, answer: bool) -> None:
        self.dismiss(answer)

    def set_aside_for_scan(self) -> str:
        """A badge was scanned (bigconv/tui/scans.py): the question closes unanswered, so
        nothing is recorded for the person it asked about, and the host is told so."""
        self.app.pop_screen()  # no answer: neither yes nor no is recorded
        return f"{self.who or 'The person asked about'}: {self.UNANSWERED} (the question was closed by the next scan)."


class MoveHere(OverCapacity):
    """True: move the person here (their first mark is kept, stamped moved); False: leave it."""

    BINDINGS = [
        Binding("y", "answer(True)", "Move here"),
        Binding("n,escape", "answer(False)", "Cancel"),
    ]
    UNANSWERED = "not moved here"

    def compose(self) -> ComposeResult:
        with Vertical(id="over-capacity"):
            yield Static("⇄ Present in another session of this slot", id="over-capacity-title")
            yield Static(self.message, markup=False)
            with Horizontal(id="over-capacity-buttons"):
                yield Button("Move here (y)", variant="warning", id="yes")
                yield Button("Cancel (n)", variant="primary", id="no")
