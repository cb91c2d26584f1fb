"""A writer for crash and backup tests: check-ins, undos and reactions as fast as it can.

Usage: python _storm.py DB STATION PART PARTS
Works on the attendees whose id % PARTS == PART. Prints one line per action, flushed, only
after the commit returned (so every printed line is an acknowledged action):
    checkin ATTENDEE_ID AT | undo ATTENDEE_ID AT | reaction ROWID
"""

from __future__ import annotations

import sys

from bigconv.core.clock import iso, utcnow
from bigconv.data import database
from bigconv.data.checkin import check_in, undo_checkin


def ack(*parts) -> None:
    sys.stdout.write(" ".join(map(str, parts)) + "\n")
    sys.stdout.flush()


def main(db_path: str, station: str, part: int, parts: int) -> None:
    db = database.connect(db_path)
    people = [
        r[0] for r in db.execute("SELECT id FROM attendees ORDER BY id") if r[0] % parts == part
    ]
    session_id = db.execute("SELECT min(id) FROM sessions").fetchone()[0]
    n = 0
    while True:
        for person in people:
            result = check_in(db, person, station=station)
            if result.checked_in:
                ack("checkin", person, result.at)
            with database.immediate(db):
                cursor = db.execute(
                    "INSERT INTO reactions (session_id, kind, at, device) VALUES (?, 'useful', ?, ?)",
                    [session_id, iso(), f"{station}-{n}"],
                )
            ack("reaction", cursor.lastrowid)
            n += 1
        for person in people:
            # Deliberate clock read: an undo is stamped with this machine's time, like a desk's;
            # the test checks the stamp was stored as acknowledged, never its value.
            when = utcnow()
            if undo_checkin(db, person, station=station, at=when):
                ack("undo", person, iso(when))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))
