"""The desk's search box, safe for scanners that type a code and Enter faster than we draw."""

from __future__ import annotations

from textual import events
from textual.binding import Binding
from textual.message import Message
from textual.widgets import Input

MOVES = {"down": 1, "up": -1, "pagedown": 10, "pageup": -10}


class SearchBox(Input):
    """Enter hands over what was typed and empties the box in the same step; arrows move the list.

    Key bindings run only after the key has bubbled up to the app, by which time the letters
    typed or scanned straight after Enter are already in the box, and an Enter typed straight
    after an arrow would act before the arrow. Handling these keys here, in the box's own queue
    of keys, keeps the order the person pressed them in.
    """

    # Shown in the footer; the keys themselves are taken in _on_key, before any binding.
    BINDINGS = [Binding("enter", "hand_over", "Check in")]

    class Entered(Message):
        """Enter was pressed with `text` in the box (the box is already empty again)."""

        def __init__(self, box: SearchBox, text: str):
            super().__init__()
            self.box = box
            self.text = text

        @property
        def control(self) -> SearchBox:
            return self.box

    class Moved(Message):
        """An arrow or page key: move the highlight in the results by `step` rows."""

        def __init__(self, box: SearchBox, step: int):
            super().__init__()
            self.box = box
            self.step = step

        @property
        def control(self) -> SearchBox:
            return self.box

    def action_hand_over(self) -> None:
        self.post_message(self.Entered(self, self.value))
        self.value = ""

    async def _on_key(self, event: events.Key) -> None:
        if event.key == "enter":
            self.action_hand_over()
        elif event.key in MOVES:
            self.post_message(self.Moved(self, MOVES[event.key]))
        elif event.key == "escape":
            self.value = ""
        else:
            await super()._on_key(event)
            return
        event.stop()
        event.prevent_default()
