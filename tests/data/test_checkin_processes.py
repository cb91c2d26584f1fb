"""Four desks as four real processes on one file: one check-in each, nobody sees a lock error."""

from __future__ import annotations

import json
import subprocess
import sys
import time

from bigconv.data import database

WORKER = r"""
import json, random, sys, time
from bigconv.data import database
from bigconv.data.checkin import check_in

path, station, seed, start = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4])
ids = json.loads(sys.stdin.read())
random.Random(seed).shuffle(ids)
db = database.connect(path)
while time.time() < start:  # all four begin together
    time.sleep(0.001)
made = refused = 0
for attendee_id in ids:
    if check_in(db, attendee_id, station=station).checked_in:
        made += 1
    else:
        refused += 1
print(json.dumps({"made": made, "refused": refused}))
"""


def test_four_desks_check_in_overlapping_sets(sample_event):
    path = sample_event.with_suffix(".db")
    db = database.connect(path)
    everyone = [row[0] for row in db.execute("SELECT id FROM attendees ORDER BY id")]
    # Each desk takes 3/4 of the people, so every person is tried by two or three desks at once.
    sets = [[i for n, i in enumerate(everyone) if n % 4 != k] for k in range(4)]
    # Deliberate clock read: not a time of the event day, only a moment for the four desk
    # processes to begin together (they share this machine's clock, faked or not).
    start = time.time() + 1.5
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", WORKER, str(path), f"Desk {k}", str(k), str(start)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for k in range(4)
    ]
    results = []
    for proc, ids in zip(procs, sets, strict=True):
        out, err = proc.communicate(json.dumps(ids), timeout=120)
        assert proc.returncode == 0, err
        assert "locked" not in err and err == ""
        results.append(json.loads(out))
    attempts = sum(len(s) for s in sets)
    assert sum(r["made"] for r in results) == len(everyone)
    assert sum(r["made"] + r["refused"] for r in results) == attempts
    per_person = db.execute(
        "SELECT count(*), count(DISTINCT attendee_id) FROM checkin_records"
    ).fetchone()
    assert per_person == (len(everyone), len(everyone))
    assert db.execute("SELECT count(*) FROM checkins").fetchone()[0] == len(everyone)
    logged = db.execute(
        "SELECT action, count(*) FROM log WHERE action IN ('checkin', 'checkin_refused') GROUP BY action"
    ).fetchall()
    assert dict(logged) == {"checkin": len(everyone), "checkin_refused": attempts - len(everyone)}
    # Every desk really did meet the others: refusals came to more than one desk.
    assert sum(1 for r in results if r["refused"]) >= 2
