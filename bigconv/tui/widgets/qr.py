"""A QR code drawn with half-block characters: two modules per cell, black on white."""

from __future__ import annotations

from rich.style import Style
from rich.text import Text
from textual.reactive import reactive
from textual.widget import Widget

from bigconv.output.qr import half_block_lines, qr_matrix

# Fixed colours, whatever the theme: phone scanners want dark modules on a light ground.
QR_STYLE = Style(color="#000000", bgcolor="#ffffff")


class QrCode(Widget):
    """The QR code of `text`, with a quiet zone of two modules inside the widget."""

    text: reactive[str] = reactive("")
    scale: reactive[int] = reactive(1)

    def __init__(self, text: str = "", *, scale: int = 1, **kwargs) -> None:
        super().__init__(**kwargs)
        self._matrix: list[list[bool]] = []
        self.set_reactive(QrCode.scale, scale)
        self.text = text

    def watch_text(self, text: str) -> None:
        self._matrix = qr_matrix(text, border=2) if text else []
        self._size_to_fit()

    def watch_scale(self) -> None:
        self._size_to_fit()

    def _size_to_fit(self) -> None:
        """Exactly the drawing's size, so the code is never cropped or stretched."""
        self.styles.width = self.modules * self.scale
        self.styles.height = (self.modules * self.scale + 1) // 2

    @property
    def modules(self) -> int:
        """Modules across, quiet zone included."""
        return len(self._matrix)

    def lines(self) -> list[str]:
        return half_block_lines(self._matrix, self.scale) if self._matrix else []

    def render(self) -> Text:
        return Text("\n".join(self.lines()), style=QR_STYLE, no_wrap=True, overflow="crop")
