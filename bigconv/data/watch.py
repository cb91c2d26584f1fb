"""Notice commits from any connection, and what they touched, by polling counters that cost
microseconds and reading only the rows added since the last poll."""

from __future__ import annotations

from dataclasses import dataclass

import sqlite_utils

from bigconv.data.log import PHONE_STATION

# Each topic is a cheap indexed read; staff actions all write a `log` row, phones write
# reactions and feedback, and imports/walk-ins bump attendees_version.
TOPICS = {
    "log": "SELECT max(id) FROM log",
    "reactions": "SELECT max(id) FROM reactions",
    "feedback": "SELECT max(id) FROM feedback",
    "attendees": "SELECT value FROM meta WHERE key = 'attendees_version'",
}
PHONE_LOG = "phone log"
"""Not a counter of its own: new `log` rows all written for phones (a reaction, a feedback form,
a commitment) are this topic instead of "log", which is then what people did at a station."""
ALL = frozenset(TOPICS) | {PHONE_LOG}
PHONES = frozenset({"reactions", "feedback", PHONE_LOG})
"""What phones write: a plenary's taps come by the hundred a second, so the screens that
only count them may gather them (bigconv/tui/stations/base.py, LiveScreen.pace)."""
# The new rows of a topic since the last poll: which sessions and people they touch, and
# whether a phone wrote them.
NEW_ROWS = {
    "log": "SELECT session_id, attendee_id, station = ? FROM log WHERE id > ? LIMIT ?",
    "reactions": "SELECT DISTINCT session_id, NULL, 1 FROM reactions WHERE id > ? LIMIT ?",
    "feedback": "SELECT DISTINCT session_id, NULL, 1 FROM feedback WHERE id > ? LIMIT ?",
}
MANY = 2000  # more new rows than this in one poll: say "everything" rather than list them


@dataclass(frozen=True)
class Changes:
    """What the commits since the last poll touched.

    `everything` means the watcher cannot tell (a log row naming no session or person, an edit
    by another tool, a flood of rows): a station then refreshes whatever it shows."""

    topics: frozenset[str] = frozenset()
    sessions: frozenset[int] = frozenset()
    attendees: frozenset[int] = frozenset()
    everything: bool = False

    def __bool__(self) -> bool:
        return bool(self.topics) or self.everything

    def __or__(self, other: Changes) -> Changes:
        return Changes(
            self.topics | other.topics,
            self.sessions | other.sessions,
            self.attendees | other.attendees,
            self.everything or other.everything,
        )

    def only(self, topics: frozenset[str]) -> bool:
        """True if something changed and all of it was in these topics (known row by row)."""
        return bool(self.topics) and not self.everything and self.topics <= topics

    def touches(self, topics: frozenset[str]) -> bool:
        """True if any of these topics changed (or the watcher cannot tell)."""
        return self.everything or bool(self.topics & topics)


NOTHING = Changes()
EVERYTHING = Changes(ALL, everything=True)


class ChangeWatcher:
    """Tracks `PRAGMA data_version` (other connections' commits) and our own total_changes."""

    def __init__(self, db: sqlite_utils.Database):
        self.db = db
        self._last = self._stamp()
        self.marks = self._read_marks()  # each topic's counter as last seen

    def _stamp(self) -> tuple[int, int]:
        version = self.db.execute("PRAGMA data_version").fetchone()[0]
        return version, self.db.conn.total_changes

    def _read_marks(self) -> dict[str, object]:
        return {topic: self.db.execute(sql).fetchone()[0] for topic, sql in TOPICS.items()}

    def changed(self) -> bool:
        """True once after each commit made anywhere since the last call."""
        return bool(self.poll())

    def poll(self) -> Changes:
        """What changed since the last poll (falsy when nothing was committed)."""
        stamp = self._stamp()
        if stamp == self._last:
            return NOTHING
        self._last = stamp
        marks = self._read_marks()
        changed = frozenset(t for t in TOPICS if marks[t] != self.marks.get(t))
        old, self.marks = self.marks, marks
        if not changed:
            # A commit that touched none of the counters (an edit by hand, say).
            return EVERYTHING
        sessions: set[int] = set()
        people: set[int] = set()
        everything = "attendees" in changed  # an import or a walk-in: names and lists change
        phones_only = True  # every new log row was written for a phone
        for topic in changed & NEW_ROWS.keys():
            start, end = old.get(topic) or 0, marks[topic]
            if not isinstance(start, int) or not isinstance(end, int) or end < start:
                everything = True  # rows went away: the file was replaced or edited
                continue
            args = [PHONE_STATION, start, MANY + 1] if topic == "log" else [start, MANY + 1]
            rows = self.db.execute(NEW_ROWS[topic], args).fetchall()
            if len(rows) > MANY:
                everything = True
            for session_id, attendee_id, by_phone in rows:
                if session_id is None and attendee_id is None:
                    everything = True  # an action about no one session or person
                if session_id is not None:
                    sessions.add(session_id)
                if attendee_id is not None:
                    people.add(attendee_id)
                phones_only = phones_only and bool(by_phone)
        if "log" in changed and phones_only and not everything:
            changed = (changed - {"log"}) | {PHONE_LOG}
        return Changes(changed, frozenset(sessions), frozenset(people), everything)
