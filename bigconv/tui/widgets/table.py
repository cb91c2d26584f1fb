"""A DataTable that draws a cell again only when what the cell shows has changed.

Textual's DataTable keys every cell it has drawn on one counter that any change bumps, so one
new figure in one cell, or a list that a keystroke narrowed by one name, has every visible
cell drawn again through Rich. Under a plenary's taps that was most of a dashboard's refresh,
a room's redraw and a desk's keystroke (issue 23's profiles). Here a body cell's lines, and
each body line of a row-cursor table, are kept under what they show and everything their look
depends on (the row and column, the row's style with its zebra stripe, the cursor and hover,
the widths): only cells and lines whose content or look changed are drawn again. The private
parts of DataTable this relies on are in bigconv/tui/_compat.py, each tested.

A table whose size does not follow its rows (a `1fr` height, as the desk's matches and a room's
roster have) does not lay the whole screen out again when its rows change: Textual's DataTable
sets its virtual size for every row added or removed, and a widget's virtual size lays the
screen out anew (every widget placed and repainted: what was left of a desk's work per key once
the cells were kept). Only its scroll bars follow then; a bar shown or hidden still lays the
screen out, and a table sized by its rows (`height: auto`, DataTable's default) always does."""

from __future__ import annotations

from rich.text import Text
from textual.geometry import Size
from textual.reactive import Reactive
from textual.widgets import DataTable

from bigconv.tui._compat import DrawnCellsKept, scroll_bars_follow


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

    virtual_size: Reactive[Size] = Reactive(Size(0, 0), layout=False)

    def drawn_as(self, value: object) -> tuple | None:
        return content_key(value)

    def watch_virtual_size(self) -> None:
        if self.styles.is_auto_width or self.styles.is_auto_height:
            self.refresh(layout=True)  # its size follows its rows
        else:
            scroll_bars_follow(self)
