"""A list to tick places in for a walk-in, taking every key in the order it came."""

from __future__ import annotations

from textual.binding import Binding
from textual.message import Message
from textual.widgets import SelectionList

from bigconv.tui.widgets.searchbox import KeysInOrder


class PlacePicker(KeysInOrder, SelectionList[int]):
    """Space ticks, Enter says done; run in key order, like every text box (see KeysInOrder)."""

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
