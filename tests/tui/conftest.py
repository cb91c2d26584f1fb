"""A busy, deterministic sample day for screen pictures: allocated, arrived, attending, reacting."""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path

import pytest

from bigconv.core.clock import iso
from bigconv.core.event import load_event
from bigconv.data import allocation, database
from bigconv.data.meta import set_meta
from tests.conftest import copy_day

# 10:05 on the day: Workshops 1 (09:45-10:45, GMT) has been running for twenty minutes.
BUSY_CLOCK = dt.datetime(2026, 11, 27, 10, 5, tzinfo=dt.UTC)


@pytest.fixture(scope="session")
def busy_template(sample_template: Path, tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("busy")
    copy_day(sample_template, folder)
    return make_busy(folder)


def make_busy(folder: Path) -> Path:
    """Make the initialised sample day in `folder` busy (scripts/screenshots.py uses it too)."""
    event = load_event(folder / "sample_event.toml")
    db = database.connect(folder / "sample_event.db")
    with database.immediate(
        db
    ):  # a fixed phone address, so pictures do not depend on this machine's
        set_meta(db, "base_url", "http://192.0.2.10:8000")
    allocation.write(db, allocation.allocate(db, event.audiences, seed=0), station="setup")
    rng = random.Random(7)
    start = dt.datetime(2026, 11, 27, 8, 20, tzinfo=dt.UTC)
    people = [r[0] for r in db.execute("SELECT id FROM attendees ORDER BY id")]
    arrived = people[:700]
    slot = db.execute("SELECT id FROM slots WHERE label = 'Workshops 1'").fetchone()[0]
    with database.immediate(db):
        for n, aid in enumerate(arrived):
            at = iso(start + dt.timedelta(seconds=n * 7))
            db.execute(
                "INSERT INTO checkin_records (attendee_id, at, station) VALUES (?, ?, ?)",
                [aid, at, f"Desk {n % 4 + 1}"],
            )
        rows = db.execute(
            "SELECT a.attendee_id, a.session_id FROM allocations a JOIN sessions s ON s.id = a.session_id"
            " WHERE s.slot_id = ? ORDER BY a.attendee_id",
            [slot],
        ).fetchall()
        present = set(arrived)
        for aid, sid in rows:
            if aid in present and rng.random() < 0.8:
                db.execute(
                    "INSERT INTO attendance_records (session_id, attendee_id, at, station) VALUES (?, ?, ?, 'Door')",
                    [sid, aid, iso(dt.datetime(2026, 11, 27, 9, 47, tzinfo=dt.UTC))],
                )
        sessions = [
            r[0]
            for r in db.execute("SELECT id FROM sessions WHERE slot_id = ? ORDER BY id", [slot])
        ]
        kinds = ["useful", "insight", "love", "question", "lost", "slower"]
        for n in range(400):
            sid = sessions[rng.randrange(len(sessions))]
            kind = "lost" if sid == sessions[3] and n % 2 else rng.choice(kinds[:4])
            at = dt.datetime(2026, 11, 27, 9, 50, tzinfo=dt.UTC) + dt.timedelta(
                seconds=rng.randrange(900)
            )
            db.execute(
                "INSERT INTO reactions (session_id, kind, at, device) VALUES (?, ?, ?, ?)",
                [sid, kind, iso(at), f"d{n}"],
            )
        comments = [
            "Really practical, thank you",
            "[bold red]x[/] <script>alert(1)</script>",
            "Could we have the slides?",
            "",
        ]
        steps = [
            "Exit tickets on Monday",
            "Try the bar model with Year 4",
            "",
            "Share with my team",
        ]
        for n in range(60):
            at = dt.datetime(2026, 11, 27, 9, 55, tzinfo=dt.UTC) + dt.timedelta(seconds=n * 10)
            db.execute(
                "INSERT INTO feedback (session_id, rating, next_step, comment, at, device) VALUES (?, ?, ?, ?, ?, ?)",
                [sessions[n % 7], 2 + n % 4, steps[n % 4], comments[n % 4], iso(at), f"f{n}"],
            )
    db.close()
    return folder


@pytest.fixture
def busy_db(busy_template: Path, tmp_path: Path) -> Path:
    """A private copy of the busy sample day's database."""
    copy_day(busy_template, tmp_path)
    return tmp_path / "sample_event.db"
