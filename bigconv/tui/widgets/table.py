"""A DataTable that draws a cell again only when what the cell shows has changed.

Textual's DataTable keys every cell it has drawn on one counter that any change bumps, so one
new figure in one cell, or a list that a keystroke narrowed by one name, has every visible
cell drawn again through Rich. Under a plenary's taps that was most of a dashboard's refresh,
a room's redraw and a desk's keystroke (issue 23's profiles). Here a body cell's lines, and
each body line of a row-cursor table, are kept under what they show and everything their look
depends on (the row and column, the row's style with its zebra stripe, the cursor and hover,
the widths): only cells and lines whose content or look changed are drawn again. The private
parts of DataTable this relies on are in bigconv/tui/_compat.py, each tested."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import DataTable

from bigconv.tui._compat import DrawnCellsKept


def content_key(value: object) -> tuple | None:
    """What a cell shows, as a key: plain or Rich text; None for anything else (not kept)."""
    if isinstance(value, str):
        return ("str", value)
    if isinstance(value, Text):
        return ("text", value.plain, tuple(value.spans), value.style, value.justify,
                value.overflow, value.no_wrap, value.end)  # fmt: skip
    return None


class CachedTable(DrawnCellsKept, DataTable):
    """A DataTable whose cells and lines are drawn once for what they show (see the module)."""

    def drawn_as(self, value: object) -> tuple | None:
        return content_key(value)
