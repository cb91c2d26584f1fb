"""Notice commits from any connection by polling counters that cost microseconds."""

from __future__ import annotations

import sqlite_utils

# Each topic is a cheap indexed read; staff actions all write a `log` row, phones write
# reactions and feedback, and imports/walk-ins bump attendees_version.
TOPICS = {
    "log": "SELECT max(id) FROM log",
    "reactions": "SELECT max(id) FROM reactions",
    "feedback": "SELECT max(id) FROM feedback",
    "attendees": "SELECT value FROM meta WHERE key = 'attendees_version'",
}
ALL = frozenset(TOPICS)


class ChangeWatcher:
    """Tracks `PRAGMA data_version` (other connections' commits) and our own total_changes."""

    def __init__(self, db: sqlite_utils.Database):
        self.db = db
        self._last = self._stamp()
        self._marks = self._read_marks()

    def _stamp(self) -> tuple[int, int]:
        version = self.db.execute("PRAGMA data_version").fetchone()[0]
        return version, self.db.conn.total_changes

    def _read_marks(self) -> dict[str, object]:
        return {
            topic: self.db.execute(sql).fetchone()[0] if sql else None
            for topic, sql in TOPICS.items()
        }

    def changed(self) -> bool:
        """True once after each commit made anywhere since the last call."""
        return bool(self.poll())

    def poll(self) -> frozenset[str]:
        """The topics that changed since the last poll (empty when nothing was committed)."""
        stamp = self._stamp()
        if stamp == self._last:
            return frozenset()
        self._last = stamp
        marks = self._read_marks()
        changed = frozenset(t for t in TOPICS if marks[t] != self._marks.get(t))
        self._marks = marks
        # A commit that touched none of the counters (an edit by hand, say): refresh everything.
        return changed or ALL
