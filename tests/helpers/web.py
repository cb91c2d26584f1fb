"""The phone, links and staff sites as tests drive them: a clock they move, the morning the
small event's sites run at, same-site headers, day links, and the staff login."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import sqlite3
import sys
from collections.abc import Iterator
from pathlib import Path

import aiohttp
import pytest
from aiohttp.test_utils import TestClient

from bigconv.data import database
from bigconv.data import followup as fu
from bigconv.web.server import STAFF_APP
from bigconv.web.stations.app import STAFF_SITE
from tests.helpers.db import table

# 10:15 on the small event's day: the morning slot has begun.
MORNING = dt.datetime(2026, 11, 27, 10, 15, tzinfo=dt.UTC)


class Clock:
    """The site's clock, moved by the test (the clock is injected, as in the TUI)."""

    def __init__(self, now: dt.datetime = MORNING):
        self.now = now

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += dt.timedelta(seconds=seconds)


def same_site(client: TestClient) -> dict[str, str]:
    """The Origin a browser sends with a form posted from one of this site's pages (a form
    post without Origin or Referer is refused: bigconv/web/common/security.py)."""
    return {"Origin": f"http://{client.host}:{client.port}"}


def first_code(db_path: Path) -> str:
    """The code of the first session (by id)."""
    return table(db_path, "SELECT code FROM sessions ORDER BY id LIMIT 1")[0][0]


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
    """Everyone's day link; returns first name + school initial -> token."""
    db = database.connect(db_path)
    issued = fu.create_day_links(db, expires=expires, station="Office", at=MORNING)
    db.close()
    return {i.person.first_name + i.person.school[0]: i.token for i in issued}


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


# -- the staff site (/staff) -----------------------------------------------------------------


def origin(client: TestClient) -> dict[str, str]:
    """The Origin a browser sends with the staff site's passcode form (as `same_site`)."""
    return {"Origin": f"http://{client.host}:{client.port}"}


def site(client: TestClient):
    """The staff site (its station processes) behind a test client."""
    return client.app[STAFF_APP][STAFF_SITE]


async def log_in(client: TestClient, text: str) -> aiohttp.ClientResponse:
    """Post `text` to the staff passcode form, as a browser on this site would."""
    return await client.post(
        "/staff/login", data={"passcode": text}, headers=origin(client), allow_redirects=False
    )


async def refused(client: TestClient, headers: dict[str, str]) -> int:
    """The status a websocket upgrade to /staff/ws gets (it must not be 101)."""
    with pytest.raises(aiohttp.WSServerHandshakeError) as caught:
        await client.ws_connect("/staff/ws", headers=headers)
    return caught.value.status


async def terminal_text(ws: aiohttp.ClientWebSocketResponse, wanted: bytes) -> bytes:
    """Read the station's terminal output until `wanted` appears (or fail after 30 s)."""
    seen = b""
    async with asyncio.timeout(30):
        async for message in ws:
            if message.type == aiohttp.WSMsgType.BINARY:
                seen += message.data
                if wanted in seen:
                    return seen
    raise AssertionError(f"the station closed before showing {wanted!r}: {seen[-300:]!r}")
