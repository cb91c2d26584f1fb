"""A staff member in real headless Chromium: the passcode form, a wrong try, then a live station."""

from __future__ import annotations

from pathlib import Path

import pytest
from aiohttp.test_utils import TestServer

from bigconv.core.event import load_event
from bigconv.data import database
from bigconv.data import passcode as passcodes
from bigconv.web.server import STAFF_APP, make_web_app
from bigconv.web.stations.app import STAFF_SITE


@pytest.fixture
async def server(small_event: Path, small_db: Path):
    app = make_web_app(small_db, load_event(small_event), staff=True)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    yield server
    await server.close()


async def test_log_in_open_a_station_and_close_it(browser, server, small_db, tmp_path):
    db = database.connect(small_db)
    passcode = passcodes.staff_passcode(db)
    db.close()
    site = server.app[STAFF_APP][STAFF_SITE]
    page = await browser.new_page(viewport={"width": 1100, "height": 700})
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    await page.goto(f"http://127.0.0.1:{server.port}/staff")

    await page.fill("#passcode", "a wrong guess")
    await page.click("button[type=submit]")
    await page.get_by_text("That is not the passcode").wait_for()
    assert site.started == 0
    await page.screenshot(path=tmp_path / "staff-wrong.png")

    await page.fill("#passcode", passcode.replace("-", " ").title())
    await page.click("button[type=submit]")
    await page.wait_for_selector("body.-first-byte", timeout=30_000)  # the station drew itself
    assert site.started == 1 and len(site.running) == 1
    assert await page.evaluate("document.cookie") == ""  # HttpOnly: scripts cannot read it
    await page.screenshot(path=tmp_path / "staff-station.png")

    await page.mouse.click(550, 400)  # focus the terminal, then quit the station with its key
    await page.keyboard.press("Control+q")
    await page.wait_for_selector("body.-closed", timeout=20_000)
    await page.get_by_text("This station has closed").wait_for()
    await page.click("text=Log out")
    await page.wait_for_selector("#passcode")
    assert errors == []
