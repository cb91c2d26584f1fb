"""The desk's big confirmation banner: icon, word and colour together, never colour alone."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

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
        icon, default_word = KINDS[kind]
        word = word or default_word
        text = Text(f"{icon}  {word}", style="bold")
        if headline:
            text.append("\n\n")
            text.append(headline, style="bold")
        for line in lines:
            text.append("\n")
            text.append(line)
        for other in KINDS:
            self.set_class(other == kind, f"-{other}")
        self.kind = kind
        self.update(text)
