"""The desk's search box, safe for scanners that type a code and Enter faster than we draw."""

from __future__ import annotations

from textual import events
from textual.message import Message
from textual.widgets import Input


class SearchBox(Input):
    """Enter hands over what was typed and empties the box in the same step.

    Key bindings run only after the key has bubbled up to the app, by which time the letters
    typed or scanned straight after Enter are already in the box. Handling Enter here, in the
    box's own queue of keys, keeps the order: the code before Enter is this person, whatever
    follows is the next search.
    """

    class Entered(Message):
        """Enter was pressed with `text` in the box (the box is already empty again)."""

        def __init__(self, box: SearchBox, text: str):
            super().__init__()
            self.box = box
            self.text = text

        @property
        def control(self) -> SearchBox:
            return self.box

    async def _on_key(self, event: events.Key) -> None:
        if event.key == "enter":
            event.stop()
            event.prevent_default()
            self.post_message(self.Entered(self, self.value))
            self.value = ""
            return
        await super()._on_key(event)
