"""A real phone site over the small event's real database, on 127.0.0.1, with a clock we set."""

from __future__ import annotations

import contextlib
import datetime as dt
import sqlite3
import sys
from collections.abc import Iterator
from pathlib import Path

import aiohttp
import pytest
from aiohttp.test_utils import TestClient, TestServer

from bigconv.core.event import load_event
from bigconv.data import database
from bigconv.data import followup as fu
from bigconv.web.server import make_web_app

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


def same_site(client: TestClient) -> dict[str, str]:
    """The Origin a browser sends with a form posted from one of this site's pages (a form
    post without Origin or Referer is refused: bigconv/web/common/security.py)."""
    return {"Origin": f"http://{client.host}:{client.port}"}


def first_code(db_path: Path) -> str:
    return table(db_path, "SELECT code FROM sessions ORDER BY id LIMIT 1")[0][0]


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


def table(db_path: Path, sql: str, params=()) -> list[tuple]:
    """Read the database the way an organiser would: a separate connection."""
    db = database.connect(db_path)
    try:
        return db.execute(sql, list(params)).fetchall()
    finally:
        db.close()


@contextlib.contextmanager
def sqlite_calls_on_this_thread() -> Iterator[list[str]]:
    """The SQLite calls made in this thread while the block runs (a profile hook sees every
    call into the sqlite3 module's C code). The test's event loop runs the served site too, so
    an empty list means no request handler touched SQLite on the loop."""
    seen: list[str] = []

    def profile(frame, event, arg) -> None:
        if event != "c_call":
            return
        owner = getattr(arg, "__self__", None)
        module = getattr(arg, "__module__", None)
        if isinstance(owner, sqlite3.Connection | sqlite3.Cursor) or module in {
            "sqlite3",
            "_sqlite3",
        }:
            seen.append(f"{arg.__qualname__} from {frame.f_code.co_filename}:{frame.f_lineno}")

    previous = sys.getprofile()
    sys.setprofile(profile)
    try:
        yield seen
    finally:
        sys.setprofile(previous)


def make_links(db_path, *, expires=MORNING + dt.timedelta(hours=8)) -> dict[str, str]:
    db = database.connect(db_path)
    issued = fu.create_day_links(db, expires=expires, station="Office", at=MORNING)
    db.close()
    return {i.person.first_name + i.person.school[0]: i.token for i in issued}


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


async def about_from(base: str, address: str) -> int:
    """GET /api/about from a client bound to `address` (127.0.0.x: another machine on the
    venue network, as far as the server can tell); 5 seconds at most."""
    connector = aiohttp.TCPConnector(local_addr=(address, 0))
    timeout = aiohttp.ClientTimeout(total=5)
    async with (
        aiohttp.ClientSession(connector=connector, timeout=timeout) as s,
        s.get(f"{base}/api/about") as r,
    ):
        return r.status
