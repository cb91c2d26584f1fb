"""Fixtures of the staff station tests: a client of the site with /staff on, and its passcode.

This `client` is the staff site's (a browser that has not logged in yet); the phone tests'
`client` in tests/web/conftest.py is a phone that opened a session page."""

from __future__ import annotations

from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient, TestServer

from bigconv.core.event import load_event
from bigconv.data import database
from bigconv.data import passcode as passcodes
from bigconv.web.server import make_web_app


@pytest.fixture
async def client(small_event: Path, small_db: Path):
    app = make_web_app(small_db, load_event(small_event), staff=True)
    async with TestClient(TestServer(app, host="127.0.0.1")) as c:
        yield c


@pytest.fixture
def passcode(small_db: Path) -> str:
    db = database.connect(small_db)
    try:
        return passcodes.staff_passcode(db)
    finally:
        db.close()
