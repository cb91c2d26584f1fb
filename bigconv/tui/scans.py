"""A badge scan is a scan wherever the focus is.

A badge scanner types the badge code (`BC` and five characters, bigconv/core/codes.py) as a
burst of keys ending in Enter. The app reads every key before any screen, dialog or palette
sees it (`ScanningApp.on_event`, the base of the app) and hands it to a `ScanReader`:

- A key that could begin a badge code (`B`) is held, and so is each key after it while the
  keys keep to the code's shape and come less than SCAN_GAP apart (by the time the terminal's
  input thread read each one, not by when the app got round to it).
- Eight such keys (the code and Enter) are a scan. Anything else releases the held keys at
  once, in the order they came and before any key after them: a key out of shape (which may
  itself begin a code: "BBC7KQ2M" is a stray B, then a scan), no key for SCAN_GAP, a paste or
  a click. A person typing never loses a key and never sees two swapped; at worst a typed `B`
  shows SCAN_GAP late.

A scan travels behind the keys already handed to the focused widget (a `ScanRead` message that
bubbles up from it, as those keys do), so an F-key pressed before the scan acts first. Keys
arriving meanwhile wait until the scan is recorded, then go on in order (a second read of the
same badge is a scan too, and the station ignores it). `record_scan` then lets the station
(desk or room) close what is open and record the badge, or say why it cannot.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial

from textual import events
from textual.app import App, ScreenStackError
from textual.dom import DOMNode
from textual.message import Message
from textual.message_pump import MessagePump
from textual.screen import Screen
from textual.timer import Timer

from bigconv.core.codes import ALPHABET, BADGE_LENGTH, BADGE_PREFIX

SCAN_GAP = 0.08
"""Seconds between two keys of a scan at most. Scanners type a key every 1-40 ms (USB or
Bluetooth; a terminal multiplexer hands on a whole burst at once); people type the 8 keys of a
code, shifted letters among them, no faster than one every 100 ms or so."""
SCAN_KEYS = len(BADGE_PREFIX) + BADGE_LENGTH + 1  # the code, then Enter
RECORD_WAIT = 2.0
"""Seconds after which a scan is recorded even if its message was lost on the way (the widget
it was sent through was removed meanwhile); it normally arrives within milliseconds."""
SETTLE_LIMIT = 1.0
"""Seconds a key waits at most for the key before it to be handled (ScanningApp.release): it
takes milliseconds; a screen that never settles must not hold the keyboard."""
OPENING_LIMIT = 15.0
"""Seconds a key waits at most while the key before it opens a screen: on a loaded laptop a
station's screen can take over a second to be built, and a key let through meanwhile has no
widget to go to (CI lost the first letter typed behind the Enter that opened a desk). The
SETTLE_LIMIT starts again once the screen is up."""
ORDERED = (events.Paste, events.MouseDown, events.MouseUp)
"""Input besides keys that must stay after the keys held before it."""


@dataclass(frozen=True)
class Scan:
    """A badge code read by a scanner; `number` tells one scan's messages from another's."""

    badge: str
    number: int


Step = events.Event | Scan


class ScanRead(Message):
    """A scanned badge, on its way up from the focused widget to the app."""

    def __init__(self, scan: Scan) -> None:
        super().__init__()
        self.scan = scan


class HeldKeysDue(Message):
    """SCAN_GAP has passed since the last key held: release them unless more came."""

    def __init__(self, generation: int) -> None:
        super().__init__()
        self.generation = generation


@dataclass
class ScanReader:
    """Keys in, in the order they came; keys and scans out, in the same order."""

    gap: float = SCAN_GAP
    held: list[events.Key] = field(default_factory=list)
    later: list[events.Event] = field(default_factory=list)  # came while a scan was recorded
    recording: Scan | None = None
    generation: int = 0  # counts keys held, so a stale HeldKeysDue is ignored
    scans: int = 0

    def takes(self, event: events.Event) -> bool:
        """Whether `event` goes through the reader: every key as it comes from the terminal;
        a paste or click only while keys are held or a scan is recorded (it stays after them)."""
        if event.is_forwarded:
            return False
        if isinstance(event, events.Key):
            return True
        return isinstance(event, ORDERED) and bool(self.held or self.recording)

    def feed(self, event: events.Event) -> list[Step]:
        """What to hand on now, in order, for this event."""
        if self.recording:
            self.later.append(event)
            return []
        if not isinstance(event, events.Key):
            return [*self.release(), event]
        steps: list[Step] = []
        if self.held and event.time - self.held[-1].time > self.gap:
            steps += self.release()  # too slow for a scanner: someone typing
        if self.fits(event):
            self.held.append(event)
            self.generation += 1
            if len(self.held) == SCAN_KEYS:
                badge = "".join(key.character or "" for key in self.held[:-1])
                self.held = []
                self.scans += 1
                self.recording = Scan(badge, self.scans)
                steps.append(self.recording)
            return steps
        if self.held:  # out of shape: what was held was typing; this key may begin a code
            return [*steps, *self.release(), *self.feed(event)]
        return [*steps, event]

    def fits(self, key: events.Key) -> bool:
        """Whether `key` continues the badge code held so far (a scanner types it as printed)."""
        at = len(self.held)
        if at == SCAN_KEYS - 1:
            return key.key == "enter"
        character = key.character or ""
        if at < len(BADGE_PREFIX):
            return character == BADGE_PREFIX[at]
        return len(character) == 1 and character in ALPHABET

    def release(self) -> list[Step]:
        held, self.held = self.held, []
        return list(held)

    def due(self, generation: int) -> list[Step]:
        """The held keys, if none came since `generation`: the burst stopped short of a scan."""
        return self.release() if generation == self.generation else []

    def recorded(self, scan: Scan) -> list[Step]:
        """`scan` is recorded: what came meanwhile, read again in order (it may hold a scan)."""
        if self.recording != scan:
            return []
        self.recording = None
        later, self.later = self.later, []
        steps: list[Step] = []
        for event in later:
            steps += self.feed(event)
        return steps


@dataclass(frozen=True)
class Cleared:
    """What clearing the way for a scan did: a note for each thing put aside (or None), and
    whether something stays open over the station (the big QR code, a walk-in's places)."""

    notes: list[str]
    covered: bool


TakeScan = Callable[[str, Callable[[], Cleared]], None]
"""A station screen's `take_scan(badge, clear_way)` (the desk's, a room's): record the badge,
calling `clear_way` first to close what is open over the station, or say why not."""


def clear_way(app: App, station: Screen) -> Cleared:
    """Close what is open over `station` for a scan, from the top: a screen with
    KEEPS_OPEN_FOR_SCANS stays (and so does all under it); one with `set_aside_for_scan`
    closes itself and says what it put aside; any other (the palette, the passcode) is closed."""
    notes: list[str] = []
    while app.screen is not station and station in app.screen_stack:
        top = app.screen
        if getattr(top, "KEEPS_OPEN_FOR_SCANS", False):
            return Cleared(notes, covered=True)
        set_aside: Callable[[], str | None] | None = getattr(top, "set_aside_for_scan", None)
        note = set_aside() if set_aside else None
        if note:
            notes.append(note)
        if app.screen is top:  # it did not close itself
            app.pop_screen()
    return Cleared(notes, covered=False)


def record_scan(app: App, badge: str) -> None:
    """Hand a scan to the station under whatever is open, or say that this screen records none."""
    for station in reversed(app.screen_stack):
        take: TakeScan | None = getattr(station, "take_scan", None)
        if take is not None:
            take(badge, partial(clear_way, app, station))
            return
    app.notify(
        f"Badge {badge} scanned: not recorded. Scans are recorded at the desk (F3) "
        "and in a room (F4).",
        severity="warning",
        markup=False,
    )


@dataclass
class Settling:
    """The last key handed on is being handled; the next waits (until `deadline` at most)."""

    deadline: float
    checked: bool = False  # found settled once; once more after a trip through the app queue
    opening_since: float | None = None  # when a screen was found being opened

    def screen(self, opening: bool, now: float) -> None:
        """While a screen is being opened, wait for it (OPENING_LIMIT at most); once it is up,
        SETTLE_LIMIT from then."""
        if opening:
            if self.opening_since is None:
                self.opening_since = now
            self.deadline = self.opening_since + OPENING_LIMIT
        elif self.opening_since is not None:
            self.opening_since = None
            self.deadline = now + SETTLE_LIMIT


class ScanningApp(App):
    """An app whose every key goes through a ScanReader before any screen, dialog or palette
    sees it; what is not a scan goes on to Textual's handling (`pass_on`) in the order it came."""

    def __init__(self) -> None:
        super().__init__()
        self.scans = ScanReader()
        self.held_timer: Timer | None = None
        self.steps: deque[Step] = deque()  # keys and scans waiting for the last key's handling
        self.settling: Settling | None = None

    async def on_event(self, event: events.Event) -> None:
        if self.scans.takes(event):
            await self.hand_on(self.scans.feed(event))
        elif isinstance(event, ORDERED) and not event.is_forwarded and self.busy_with_keys:
            await self.hand_on([event])  # a click or paste stays behind the keys before it
        else:
            await self.pass_on(event)

    async def pass_on(self, event: events.Event) -> None:
        """Textual's handling of an event the scan reader handed on (override to add)."""
        await super().on_event(event)

    async def hand_on(self, steps: list[Step]) -> None:
        """Keys on to the focused widget, scans to the station, in the order they came; each
        key once the one before it has been handled (see `release`)."""
        self.steps.extend(steps)
        await self.release()
        if self.scans.held:  # a badge may be coming: release the keys if no more come
            if self.held_timer:
                self.held_timer.stop()
            due = HeldKeysDue(self.scans.generation)
            self.held_timer = self.set_timer(self.scans.gap, partial(self.post_message, due))

    @property
    def busy_with_keys(self) -> bool:
        return bool(self.steps) or self.settling is not None

    async def release(self) -> None:
        """Hand on the steps waiting, one at a time: after a key, the next waits until it has
        been handled, with all it set off (a field enabled, the focus moved, a list opened,
        another screen opened and up). Textual hands a key to the widget focused when the key
        arrives, and runs most bindings only once the key has bubbled up to the app, so keys
        typed ahead, before a screen was ready, went to the widget or screen of a moment
        before: a room station opened as a desk."""
        while self.steps and self.settling is None:
            step = self.steps.popleft()
            if isinstance(step, Scan):
                self.send_scan(step)
                continue
            await self.pass_on(step)
            self.settling = Settling(time.monotonic() + SETTLE_LIMIT)
            self.call_later(self.check_settled)

    async def check_settled(self) -> None:
        """Open the way for the next key once the screen is up and nothing is left to handle
        from the last one: twice in a row, with a trip through the app's own queue between
        (where the key's bindings run), so a binding's own messages are waited for too."""
        settling = self.settling
        if settling is None:
            return
        await asyncio.sleep(0)  # the other widgets' turn: the app's queue alone never waits
        settling.screen(self.screen_opening(), time.monotonic())
        if not self.settled() and time.monotonic() < settling.deadline:
            settling.checked = False
            self.call_later(self.check_settled)
        elif not settling.checked and time.monotonic() < settling.deadline:
            settling.checked = True
            self.call_later(self.check_settled)
        else:
            self.settling = None
            await self.release()

    def screen_opening(self) -> bool:
        """Whether the screen to be shown is still being built (not on the stack, or not up)."""
        try:
            return not self.screen.is_mounted
        except ScreenStackError:
            return True

    def settled(self) -> bool:
        """Whether the shown screen is up and it and the focused widget (with the widgets
        between them) have no message waiting."""
        try:
            screen = self.screen
        except ScreenStackError:  # screens changing
            return False
        if not screen.is_mounted:
            return False
        node: DOMNode | None = self.focused or screen
        while isinstance(node, MessagePump):
            if node.message_queue_size:
                return False
            if node is screen:
                return True
            node = node.parent
        return True

    def send_scan(self, scan: Scan) -> None:
        """Send the scan up from the focused widget, behind the keys already handed to it (an
        F-key pressed before the scan acts first); straight to the app if that is gone."""
        target = self.focused or self.screen
        if not target.post_message(ScanRead(scan)):
            self.post_message(ScanRead(scan))
        self.set_timer(RECORD_WAIT, partial(self.post_message, ScanRead(scan)))

    async def on_scan_read(self, message: ScanRead) -> None:
        message.stop()
        if self.scans.recording != message.scan:
            return  # recorded already (this is the copy sent in case the first was lost)
        try:
            record_scan(self, message.scan.badge)
        finally:
            await self.hand_on(self.scans.recorded(message.scan))

    async def on_held_keys_due(self, message: HeldKeysDue) -> None:
        await self.hand_on(self.scans.due(message.generation))
