"""What every station screen shares: the app's database and clock, and live refresh."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from textual.screen import Screen

from bigconv.data.watch import ALL

if TYPE_CHECKING:
    from bigconv.tui.app import BigconvApp


class LiveScreen(Screen):
    """A screen that re-reads what it shows when the database changes anywhere."""

    WATCHES: frozenset[str] = ALL
    """Change topics (see bigconv.data.watch.TOPICS) that make this screen re-read."""

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
