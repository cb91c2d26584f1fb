"""A list to tick places in for a walk-in, taking every key in the order it came."""

from __future__ import annotations

from textual import events
from textual.binding import Binding
from textual.message import Message
from textual.widgets import SelectionList

MOVES = {
    "down": "cursor_down",
    "up": "cursor_up",
    "pagedown": "page_down",
    "pageup": "page_up",
    "home": "first",
    "end": "last",
    "space": "select",
}


class PlacePicker(SelectionList[int]):
    """Space ticks, Enter says done; handled here in key order, like the desk's SearchBox."""

    BINDINGS = [Binding("enter", "done", "Give places")]

    class Done(Message):
        """Enter: give the ticked places."""

        def __init__(self, picker: PlacePicker):
            super().__init__()
            self.picker = picker

        @property
        def control(self) -> PlacePicker:
            return self.picker

    def action_done(self) -> None:
        self.post_message(self.Done(self))

    async def _on_key(self, event: events.Key) -> None:
        if event.key == "enter":
            self.action_done()
        elif event.key in MOVES:
            getattr(self, f"action_{MOVES[event.key]}")()
        else:
            await super()._on_key(event)
            return
        event.stop()
        event.prevent_default()
