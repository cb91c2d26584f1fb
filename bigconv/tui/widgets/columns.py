"""Column widths that fit the terminal: the columns a person needs first get their full width."""

from __future__ import annotations

from collections.abc import Mapping

from rich.cells import cell_len
from rich.text import Text

from bigconv.services.identify import Tell

PADDING = 2  # a DataTable cell's padding, one column each side
TELL_HEADERS = {"role": "Role", "email": "Email", "badge": "Badge"}


def tell_header(tells: Mapping[int, Tell]) -> str:
    """The heading of a column of what tells look-alikes apart: what it holds ("Role",
    "Email", "Badge"), "Tells apart" if that differs from one group to another; "" if none."""
    fields = {t.field for t in tells.values()}
    if len(fields) > 1:
        return "Tells apart"
    return TELL_HEADERS[fields.pop()] if fields else ""


def fit_widths(available: int, columns: list[tuple[int, int]]) -> list[int]:
    """Widths for `columns` given as (minimum, wanted) in the order they matter.

    Every column gets its minimum; what is left goes to the first column up to what it wants,
    then the next, and so on, so the last columns are the ones cut on a narrow terminal.
    """
    widths = [low for low, _ in columns]
    spare = available - sum(widths) - PADDING * len(columns)
    for i, (low, want) in enumerate(columns):
        extra = max(0, min(spare, want - low))
        widths[i] += extra
        spare -= extra
    return widths


def widest(texts, at_least: int = 0) -> int:
    """The widest of `texts` in terminal cells (not characters: emoji and accents differ)."""
    return max([at_least, *(cell_len(t) for t in texts)])


def clip(text: str, width: int) -> str:
    """`text` cut to `width` cells with an ellipsis, so a cut is visible as one."""
    if cell_len(text) <= width:
        return text
    out = ""
    for ch in text:
        if cell_len(out + ch) > width - 1:
            break
        out += ch
    return out + "…"


def clip_text(text: Text, width: int) -> Text:
    """A styled cell cut like `clip` (its style kept)."""
    if cell_len(text.plain) <= width:
        return text
    return Text(clip(text.plain, width), style=text.style)


def pad(text: str, width: int) -> str:
    """`text` padded with spaces to `width` terminal cells."""
    return text + " " * max(0, width - cell_len(text))
