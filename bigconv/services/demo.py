"""A busy day to show: the sample day allocated, arrived, attending, reacting and commenting.

The README's pictures (`scripts/screenshots.py`), the snapshot and layout tests and a rehearsal
all want the same busy morning, the same every time: 700 check-ins, four in five of them
present in Workshops 1, 400 reactions and 60 feedback forms, at 10:05 on the sample day. It is
written through the same data calls the stations and the phone site make, in one transaction.
"""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path

from bigconv.data import allocation, attendance, checkin, database, feedback, reactions, timetable
from bigconv.data.meta import set_meta
from bigconv.services.setup import load

# 10:05 on the day: Workshops 1 (09:45-10:45, GMT) has been running for twenty minutes.
BUSY_CLOCK = dt.datetime(2026, 11, 27, 10, 5, tzinfo=dt.UTC)

ARRIVED = 700
SLOT = "Workshops 1"
KINDS = ["useful", "insight", "love", "question", "lost", "slower"]
COMMENTS = [
    "Really practical, thank you",
    "[bold red]x[/] <script>alert(1)</script>",  # untrusted text, shown literally
    "Could we have the slides?",
    "",
]
STEPS = ["Exit tickets on Monday", "Try the bar model with Year 4", "", "Share with my team"]


def _at(hh: int, mm: int) -> dt.datetime:
    return dt.datetime(2026, 11, 27, hh, mm, tzinfo=dt.UTC)


def make_busy(folder: Path) -> Path:
    """Make the initialised sample day in `folder` (`sample_event.toml` and its database)
    busy, deterministically; returns `folder`."""
    day = load(folder / "sample_event.toml")
    db = day.connect()
    try:
        with database.immediate(db):  # a fixed phone address: pictures not of this machine
            set_meta(db, "base_url", "http://192.0.2.10:8000")
        plan = allocation.allocate(db, day.event.audiences, seed=0)
        allocation.write(db, plan, station="setup")
        slot = next(s["id"] for s in timetable.slots(db) if s["label"] == SLOT)
        sessions = sorted(s.id for s in timetable.sessions(db) if s.slot_id == slot)
        places = sorted(
            (aid, sid) for (aid, in_slot), (sid, _) in plan.placements.items() if in_slot == slot
        )
        with database.immediate(db):  # one commit for the whole morning
            _record_morning(db, plan.problem.attendees[:ARRIVED], places, sessions)
    finally:
        db.close()
    return folder


def _record_morning(
    db: database.EventDatabase,
    arrived: list[int],
    places: list[tuple[int, int]],
    sessions: list[int],
) -> None:
    rng = random.Random(7)
    start = _at(8, 20)
    for n, aid in enumerate(arrived):
        at = start + dt.timedelta(seconds=n * 7)
        checkin.check_in(db, aid, station=f"Desk {n % 4 + 1}", at=at)
    present = set(arrived)
    for aid, sid in places:
        if aid in present and rng.random() < 0.8:
            attendance.mark_present(db, sid, aid, station="Door", at=_at(9, 47))
    for n in range(400):
        sid = sessions[rng.randrange(len(sessions))]
        kind = "lost" if sid == sessions[3] and n % 2 else rng.choice(KINDS[:4])
        at = _at(9, 50) + dt.timedelta(seconds=rng.randrange(900))
        reactions.record_reaction(db, sid, kind, f"d{n}", at=at)
    for n in range(60):
        at = _at(9, 55) + dt.timedelta(seconds=n * 10)
        feedback.record_feedback(
            db,
            sessions[n % 7],
            f"f{n}",
            rating=2 + n % 4,
            next_step=STEPS[n % 4],
            comment=COMMENTS[n % 4],
            at=at,
        )
