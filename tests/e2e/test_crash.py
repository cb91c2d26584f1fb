"""SIGKILL writers in the middle of a storm: every acknowledged action survives, the file is sound."""

from __future__ import annotations

from bigconv.core.clock import iso
from bigconv.data import database
from tests.helpers.storm import Storm, missing


def test_sigkill_mid_storm_loses_nothing_acknowledged(small_db):
    storm = Storm(small_db, writers=2)
    try:
        storm.wait_for(400)
    finally:
        storm.kill()
    acks = storm.snapshot()
    assert {"checkin", "reaction", "undo"} <= {a[0] for a in acks}
    assert all(p.returncode == -9 for p in storm.procs)  # killed, not finished

    db = database.connect(small_db)  # a restart: WAL recovery happens here
    try:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert missing(db, acks) == []
        # Each acknowledged check-in also has its log row (same transaction).
        logged = set(db.execute("SELECT attendee_id, at FROM log WHERE action = 'checkin'"))
        assert {(int(a[1]), a[2]) for a in acks if a[0] == "checkin"} <= logged
        # And the database still takes writes after the crash.
        with database.immediate(db):
            db.execute(
                "INSERT INTO reactions (session_id, kind, at, device) VALUES (1, 'useful', ?, 'after')",
                [iso()],
            )
    finally:
        db.close()
