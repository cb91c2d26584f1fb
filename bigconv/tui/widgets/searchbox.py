"""Text boxes that apply every key in the order it was pressed, however fast the keys come.

Textual's Input inserts letters in its own `_on_key`, but runs its editing keys (Backspace,
Delete, ctrl+u, ctrl+w, Home, End, ← →, Enter ...) as key bindings, and those run only once the
key has bubbled up to the app. By then the letters typed after the editing key may already be in
the box: a burst that clears the box and types a name keeps the wrong letters (Textualize/textual
#6605). `KeysInOrder` runs the widget's own bindings inline, in the widget's own queue of keys,
as Textual's proposed fix does (Textualize/textual PR #6631). Every text box in bigconv is an
`OrderedInput` or a `SearchBox`; lists that take keys (PlacePicker) use the same mixin.
"""

from __future__ import annotations

from textual import events
from textual.actions import SkipAction
from textual.binding import Binding
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Input

MOVES = {"down": 1, "up": -1, "pagedown": 10, "pageup": -10}


async def run_own_binding(widget: Widget, key: str) -> bool:
    """Run `widget`'s own (non-priority) binding for `key` now; True if one ran.

    Priority bindings have already run (the app checks them before the key reaches the widget);
    bindings of the screen and the app still run as usual, after the key bubbles up.
    """
    bindings = widget._bindings.copy()
    if widget.app._keymap:
        bindings.apply_keymap(widget.app._keymap)
    for binding in bindings.key_to_bindings.get(key, ()):
        if binding.priority:
            continue
        try:
            if await widget.app.run_action(binding.action, widget):
                return True
        except SkipAction:
            continue
    return False


class KeysInOrder:
    """Mixin for a widget: its own key bindings run in the order keys arrive, before the next key.

    A plain mixin (not a Widget subclass), so the widget's CSS component classes stay its own.
    """

    async def _on_key(self, event: events.Key) -> None:
        if await self.key_in_order(event):
            event.stop()
            event.prevent_default()
            return
        await super()._on_key(event)  # type: ignore[misc]

    async def key_in_order(self, event: events.Key) -> bool:
        """Handle a key now, in this widget's queue; True if it was handled (override to add)."""
        return await run_own_binding(self, event.key)  # type: ignore[arg-type]


class OrderedInput(KeysInOrder, Input):
    """An Input whose editing keys and Enter keep their place among the letters typed."""


class SearchBox(OrderedInput):
    """Enter hands over what was typed and empties the box in the same step; arrows move the list.

    Handled here, in the box's own queue of keys, the letters typed or scanned straight after
    Enter start the next search instead of landing in the one being handed over, and an Enter
    typed straight after an arrow acts after the arrow.
    """

    # Shown in the footer; the keys themselves are taken in key_in_order, before any binding.
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

    def __init__(self, *args, space_hands_over: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.space_hands_over = space_hands_over  # space in an empty box acts like Enter

    def action_hand_over(self) -> None:
        self.post_message(self.Entered(self, self.value))
        self.value = ""

    async def key_in_order(self, event: events.Key) -> bool:
        if event.key in MOVES:
            self.post_message(self.Moved(self, MOVES[event.key]))
        elif event.key == "escape":
            self.value = ""
        elif event.key == "space" and self.space_hands_over and not self.value:
            self.action_hand_over()
        else:
            return await super().key_in_order(event)
        return True
