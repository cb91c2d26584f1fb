"""The session's QR code as large as the terminal allows, for projecting."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Center, Vertical
from textual.events import Resize
from textual.screen import ModalScreen
from textual.widgets import Static

from bigconv.tui.widgets.qr import QrCode

TEXT_LINES = 3  # title, URL and a spare line around the code
COMMIT_PROMPT = "Before you go: one thing you'll try"


class QrView(ModalScreen[None]):
    """Full-screen QR code with the title and short URL; F8 or Escape goes back. With a
    `prompt` (the room host's F10 near the end of a session) it is shown above the title."""

    CSS_PATH = "qr_view.tcss"
    BINDINGS = [Binding("f8,f10,escape,q", "dismiss", "Back")]
    KEEPS_OPEN_FOR_SCANS = True  # people scan in while it is projected (bigconv/tui/scans.py)

    def __init__(self, url: str, title: str, prompt: str | None = None) -> None:
        super().__init__()
        self.url = url
        self.heading = title
        self.prompt = prompt

    def compose(self) -> ComposeResult:
        with Vertical(id="qr-view"):
            if self.prompt:
                yield Static(
                    Text(self.prompt, style="bold", justify="center"),
                    id="qr-view-prompt",
                    markup=False,
                )
            yield Static(Text(self.heading, justify="center"), id="qr-view-title", markup=False)
            with Center():
                yield QrCode(self.url, id="qr-big")
            yield Static(
                Text(self.url, style="bold", justify="center"), id="qr-view-url", markup=False
            )

    def on_resize(self, event: Resize) -> None:
        qr = self.query_one("#qr-big", QrCode)
        lines = TEXT_LINES + (1 if self.prompt else 0)
        qr.scale = fit_scale(qr.modules, event.size.width, event.size.height - lines)


def fit_scale(modules: int, width: int, height: int) -> int:
    """The largest whole module size that fits: `scale` cells wide, `scale` half-cells tall."""
    if modules == 0:
        return 1
    return max(1, min(width // modules, (2 * height) // modules))
