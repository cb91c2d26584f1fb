"""A real phone: headless Chromium at 375x667 on the session page, with JavaScript on and off."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from aiohttp.test_utils import TestServer

from bigconv.core.event import load_event
from bigconv.data import database
from bigconv.data.timetable import sessions
from bigconv.output.posters import write_session_codes
from bigconv.web.server import make_web_app
from tests.helpers.browser import CONTRAST_JS
from tests.helpers.db import table
from tests.helpers.processes import require_tool
from tests.helpers.web import Clock

playwright_api = pytest.importorskip("playwright.async_api")

PHONE = {"width": 375, "height": 667}


@pytest.fixture
async def site(small_event: Path, small_db: Path, tmp_path: Path):
    """The phone site on 127.0.0.1 and the Phonics session's URL, read from its QR code."""
    zbarimg = require_tool("zbarimg")
    event = load_event(small_event)
    server = TestServer(make_web_app(small_db, event, clock=Clock()), host="127.0.0.1")
    await server.start_server()
    db = database.connect(small_db)
    phonics = [s for s in sessions(db) if s.title == "Phonics"]
    db.close()
    base = f"http://127.0.0.1:{server.port}"
    write_session_codes(tmp_path / "qr", phonics, base, event.tz, event.name)
    png = tmp_path / "qr" / f"{phonics[0].code}.png"
    read = subprocess.run([zbarimg, "-q", "--raw", str(png)], capture_output=True, text=True)
    assert read.stdout.strip() == f"{base}/{phonics[0].code}"
    yield read.stdout.strip()
    await server.close()


async def test_taps_and_feedback_with_javascript(browser, site, small_db, tmp_path):
    context = await browser.new_context(viewport=PHONE)
    page = await context.new_page()
    await page.goto(site)
    assert await page.title() == "Phonics · Small Test Day"
    await page.get_by_role("button", name="Useful").click()
    status = page.locator("#react-status")
    await playwright_api.expect(status).to_have_text("✓ Counted: Useful")
    await page.get_by_role("button", name="Lost me").click()
    await playwright_api.expect(status).to_have_text("✓ Counted: Lost me")
    await page.get_by_role("button", name="Useful").click()  # within the cooldown
    await playwright_api.expect(status).to_contain_text("Already counted")
    assert page.url == site  # taps never left the page

    await page.get_by_text("4", exact=True).click()
    await page.get_by_label("Comment").fill("<b>Great</b> [bold]session[/]")
    await page.get_by_role("button", name="Send feedback").click()
    await playwright_api.expect(page.locator("#fb-status")).to_contain_text("feedback is saved")
    tallies = await page.locator("form.reactions .tally").all_text_contents()

    # What I'll try, saved from the same page: the feedback typed and the tallies stay (a
    # full page post once emptied them).
    await page.get_by_label("Comment").fill("Typed, not sent yet")
    await page.get_by_label("What I'll try").fill("Cold calling with wait time")
    await page.get_by_role("button", name="Save what I'll try").click()
    await playwright_api.expect(page.locator("#commit-status")).to_contain_text("Saved")
    assert page.url == site
    assert await page.get_by_label("Comment").input_value() == "Typed, not sent yet"
    assert await page.locator("form.reactions .tally").all_text_contents() == tallies
    await page.screenshot(path=tmp_path / "phone-js.png", full_page=True)

    assert table(small_db, "SELECT kind FROM reactions ORDER BY id") == [("useful",), ("lost",)]
    assert table(small_db, "SELECT rating, next_step, comment FROM feedback") == [
        (4, "", "<b>Great</b> [bold]session[/]")
    ]
    assert table(small_db, "SELECT try_text, attendee_id FROM commitments") == [
        ("Cold calling with wait time", None)
    ]
    devices = table(
        small_db,
        "SELECT DISTINCT device FROM reactions UNION SELECT device FROM feedback"
        " UNION SELECT device FROM commitments",
    )
    assert len(devices) == 1  # one phone, one anonymous device id
    cookie = next(c for c in await context.cookies() if c["name"] == "bigconv_device")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Lax"
    await context.close()


async def test_the_script_sends_a_key_per_tap_and_a_retry_reuses_it(browser, site, small_db):
    """The first answer is lost on the way back (the server stored the tap, the phone sees a
    503): the script retries with the same Idempotency-Key, the server answers as it did the
    first time, and the tap is stored once. The next tap has a key of its own."""
    context = await browser.new_context(viewport=PHONE)
    page = await context.new_page()
    keys: list[str | None] = []

    async def answer_lost_once(route):
        keys.append(route.request.headers.get("idempotency-key"))
        response = await route.fetch()  # the real server stores it (or answers the repeat)
        if len(keys) == 1:
            await route.fulfill(status=503, json={"error": "Not saved"})
        else:
            await route.fulfill(response=response)

    await page.route("**/api/*/reactions", answer_lost_once)
    await page.goto(site)
    await page.get_by_role("button", name="Useful").click()
    status = page.locator("#react-status")
    await playwright_api.expect(status).to_have_text("✓ Counted: Useful", timeout=10_000)
    assert len(keys) == 2 and keys[0] == keys[1]
    assert keys[0] and len(keys[0]) == 32
    assert table(small_db, "SELECT kind FROM reactions") == [("useful",)]
    await page.get_by_role("button", name="Lost me").click()
    await playwright_api.expect(status).to_have_text("✓ Counted: Lost me")
    assert len(keys) == 3 and keys[2] not in keys[:2]
    assert table(small_db, "SELECT count(*) FROM write_keys") == [(2,)]
    await context.close()


async def test_taps_and_feedback_with_javascript_off(browser, site, small_db, tmp_path):
    context = await browser.new_context(viewport=PHONE, java_script_enabled=False)
    page = await context.new_page()
    await page.goto(site)
    await page.get_by_role("button", name="New idea").click()
    await playwright_api.expect(page.locator(".notice")).to_contain_text("Counted: 💡 New idea")
    assert "counted=insight" in page.url

    await page.get_by_text("2", exact=True).click()
    await page.get_by_label("Comment").fill("Too fast for me")
    await page.get_by_role("button", name="Send feedback").click()
    await playwright_api.expect(page.locator(".notice")).to_contain_text("feedback is saved")
    await page.screenshot(path=tmp_path / "phone-nojs.png", full_page=True)

    assert table(small_db, "SELECT kind FROM reactions") == [("insight",)]
    assert table(small_db, "SELECT rating, comment FROM feedback") == [(2, "Too fast for me")]
    await context.close()


async def test_page_fits_a_320px_phone_with_44px_targets(browser, site):
    context = await browser.new_context(viewport={"width": 320, "height": 640})
    page = await context.new_page()
    await page.goto(site)
    width = await page.evaluate("document.documentElement.scrollWidth")
    assert width <= 320  # no sideways scrolling
    sizes = await page.evaluate(
        """() => [...document.querySelectorAll('button, .stars label, textarea, input:not([type=radio]):not([type=hidden])')]
             .map(e => { const r = e.getBoundingClientRect(); return [e.textContent.trim() || e.id, r.width, r.height]; })"""
    )
    small = [s for s in sizes if s[1] < 44 or s[2] < 44]
    assert sizes and not small, small
    await context.close()


async def test_text_contrast_passes_wcag_aa(browser, site):
    context = await browser.new_context(viewport=PHONE)
    page = await context.new_page()
    await page.goto(site)
    await page.get_by_role("button", name="Useful").click()
    await page.get_by_text("3", exact=True).click()  # a chosen rating is white on blue
    await playwright_api.expect(page.locator("#react-status")).to_contain_text("Counted")
    checked = await page.evaluate(CONTRAST_JS)
    failing = [c for c in checked if c[1] < c[2]]
    assert len(checked) > 20 and not failing, failing
    await context.close()
