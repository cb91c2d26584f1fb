"""The staff passcode, on the organiser's own station, only when asked and until dismissed."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Static


class PasscodeScreen(ModalScreen[None]):
    """Shows the passcode for /staff; Esc, Enter or F12 hides it again.

    Never in a header, a toast or a full-screen view: those end up on a projector.
    """

    CSS_PATH = "passcode.tcss"
    BINDINGS = [Binding("escape,enter,f12", "dismiss", "Hide")]

    def __init__(self, passcode: str, address: str) -> None:
        super().__init__()
        self.passcode = passcode
        self.address = address

    def compose(self) -> ComposeResult:
        text = Text("Staff passcode\n\n", style="bold")
        text.append(self.passcode, style="bold reverse")
        text.append(f"\n\nBrowser stations: {self.address}\n")
        text.append("Esc hides it. `bigconv passcode EVENT.toml --new` changes it.", style="dim")
        with Vertical(id="passcode"):
            yield Static(text, markup=False)
