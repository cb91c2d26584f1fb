"""The desk's order among equally good matches: who is likely to be at the desk now.

People not yet checked in come before those already in, and among each, people expected now
(a place still expected, `places_expected`, in the slot running or next that anyone has a
place in: the first workshops while the opening plenary waits) before the others; then
alphabetically. Only ties are ordered: a better match on the text still comes first, and equal
matches still make the desk ask (bigconv/services/identify.py).

The desk searches on every key, so this costs one indexed read per key while nothing changed:
who is in and who is expected are kept in memory and caught up from the log's new rows (every
check-in, undo, mark and place names its person), re-read whole only when a row names nobody
(an allocation run, an event synced), the file changed under the connection, or the index was
rebuilt.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Collection, Sequence

import sqlite_utils

from bigconv.core.clock import iso
from bigconv.data.search import POSITION, AttendeeIndex

MANY = 2000  # more new log rows than this: read everything again
# What the log added: the people named, and whether a row named nobody (cannot tell who).
NEW_ROWS_SQL = """
SELECT DISTINCT attendee_id FROM log WHERE id > ? AND id <= ?
  AND (attendee_id IS NOT NULL OR session_id IS NULL) LIMIT ?
"""
# Slots anyone has a place in, by start: the expected slot is the first not over at the time.
SLOTS_SQL = """
SELECT t.id, t.ends_at FROM slots t
WHERE EXISTS (SELECT 1 FROM sessions s JOIN allocations a ON a.session_id = s.id
              WHERE s.slot_id = t.id)
ORDER BY t.starts_at, t.id
"""
EXPECTED_SQL = """
SELECT pe.attendee_id FROM places_expected pe JOIN sessions s ON s.id = pe.session_id
WHERE s.slot_id = ?
"""
ARRIVED_SQL = "SELECT attendee_id FROM checkins WHERE 1"
TIER = POSITION + 1  # a key is its tier times this plus its position (AttendeeIndex's Order)


def _among(sql: str, ids: Collection[int]) -> str:
    """`sql` for only these people (its WHERE extended)."""
    return sql.rstrip() + f" AND attendee_id IN ({','.join('?' * len(ids))})"


class DeskOrder:
    """Sort keys for AttendeeIndex.search (its `order`), by index position: the desk's order
    among equal matches at the time `clock` says."""

    def __init__(self, index: AttendeeIndex, clock: Callable[[], dt.datetime]):
        self.index = index
        self.clock = clock
        self.arrived: set[int] = set()  # attendee ids checked in now
        self.expected: set[int] = set()  # attendee ids with a place expected in `slot`
        self.slot: int | None = None  # the slot people are expected for
        self._slots: list[tuple[int, str]] = []  # (slot id, ends_at) of slots with places
        self._db: sqlite_utils.Database | None = None  # the connection the state was read on
        self._log_id = 0  # the newest log row read
        self._generation = -1  # the index's generation the keys are for
        self._keys: list[int] = []
        self._position: dict[int, int] = {}

    def __call__(self) -> Sequence[int]:
        """The keys now: the smaller first, by index position (call after index.refresh)."""
        db = self.index.db
        newest = db.execute("SELECT max(id) FROM log").fetchone()[0] or 0
        if db is not self._db or newest < self._log_id or self._generation != self.index.generation:
            self._read_all(db, newest)
        elif newest != self._log_id:
            self._catch_up(db, newest)
        slot = self._slot_at(iso(self.clock()))
        if slot != self.slot:  # a slot ended: other people are expected now
            self.slot = slot
            self.expected = self._ids(db, EXPECTED_SQL, [slot]) if slot is not None else set()
            self._rebuild()
        elif len(self._keys) < len(self.index.people):  # walk-ins, added at the end
            self._extend()
        return self._keys

    def tier(self, attendee_id: int) -> int:
        """0 expected and not in, 1 not in, 2 in and expected, 3 in."""
        return 2 * (attendee_id in self.arrived) + (attendee_id not in self.expected)

    def _read_all(self, db: sqlite_utils.Database, newest: int) -> None:
        self._db, self._log_id, self._generation = db, newest, self.index.generation
        self.arrived = self._ids(db, ARRIVED_SQL)
        self._slots = self._read_slots(db)
        self.slot = self._slot_at(iso(self.clock()))
        self.expected = self._ids(db, EXPECTED_SQL, [self.slot]) if self.slot is not None else set()
        self._rebuild()

    def _catch_up(self, db: sqlite_utils.Database, newest: int) -> None:
        rows = db.execute(NEW_ROWS_SQL, [self._log_id, newest, MANY + 1]).fetchall()
        people = {row[0] for row in rows}
        if None in people or len(rows) > MANY:  # a row about nobody in particular: read all
            self._read_all(db, newest)
            return
        self._log_id = newest
        if not people:
            return
        self._slots = self._read_slots(db)  # a first place in a slot that had none
        arrived = self._ids(db, _among(ARRIVED_SQL, people), list(people))
        expected = (
            self._ids(db, _among(EXPECTED_SQL, people), [self.slot, *people])
            if self.slot is not None
            else set()
        )
        self.arrived = (self.arrived - people) | arrived
        self.expected = (self.expected - people) | expected
        for attendee_id in people:
            self._place(attendee_id)

    @staticmethod
    def _read_slots(db: sqlite_utils.Database) -> list[tuple[int, str]]:
        return [(row[0], row[1]) for row in db.execute(SLOTS_SQL)]

    def _slot_at(self, at: str) -> int | None:
        return next((slot for slot, ends_at in self._slots if at < ends_at), None)

    @staticmethod
    def _ids(db: sqlite_utils.Database, sql: str, params: Sequence[object] = ()) -> set[int]:
        return {row[0] for row in db.execute(sql, list(params))}

    def _rebuild(self) -> None:
        people = self.index.people
        self._position = {p.id: i for i, p in enumerate(people)}
        self._keys = [self.tier(p.id) * TIER + i for i, p in enumerate(people)]

    def _extend(self) -> None:
        """Walk-ins appended to the index (positions of everyone else kept)."""
        people = self.index.people
        for i in range(len(self._keys), len(people)):
            self._position[people[i].id] = i
            self._keys.append(self.tier(people[i].id) * TIER + i)

    def _place(self, attendee_id: int) -> None:
        i = self._position.get(attendee_id)
        if i is not None:
            self._keys[i] = self.tier(attendee_id) * TIER + i
