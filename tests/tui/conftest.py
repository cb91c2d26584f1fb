"""Fixtures of the station tests: the busy sample day (bigconv/services/demo.py) once per run
and a private copy per test; the small day with rooms allocated."""

from __future__ import annotations

from pathlib import Path

import pytest

from bigconv.data import database
from bigconv.services.demo import make_busy
from tests.helpers.events import copy_day


@pytest.fixture(scope="session")
def busy_template(sample_template: Path, tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("busy")
    copy_day(sample_template, folder)
    return make_busy(folder)


@pytest.fixture
def busy_db(busy_template: Path, tmp_path: Path) -> Path:
    """A private copy of the busy sample day's database."""
    copy_day(busy_template, tmp_path)
    return tmp_path / "sample_event.db"


@pytest.fixture
def seeded(small_db: Path, small_event: Path):
    """Allocations: Phonics (Room A) gets Ada, Zoë and Bob; Wellbeing (Room B) gets both Khans."""
    db = database.connect(small_db)
    people = {r["last_name"] + r["first_name"]: r for r in db["attendees"].rows}
    sessions = {(s["title"], s["room_id"]): s for s in db["sessions"].rows}
    rooms = {r["name"]: r["id"] for r in db["rooms"].rows}
    phonics = sessions[("Phonics", rooms["Room A"])]
    wellbeing = sessions[("Wellbeing", rooms["Room B"])]
    allocs = [
        (people["LovelaceAda"], phonics),
        (people["O'Brien-MüllerZoë"], phonics),
        (people["[bold]Bob[/]Bob"], phonics),
    ] + [(p, wellbeing) for p in db["attendees"].rows_where("last_name = 'Khan'")]
    db["allocations"].insert_all({"attendee_id": p["id"], "session_id": s["id"]} for p, s in allocs)
    db.conn.commit()
    yield {"db": db, "people": people, "phonics": phonics, "wellbeing": wellbeing}
    db.close()
