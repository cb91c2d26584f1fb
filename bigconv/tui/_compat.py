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
        await super()._on_key(event)  # type: ignore[misc]

    async def key_first(self, event: events.Key) -> bool:
        """Handle a key before the widget does; True if it was handled (override)."""
        return False


def replace_input_reader(driver: WebDriver, reader: Any) -> None:
    """Have Textual's web driver read its input with `reader` (an iterable of bytes, b"" when
    the key parser should look at its clock, with a `close()` any thread may call)."""
    driver._input_reader._selector.close()  # type: ignore[attr-defined]  # never iterated
    driver._input_reader = reader
