"""Showing new content in a Static without laying the whole screen out again when its size
cannot change.

`Static.update` lays the whole screen out again by default (every widget's size and place
worked out anew, then every widget repainted), which cost a room station about a third of a
redraw for a tally whose lines keep their length ("👍 Useful   12" becoming "👍 Useful   13"),
and the dashboard two whole-screen repaints every two seconds under a plenary's taps (its
alerts' lines change length with each figure). A Static whose width is set by its container
keeps its size as long as its content wraps to as many lines at that width: only the widget
is repainted then."""

from __future__ import annotations

from rich.cells import cell_len
from rich.text import Text
from textual.visual import VisualType
from textual.widgets import Static


def line_widths(content: object) -> tuple[int, ...] | None:
    """The width in cells of each line of plain or Rich text; None for anything else."""
    if isinstance(content, Text):
        return tuple(line.cell_len for line in content.split("\n", allow_blank=True))
    if isinstance(content, str):
        return tuple(cell_len(line) for line in content.split("\n"))
    return None


def same_shape(old: object, new: object) -> bool:
    """True if `new` needs no new layout where `old` was shown."""
    shape = line_widths(new)
    return shape is not None and shape == line_widths(old)


def show_in(static: Static, old: object, new: VisualType) -> None:
    """Show `new` where `old` was, laying the screen out again only if the Static's size can
    change: its lines changed width and its width follows its content, or its content now
    takes more or fewer lines at the width it has."""
    if same_shape(old, new):
        static.update(new, layout=False)
        return
    if not static.is_mounted or static.styles.is_auto_width or not static.content_size.width:
        static.update(new)  # no size of its own yet, or one that follows the content
        return
    height = static.content_size.height
    static.update(new, layout=False)
    size = static.content_size
    if static.get_content_height(static.container_size, static.app.size, size.width) != height:
        static.refresh(layout=True)
