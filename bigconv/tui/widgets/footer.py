"""The footer of every station: compact on a narrow terminal, so F2-F5 stay in view."""

from __future__ import annotations

from textual.widgets import Footer

NARROW = (
    100  # below this many columns: no padding between keys, no palette hint (ctrl+p still works)
)


class StationFooter(Footer):
    """Footer that gives its room to the keys on a narrow terminal."""

    def on_resize(self) -> None:
        narrow = self.size.width < NARROW
        self.compact = narrow
        self.show_command_palette = not narrow
