"""The terminal end of the untrusted-text rule: a line filter over everything a station draws.

Every cell a station shows passes through Textual's line filters just before it becomes
terminal bytes, so this one place keeps a control character (ESC, a C1 CSI or OSC, BEL) or a
bidi override out of the terminal and out of xterm.js in a browser station, whatever widget
drew it and even if a dirty row reached the database. Textual's own styling is applied later,
from the segments' styles, so it is untouched.
"""

from __future__ import annotations

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
            if safe != text:
                if out is segments:
                    out = list(segments)
                out[i] = Segment(safe, segment.style, segment.control)
        return out
