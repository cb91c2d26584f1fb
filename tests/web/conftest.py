"""A real phone site over the small event's real database, on 127.0.0.1, with a clock we set."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient, TestServer

from bigconv.core.event import load_event
from bigconv.data import database
from bigconv.data import followup as fu
from bigconv.web.server import make_web_app
from tests.helpers.web import MORNING, Clock, first_code


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
async def client(small_event: Path, small_db: Path, clock: Clock):
    """A phone: it has opened a session page, so it holds the device token the page gives."""
    app = make_web_app(small_db, load_event(small_event), clock=clock)
    async with TestClient(TestServer(app, host="127.0.0.1")) as c:
        await c.get(f"/{first_code(small_db)}")
        yield c


@pytest.fixture
async def stranger(small_event: Path, small_db: Path, clock: Clock):
    """A client that never opened a session page (no device token)."""
    app = make_web_app(small_db, load_event(small_event), clock=clock)
    async with TestClient(TestServer(app, host="127.0.0.1")) as c:
        yield c


@pytest.fixture
def codes(small_db: Path) -> dict[str, str]:
    """Session title+slot -> code, e.g. codes['Phonics']."""
    db = database.connect(small_db)
    rows = db.execute(
        "SELECT s.title, t.label, s.code FROM sessions s JOIN slots t ON t.id = s.slot_id"
    ).fetchall()
    db.close()
    out = {f"{title}/{slot}": code for title, slot, code in rows}
    out["Phonics"] = out["Phonics/Morning"]
    return out


@pytest.fixture
def followup_links(small_db):
    """Ada and Bob each named a commitment on the day; the '4 weeks' round is open."""
    db = database.connect(small_db)
    people = dict(db.execute("SELECT first_name, id FROM attendees WHERE school LIKE 'Alpha%'"))
    bob = db.execute("SELECT id FROM attendees WHERE first_name = 'Bob'").fetchone()[0]
    sid = db.execute("SELECT id FROM sessions WHERE title = 'Phonics'").fetchone()[0]
    fu.record_commitment(db, sid, "p1", try_text="Ada's <b>plan</b>", attendee_id=people["Ada"])
    fu.record_commitment(db, sid, "p2", try_text="Bob's secret plan", attendee_id=bob)
    _, issued = fu.create_round(
        db, "4 weeks", closes=MORNING + dt.timedelta(days=28), station="Office", at=MORNING
    )
    ids = {c.try_text: c.id for p in (people["Ada"], bob) for c in fu.commitments_of(db, p)}
    db.close()
    return {i.person.first_name: i.token for i in issued}, ids
