"""Notice commits from any connection by polling a counter that costs microseconds."""

from __future__ import annotations

import sqlite_utils


class ChangeWatcher:
    """Tracks `PRAGMA data_version` (other connections' commits) and our own total_changes."""

    def __init__(self, db: sqlite_utils.Database):
        self.db = db
        self._last = self._stamp()

    def _stamp(self) -> tuple[int, int]:
        version = self.db.execute("PRAGMA data_version").fetchone()[0]
        return version, self.db.conn.total_changes

    def changed(self) -> bool:
        """True once after each commit made anywhere since the last call."""
        stamp = self._stamp()
        if stamp != self._last:
            self._last = stamp
            return True
        return False
