"""What every station screen shares: the app's database and clock, and live refresh."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from textual.screen import Screen
from textual.widgets import Input

from bigconv.data.watch import ALL, Changes

if TYPE_CHECKING:
    from bigconv.tui.app import BigconvApp


class LiveScreen(Screen):
    """A screen that re-reads what it shows when the database changes anywhere."""

    WATCHES: frozenset[str] = ALL
    """Change topics (see bigconv.data.watch.TOPICS) that make this screen re-read."""
    MIN_REFRESH: float = 0.0
    """Seconds between two refreshes at least: changes in between are gathered into one."""

    def wants(self, changes: Changes) -> bool:
        """Whether these changes touch what this screen shows (screens narrow it down)."""
        return changes.touches(self.WATCHES)

    def on_mount(self) -> None:
        # A blinking cursor redraws the screen twice a second for ever; a station whose screen
        # did not change should cost nothing (the cursor still shows, steadily).
        for box in self.query(Input):
            box.cursor_blink = False

    def show(self, selector: str, content) -> None:
        """Update a Static only if what it shows changed: an unchanged refresh paints nothing."""
        shown = self.__dict__.setdefault("_shown", {})
        if shown.get(selector) != content:
            shown[selector] = content
            self.query_one(selector).update(content)

    @property
    def bigconv(self) -> BigconvApp:
        return self.app  # type: ignore[return-value]

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
