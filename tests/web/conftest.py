"""A real phone site over the small event's real database, on 127.0.0.1, with a clock we set."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient, TestServer

from bigconv.config import load_event
from bigconv.data import store
from bigconv.web.app import make_web_app

MORNING = dt.datetime(2026, 11, 27, 10, 15, tzinfo=dt.UTC)


class Clock:
    """The site's clock, moved by the test (the clock is injected, as in the TUI)."""

    def __init__(self, now: dt.datetime = MORNING):
        self.now = now

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += dt.timedelta(seconds=seconds)


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


def first_code(db_path: Path) -> str:
    return table(db_path, "SELECT code FROM sessions ORDER BY id LIMIT 1")[0][0]


@pytest.fixture
def codes(small_db: Path) -> dict[str, str]:
    """Session title+slot -> code, e.g. codes['Phonics']."""
    db = store.connect(small_db)
    rows = db.execute(
        "SELECT s.title, t.label, s.code FROM sessions s JOIN slots t ON t.id = s.slot_id"
    ).fetchall()
    db.close()
    out = {f"{title}/{slot}": code for title, slot, code in rows}
    out["Phonics"] = out["Phonics/Morning"]
    return out


def table(db_path: Path, sql: str, params=()) -> list[tuple]:
    """Read the database the way an organiser would: a separate connection."""
    db = store.connect(db_path)
    try:
        return db.execute(sql, list(params)).fetchall()
    finally:
        db.close()
