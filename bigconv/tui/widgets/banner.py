"""The desk's big confirmation banner: icon, word and colour together, never colour alone."""

from __future__ import annotations

import re

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text
from textual.widgets import Static

# An item of a list ("  09:45  Main Hall · Workshops 1: Oracy"): what wraps of it stays
# under its text, never back at the banner's first column.
ITEM = re.compile(r"^(\s+\S+\s+)(\S.*)$")

KINDS = {
    "ok": ("✔", "CHECKED IN"),
    "warn": ("⚠", "ALREADY CHECKED IN"),
    "error": ("✖", "NOT FOUND"),
    "undo": ("↶", "CHECK-IN UNDONE"),
    "info": ("ℹ", "READY"),
}


class Banner(Static):
    """A large panel saying what just happened, in plain text (names are never markup)."""

    def show(
        self,
        kind: str,
        headline: str = "",
        lines: tuple[str, ...] | list[str] = (),
        word: str | None = None,
    ) -> None:
        """Replace the banner: `kind` picks icon, word and colour; `headline` is the big line."""
        self.shown = (kind, headline, list(lines), word)
        icon, default_word = KINDS[kind]
        word = word or default_word
        self.summary = f"{icon} {word}" + (f": {headline}" if headline else "")
        text = Text(f"{icon}  {word}", style="bold")
        if headline:
            text.append("\n\n")
            text.append(headline, style="bold")
        parts: list[RenderableType] = [text]
        for line in lines:
            item = ITEM.match(line)
            if item is None:
                parts.append(Text(line))
                continue
            grid = parts[-1]
            if not isinstance(grid, Table):
                grid = Table.grid()
                grid.add_column(no_wrap=True)
                grid.add_column()
                parts.append(grid)
            grid.add_row(Text(item[1]), Text(item[2]))
        for other in KINDS:
            self.set_class(other == kind, f"-{other}")
        self.kind = kind
        # The words shown, as plain text (tests and the screen reader's summary read this).
        self.text = "\n".join([text.plain, *lines])
        self.update(Group(*parts))

    def add(self, lines: list[str]) -> None:
        """Add lines under what the banner shows (after a blank line)."""
        kind, headline, shown, word = self.shown
        self.show(kind, headline, [*shown, "", *lines], word)
