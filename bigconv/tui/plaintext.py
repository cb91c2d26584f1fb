"""The terminal end of the untrusted-text rule: a line filter over everything a station draws.

Every cell a station shows passes through Textual's line filters just before it becomes
terminal bytes, so this one place keeps a control character (ESC, a C1 CSI or OSC, BEL) or a
bidi override out of the terminal and out of xterm.js in a browser station, whatever widget
drew it and even if a dirty row reached the database. Textual's own styling is applied later,
from the segments' styles, so it is untouched.

It also keeps the terminal to the cells laid out: Rich lays "❤️" (U+2764 and the emoji selector
U+FE0F) out two cells wide, but tmux and many terminals draw the narrow heart in one, which
shifted the rest of the row (the dashboard's box border). The selector becomes the spaces
it was laid out as.
"""

from __future__ import annotations

from rich.cells import cell_len
from rich.segment import Segment
from textual.color import Color
from textual.filter import LineFilter

from bigconv.core.text import for_cell


class PlainText(LineFilter):
    """Strip unsafe characters from the text of every segment (cell widths do not change:
    the characters removed take no cell)."""

    def apply(self, segments: list[Segment], background: Color) -> list[Segment]:
        out = segments
        for i, segment in enumerate(segments):
            text = segment.text
            safe = for_cell(text)
            if EMOJI_SELECTOR in safe:
                safe = as_laid_out(safe)
            if safe != text:
                if out is segments:
                    out = list(segments)
                out[i] = Segment(safe, segment.style, segment.control)
        return out


EMOJI_SELECTOR = "\ufe0f"


def as_laid_out(text: str) -> str:
    """`text` with each emoji selector replaced by the cells it added to the layout (spaces),
    so a terminal that ignores it still draws exactly the cells Rich counted."""
    out: list[str] = []
    for i, ch in enumerate(text):
        if ch == EMOJI_SELECTOR:  # what it added, in the context Rich measured it in
            out.append(" " * max(0, cell_len(text[: i + 1]) - cell_len(text[:i])))
        else:
            out.append(ch)
    return "".join(out)
