"""What every station screen shares: the app's database and clock, and live refresh."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from textual.screen import Screen
from textual.widgets import Input, Static

from bigconv.data.watch import ALL, PHONES, Changes
from bigconv.tui.widgets.shape import show_in

if TYPE_CHECKING:
    from bigconv.tui.app import BigconvApp


class LiveScreen(Screen):
    """A screen that re-reads what it shows when the database changes anywhere."""

    WATCHES: frozenset[str] = ALL
    """Change topics (see bigconv.data.watch.TOPICS) that make this screen re-read."""
    MIN_REFRESH: float = 0.0
    """Seconds between two refreshes at least: changes in between are gathered into one."""
    FIGURES_REFRESH: float = 1.0
    """... when all that changed is what phones write (reactions, feedback): a plenary's
    hundreds of taps a second become one redraw a second, and what people do at a desk or in a
    room (check-ins, marks) is still shown at the next poll."""

    def wants(self, changes: Changes) -> bool:
        """Whether these changes touch what this screen shows (screens narrow it down)."""
        return changes.touches(self.WATCHES)

    def pace(self, changes: Changes) -> float:
        """Seconds since the last refresh before these changes may be shown."""
        figures = self.FIGURES_REFRESH if changes.only(PHONES) else 0.0
        return max(self.MIN_REFRESH, figures)

    def refresh_changes(self, changes: Changes) -> None:
        """Show these changes (screens that can redraw less for some changes narrow it)."""
        self.refresh_data()

    def on_mount(self) -> None:
        # A blinking cursor redraws the screen twice a second for ever; a station whose screen
        # did not change should cost nothing (the cursor still shows, steadily).
        for box in self.query(Input):
            box.cursor_blink = False

    def show(self, selector: str, content) -> None:
        """Update a Static only if what it shows changed: an unchanged refresh paints nothing."""
        shown = self.__dict__.setdefault("_shown", {})
        old = shown.get(selector)
        if old != content:
            shown[selector] = content
            show_in(self.query_one(selector, Static), old, content)

    @property
    def bigconv(self) -> BigconvApp:
        return self.app  # type: ignore[return-value]  # Textual says App; stations run in ours

    @property
    def db(self):
        return self.bigconv.db

    def now(self) -> dt.datetime:
        return self.bigconv.clock()

    def guarded(self, action, *args, **kwargs):
        """Run a database write; on failure the station shows why and retries (see the app)."""
        return self.bigconv.guarded(action, *args, **kwargs)

    def refresh_data(self) -> None:
        """Re-query and redraw; called on mount, on resume and after any commit."""

    def on_screen_resume(self) -> None:
        self.refresh_data()
