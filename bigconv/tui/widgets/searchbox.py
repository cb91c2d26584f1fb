"""Text boxes that apply every key in the order it was pressed, however fast the keys come.

Textual's Input inserts letters in its own `_on_key`, but runs its editing keys (Backspace,
Delete, ctrl+u, ctrl+w, Home, End, ← →, Enter ...) as key bindings, and those run only once the
key has bubbled up to the app. By then the letters typed after the editing key may already be in
the box: a burst that clears the box and types a name keeps the wrong letters (Textualize/textual
#6605). `KeysInOrder` runs the bindings inline, in the widget's own queue of keys, as Textual's
proposed fix does for the widget's own bindings (Textualize/textual PR #6631), and goes one step
further: the screen's and the app's bindings too (F-keys, ctrl+z), so they keep their place
among the letters as well. Every text box in bigconv is an `OrderedInput` or a `SearchBox`;
lists that take keys (PlacePicker) use the same mixin.
"""

from __future__ import annotations

from textual import events
from textual.binding import Binding
from textual.geometry import Size
from textual.message import Message
from textual.reactive import Reactive
from textual.widget import Widget
from textual.widgets import Input

from bigconv.tui._compat import KeyHandlerFirst, own_bindings, run_bindings

MOVES = {"down": 1, "up": -1, "pagedown": 10, "pageup": -10}


async def run_binding_in_order(widget: Widget, key: str) -> bool:
    """Run the binding for `key` now, as the app would once the key had bubbled up; True if
    one ran.

    Non-priority bindings are looked up exactly as Textual does (the focused widget's own
    first, then its containers', the screen's and the app's), but run here, in the focused
    widget's own queue of keys, so an F-key or ctrl+z typed before a scan acts before it.
    Priority bindings have already run: the app checks them before the key reaches the widget.
    A key still queued here after the focus moved on (Tab or Enter in a form) runs only this
    widget's own binding: it was typed into this widget, not the one focused now.
    """
    if widget.app.focused is widget:
        return await run_bindings(widget.app, key)
    for binding in own_bindings(widget).key_to_bindings.get(key, ()):
        if not binding.priority and await widget.app.run_action(binding.action, widget):
            return True
    return False


class KeysInOrder(KeyHandlerFirst):
    """Mixin for a widget: its own key bindings run in the order keys arrive, before the next key.

    A plain mixin (not a Widget subclass), so the widget's CSS component classes stay its own.
    """

    async def key_first(self, event: events.Key) -> bool:
        return await self.key_in_order(event)

    async def key_in_order(self, event: events.Key) -> bool:
        """Handle a key now, in this widget's queue; True if it was handled (override to add)."""
        # A mixin: `self` is the Widget it is mixed into.
        return await run_binding_in_order(self, event.key)  # type: ignore[arg-type]


class OrderedInput(KeysInOrder, Input):
    """An Input whose editing keys and Enter keep their place among the letters typed.

    Typing does not lay the whole screen out again: Textual's Input sets its virtual size to
    the width of its text at every key, and a widget's virtual size lays the screen out anew
    when it changes (every widget placed and repainted: half of a desk's work per key, and
    the wait before the letter shows). A box has no scroll bars and its own fixed size, and
    works out how far to scroll its text from the virtual size as it stands, so the change
    only repaints the box."""

    virtual_size: Reactive[Size] = Reactive(Size(0, 0), layout=False)

    def on_mount(self) -> None:
        self.cursor_blink = getattr(self.app, "cursor_blink", True)


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
