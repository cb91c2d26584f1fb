"""The desk's and the rooms' search box: typed text or a scanned badge, to one person.

The screen searches as the text changes and draws the matches in its own list; on Enter it
asks `pick`, which looks at that list as the person sees it (for exactly the text entered,
with its highlighted row) and decides with bigconv/services/identify.py. The picker keeps what
that decision needs from the keys: whether the highlight was moved for this text, whether equal
matches were pointed out already (the next Enter takes the highlighted one), and the last
badge scanned (a scanner often reads one badge twice).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence

import sqlite_utils
from textual import events

from bigconv.core.codes import normalise_code
from bigconv.data.search import Match
from bigconv.services.identify import (
    BY_NAME,
    Ambiguous,
    One,
    Outcome,
    Shown,
    as_good_as,
    identify,
)
from bigconv.tui.widgets.searchbox import MOVES, SearchBox

DOUBLE_READ = dt.timedelta(seconds=2)  # scanners often send the same badge twice

Listing = Callable[[str], tuple[Sequence[Match], int]]
"""The matches listed for exactly this text (drawn now if they were not), best first, and the
row highlighted."""


class PersonPicker(SearchBox):
    """A SearchBox that names one person on Enter, never guessing between equal matches."""

    def __init__(
        self,
        *args,
        listing: Listing,
        db: Callable[[], sqlite_utils.Database],
        clock: Callable[[], dt.datetime],
        **kwargs,
    ):
        super().__init__(*args, **kwargs)
        self.listing = listing
        self.db = db
        self.clock = clock
        self.chosen_for: str | None = None  # the text for which the highlight was moved
        self.warned_for: str | None = None  # the text for which equal matches were pointed out
        self.last_scan: tuple[str, dt.datetime] | None = None

    async def key_in_order(self, event: events.Key) -> bool:
        if event.key in MOVES and self.value.strip():
            self.chosen_for = self.value.strip()  # a row picked for this text, in key order
        return await super().key_in_order(event)

    def waiting(self, text: str, matches: Sequence[Match], row: int = 0) -> bool:
        """True while equally good matches for `text` wait for a choice (show a warning)."""
        text = text.strip()
        return bool(matches) and self.chosen_for != text and len(as_good_as(matches, row)) > 1

    def warned(self, text: str) -> bool:
        """Whether equal matches for `text` were pointed out (the next Enter takes the row)."""
        return self.warned_for == text.strip()

    def pick(self, text: str) -> Outcome | None:
        """Who Enter on `text` means, or None: nothing entered, or a scanner's second read.

        Equally good matches give the text back to the box (unless keys typed since are there)
        and are Ambiguous once; Enter again takes the highlighted one.
        """
        text = text.strip()
        if not text:
            return None
        outcome = identify(self.db(), text, shown=lambda: self.shown(text))
        if isinstance(outcome, Ambiguous):
            self.warned_for = text
            if not self.value:  # the cursor at its end: ctrl+u clears it, a scan lands after it
                self.value, self.cursor_position = text, len(text)
        elif isinstance(outcome, One) and outcome.via != BY_NAME:
            return outcome if self.fresh_scan(outcome.person.badge) else None
        return outcome

    def shown(self, text: str) -> Shown:
        matches, row = self.listing(text)
        return Shown(text, matches, row, chosen=text in (self.chosen_for, self.warned_for))

    def repeated(self, badge: str) -> bool:
        """Whether `badge` is the scanner's second read of the badge just read (see fresh_scan);
        asked before a scan closes anything, so a second read changes nothing at all."""
        last = self.last_scan
        return bool(
            last and last[0] == normalise_code(badge) and self.clock() - last[1] < DOUBLE_READ
        )

    def fresh_scan(self, badge: str) -> bool:
        """False for the scanner's second read of the badge just read (ignored silently)."""
        now, last = self.clock(), self.last_scan
        if last and last[0] == badge and now - last[1] < DOUBLE_READ:
            return False  # counted from the read that counted: a third read 2 s on is real
        self.last_scan = (badge, now)
        return True

    def forget_scan(self) -> None:
        """Nothing was stored for the last scan: the next read of that badge must count."""
        self.last_scan = None
