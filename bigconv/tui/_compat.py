"""Every use bigconv makes of Textual's (and textual-serve's) private API, in one place.

Each one is tested against the installed Textual in tests/tui/test_compat.py, so an upgrade
that changes one fails there, by name, rather than somewhere in a station on the day. The pins
(`textual>=8.0,<9`, `textual-serve>=1.1,<1.2`, pyproject.toml) are what those tests passed on.

Nothing from Textual is imported at run time: `bigconv.station` reads TEXTUAL_WEB_DRIVER from
here before Textual may be imported (Textual reads TEXTUAL_DRIVER once, when it is imported).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from textual import events
    from textual.app import App
    from textual.binding import BindingsMap
    from textual.drivers.web_driver import WebDriver
    from textual.widget import Widget

TEXTUAL_WEB_DRIVER = "textual.drivers.web_driver:WebDriver"
"""What textual-serve puts in TEXTUAL_DRIVER for each station it starts (its app_service.py)."""


async def run_bindings(app: App[Any], key: str) -> bool:
    """Run the non-priority binding for `key` now, looked up as Textual does once a key has
    bubbled up (the focused widget's, its containers', the screen's, the app's); True if one ran.
    """
    return await app._check_bindings(key)


def own_bindings(widget: Widget) -> BindingsMap:
    """A copy of the widget's own key bindings, with the app's keymap (user rebinding) applied."""
    bindings = widget._bindings.copy()
    keymap = widget.app._keymap
    if keymap:
        bindings.apply_keymap(keymap)
    return bindings


class KeyHandlerFirst:
    """Mixin for a widget: `key_first` sees each key in the widget's own key handler, before
    Textual's handler of the widget does (Input inserts printable keys there, in `_on_key`).

    A key `key_first` handled (returned True) goes no further: not inserted, not bubbled up.
    """

    async def _on_key(self, event: events.Key) -> None:
        if await self.key_first(event):
            event.stop()
            event.prevent_default()
            return
        await super()._on_key(event)  # type: ignore[misc]  # a mixin: the widget has _on_key

    async def key_first(self, event: events.Key) -> bool:
        """Handle a key before the widget does; True if it was handled (override)."""
        return False


def replace_input_reader(driver: WebDriver, reader: Any) -> None:
    """Have Textual's web driver read its input with `reader` (an iterable of bytes, b"" when
    the key parser should look at its clock, with a `close()` any thread may call)."""
    driver._input_reader._selector.close()  # type: ignore[attr-defined]  # never iterated
    driver._input_reader = reader


def scroll_bars_follow(widget: Widget) -> None:
    """Bring a scrollable widget's scroll bars (shown or not, thumb size, scroll limits) up to
    date with its virtual size, as Textual does when it lays the screen out; a bar shown or
    hidden by this lays the screen out (Textual's `show_*_scrollbar` reactives do that)."""
    widget._scroll_update(widget.virtual_size)


class DrawnCellsKept:
    """Mixin for a DataTable: a body cell's lines, and each body line of a row-cursor table,
    are kept under `drawn_as(value)` (what a cell shows; None: not kept) and everything else
    their look depends on. DataTable keys its own on one counter that any change bumps, so it
    draws every visible cell again for one new figure (see bigconv/tui/widgets/table.py)."""

    KEPT = 4000  # cells and lines kept, then all dropped: a 60-row roster's variants many times

    def drawn_as(self, value: object) -> tuple | None:
        return None  # override

    def _render_cell(self, row, column, base_style, width, cursor=False, hover=False):  # type: ignore[no-untyped-def]
        key = self._kept_cell(row, column, base_style, width, cursor, hover)
        return self._keep(key, super()._render_cell, row, column, base_style, width, cursor, hover)  # type: ignore[misc]

    def _render_line(self, y, x1, x2, base_style):  # type: ignore[no-untyped-def]
        key = self._kept_line(y, x1, x2, base_style)
        return self._keep(key, super()._render_line, y, x1, x2, base_style)  # type: ignore[misc]

    def _keep(self, key: tuple | None, draw: Any, *args: Any) -> Any:
        if key is None:
            return draw(*args)
        kept: dict[tuple, Any] = self.__dict__.setdefault("_kept", {})
        found = kept.get(key)
        if found is None:
            if len(kept) >= self.KEPT:
                kept.clear()  # rarely: a long day's worth of variants
            found = kept[key] = draw(*args)
        return found

    def _kept_cell(
        self, row: int, column: int, style: Any, width: int, cursor: bool, hover: bool
    ) -> tuple | None:
        """Everything a body cell's lines depend on, or None for a header or label cell."""
        table: Any = self
        if row < 0 or column < 0:
            return None
        row_key = table._row_locations.get_key(row)
        column_key = table._column_locations.get_key(column)
        if row_key is None or column_key is None:
            return None
        if table.rows[row_key].auto_height:
            return None  # measured by drawing it, and its lines padded where they are kept
        shows = self.drawn_as(table._data.get(row_key, {}).get(column_key))
        if shows is None:
            return None
        return ("cell", shows, row, column, style, width, cursor, hover, table.rows[row_key].height,
                *self._looks())  # fmt: skip

    def _kept_line(self, y: int, x1: int, x2: int, style: Any) -> tuple | None:
        """Everything a body line of a row-cursor table depends on (None: not kept)."""
        table: Any = self
        if table.cursor_type != "row" or table.fixed_columns or table._labelled_row_exists:
            return None
        try:
            row_key, line = table._get_offsets(y)
        except LookupError:
            return None
        if row_key is table._header_row_key or row_key not in table._row_locations:
            return None
        if table.rows[row_key].auto_height:
            return None
        row = table._row_locations.get(row_key)
        cells = table._data.get(row_key, {})
        shows = tuple(self.drawn_as(cells.get(c.key)) for c in table.ordered_columns)
        if None in shows:
            return None
        widths = tuple(c.get_render_width(table) for c in table.ordered_columns)
        return ("line", shows, row, line, x1, x2, table.size.width, style, widths,
                table.rows[row_key].height, table.show_cursor and table.cursor_row == row,
                table.hover_row == row, *self._looks())  # fmt: skip

    def _looks(self) -> tuple:
        table: Any = self
        return (table._show_hover_cursor, table._pseudo_class_state, table.show_cursor,
                table.cell_padding, table.fixed_rows, table.fixed_columns)  # fmt: skip

    def notify_style_update(self) -> None:
        super().notify_style_update()  # type: ignore[misc]  # a new theme or class
        self.__dict__.pop("_kept", None)
