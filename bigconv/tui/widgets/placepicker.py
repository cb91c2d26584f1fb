"""A list to tick places in for a walk-in, taking every key in the order it came."""

from __future__ import annotations

from rich.text import Text
from textual import on
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

    TICKED, UNTICKED = "✓ ", "  "  # said in a word-like mark, never by colour alone

    def on_mount(self) -> None:
        self.labels = [self.get_option_at_index(i).prompt for i in range(self.option_count)]
        self.show_ticks()

    @on(SelectionList.SelectedChanged)
    def show_ticks(self) -> None:
        """Each row starts with ✓ when ticked: the tick box's colour alone says nothing on a
        monochrome screen, to a colour-blind clerk, or in a photo of the screen."""
        chosen = set(self.selected)
        for index, label in enumerate(getattr(self, "labels", [])):
            ticked = self.get_option_at_index(index).value in chosen
            mark = Text(self.TICKED if ticked else self.UNTICKED, style="bold")
            self.replace_option_prompt_at_index(index, mark + Text(str(label)))

    def action_done(self) -> None:
        self.post_message(self.Done(self))
