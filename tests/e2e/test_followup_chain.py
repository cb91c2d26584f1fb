"""The whole CPD loop, scripted and deterministic: the real phone site on 127.0.0.1 and real
headless Chromium at phone size (JavaScript on and off), from "one thing I'll try" on the day to
the follow-up answer weeks later, the school's page, the report's evidence table and a
certificate showing the answer."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from aiohttp.test_utils import TestServer

from bigconv.core.event import load_event
from bigconv.data import database, impact
from bigconv.data import followup as fu
from bigconv.data.cpd import records
from bigconv.data.report import build
from bigconv.output.certificates import render_certificates
from bigconv.output.report import render_report
from bigconv.output.schools import write_schools
from bigconv.web.server import make_web_app
from tests.helpers.day import at, fill_day
from tests.helpers.db import table
from tests.helpers.web import Clock

playwright_api = pytest.importorskip("playwright.async_api")
expect = playwright_api.expect

PHONE = {"width": 375, "height": 667}
LONDON = ZoneInfo("Europe/London")


@pytest.fixture
async def day(small_event: Path, small_db: Path):
    """The recorded morning, everyone's day link, and the phone site serving it."""
    db = database.connect(small_db)
    ids = fill_day(db)
    issued = fu.create_day_links(db, expires=at(23, 0), station="Office", at=at(8, 0))
    db.close()
    clock = Clock(at(10, 50))
    server = TestServer(
        make_web_app(small_db, load_event(small_event), clock=clock), host="127.0.0.1"
    )
    await server.start_server()
    codes = dict(table(small_db, "SELECT title, code FROM sessions"))
    links = {i.person.first_name: i.token for i in issued}
    yield {
        "base": f"http://127.0.0.1:{server.port}",
        "clock": clock,
        "codes": codes,
        "links": links,
        "ids": ids,
    }
    await server.close()


async def commit_on_phone(page, base, code, text, where, *, named: bool):
    await page.goto(f"{base}/{code}#commit")
    await page.get_by_label("What I'll try").fill(text)
    await page.get_by_label("When and where").fill(where)
    if named:  # never ticked for them: a person chooses to put their name on it
        name_it = page.get_by_label(re.compile("Put my name on it"))
        await expect(name_it).not_to_be_checked()
        await name_it.check()
    await page.get_by_role("button", name="Save what I'll try").click()
    notice = "Saved, with your name" if named else "Saved, without your name"
    # With JavaScript the page's script says so under the button (the page left as it was);
    # without, the page comes back with the notice at the top of the section.
    said = page.locator("#commit [role=status]").filter(has_text=notice)
    await expect(said).to_have_count(1)


async def test_the_whole_loop_from_the_day_to_the_certificate(browser, day, small_db, tmp_path):
    base, clock, codes, links = day["base"], day["clock"], day["codes"], day["links"]
    people = day["ids"]["people"]

    # On the day. Ada (JavaScript on) opens her link, then names what she'll try at Phonics.
    ada_ctx = await browser.new_context(viewport=PHONE)
    ada = await ada_ctx.new_page()
    await ada.goto(f"{base}/me/{links['Ada']}")
    await expect(ada.get_by_role("heading", level=1)).to_have_text("Hello, Ada")
    await commit_on_phone(
        ada, base, codes["Phonics"], "Retrieval quiz on Mondays", "Y7 set 2", named=True
    )
    await ada.get_by_text("5", exact=True).click()
    await ada.get_by_role("button", name="Send feedback").click()
    await expect(ada.locator("#fb-status")).to_contain_text("feedback is saved")

    # Zoë's phone has JavaScript off; a third phone holds no link and commits without a name.
    zoe_ctx = await browser.new_context(viewport=PHONE, java_script_enabled=False)
    zoe = await zoe_ctx.new_page()
    await zoe.goto(f"{base}/me/{links['Zoë']}")
    await commit_on_phone(zoe, base, codes["Phonics"], "Sound buttons", "Reception", named=True)
    anon_ctx = await browser.new_context(viewport=PHONE, java_script_enabled=False)
    anon = await anon_ctx.new_page()
    await anon.goto(f"{base}/{codes['Phonics']}")
    assert await anon.get_by_label(re.compile("Put my name on it")).count() == 0
    await commit_on_phone(anon, base, codes["Phonics"], "Phoneme frames", "Y1", named=False)

    assert table(small_db, "SELECT try_text, attendee_id FROM commitments ORDER BY id") == [
        ("Retrieval quiz on Mondays", people["AdaA"]),
        ("Sound buttons", people["ZoëA"]),
        ("Phoneme frames", None),
    ]

    # Four weeks later: a round, and each named person answers on their own phone.
    clock.now = at(16, 0) + dt.timedelta(days=20)
    db = database.connect(small_db)
    _, issued = fu.create_round(
        db, "4 weeks", closes=clock.now + dt.timedelta(days=28), station="Office", at=clock.now
    )
    db.close()
    round_links = {i.person.first_name: i.token for i in issued}
    assert sorted(round_links) == ["Ada", "Zoë"]

    await ada.goto(f"{base}/me/{round_links['Ada']}")
    await expect(ada.get_by_role("heading", level=1)).to_have_text("How did it go, Ada?")
    body = await ada.locator("main").inner_text()
    assert "Retrieval quiz on Mondays" in body
    assert "Sound buttons" not in body and "Phoneme frames" not in body  # only her own
    await ada.get_by_text("Partly", exact=True).click()
    await ada.get_by_label("What happened?").fill("Ran it twice; the class liked it")
    await ada.get_by_label("What got in the way?").fill("No time to write the questions")
    await ada.get_by_label("What support would help?").fill("A shared question bank")
    await ada.get_by_role("button", name="Send my answers").click()
    await expect(ada.locator(".notice")).to_contain_text("your answers are saved")
    width = await ada.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"]  # no sideways scrolling on a phone
    await ada.screenshot(path=tmp_path / "followup-js.png", full_page=True)

    await zoe.goto(f"{base}/me/{round_links['Zoë']}")
    await zoe.get_by_text("Yes", exact=True).click()
    await zoe.get_by_role("button", name="Send my answers").click()
    await expect(zoe.locator(".notice")).to_contain_text("your answers are saved")
    await zoe.screenshot(path=tmp_path / "followup-nojs.png", full_page=True)

    # Someone else's phone cannot read Ada's follow-up without her link, and the day link is over.
    await anon.goto(f"{base}/me/{links['Ada']}")
    assert "This personal link is not valid" in await anon.locator("main").inner_text()
    for context in (ada_ctx, zoe_ctx, anon_ctx):
        await context.close()

    assert table(small_db, "SELECT tried, obstacles FROM followup_answers ORDER BY id") == [
        ("partly", "No time to write the questions"),
        ("yes", ""),
    ]

    # The school's page, the report's evidence table and a certificate.
    db = database.connect(small_db)
    digests = impact.school_digests(db)
    write_schools(digests, tmp_path / "schools", event="Small Test Day", tz=LONDON)
    alpha = (tmp_path / "schools" / "alpha-school.html").read_text(encoding="utf-8")
    assert "No time to write the questions" in alpha and "A shared question bank" in alpha
    html = render_report(build(db, LONDON), impact.build_impact(db))
    (committed,) = db.execute(
        "SELECT count(DISTINCT device) FROM commitments WHERE session_id = ?",
        [day["ids"]["sessions"]["Phonics/Morning"]],
    ).fetchone()
    found = impact.add_followups(db, records(db, LONDON), LONDON)
    db.close()
    report = tmp_path / "report.html"
    report.write_text(html, encoding="utf-8")
    page = await browser.new_page(viewport={"width": 1100, "height": 900})
    await page.goto(report.as_uri())
    row = page.locator("table.evidence tr", has_text="Phonics")
    cells = [c.strip() for c in await row.locator("td").all_inner_texts()]
    # Session, allocated, choice got, present, reactions (phones, once per kind), forms, rating,
    # committed, yes, partly, not yet, barriers: checked against the database above and in
    # fill_day.
    assert cells[1:] == [
        "3", "1st 2not chosen 1", "2", "8", "5", "3.8", f"{committed} (2)", "1", "1", "0", "1 (0)"
    ]  # fmt: skip
    await page.close()
    certificates = render_certificates(found, event="Small Test Day", date="2026-11-27", venue="")
    assert "4 weeks: Partly" in certificates and "Ran it twice; the class liked it" in certificates


TARGETS_JS = """() => [...document.querySelectorAll(
    'main button, .choices label, .stars label, textarea, input:not([type=radio]):not([type=hidden]), .sessions a')]
  .map(e => { const r = e.getBoundingClientRect(); return [e.textContent.trim() || e.id, r.width, r.height]; })"""


async def check_fits(page) -> None:
    """No sideways scrolling at 320px, tap targets of 44px, text contrast of WCAG AA."""
    from tests.helpers.browser import CONTRAST_JS

    assert await page.evaluate("document.documentElement.scrollWidth") <= 320
    sizes = await page.evaluate(TARGETS_JS)
    small = [s for s in sizes if s[1] < 44 or s[2] < 44]
    assert sizes and not small, small
    checked = await page.evaluate(CONTRAST_JS)
    failing = [c for c in checked if c[1] < c[2]]
    assert len(checked) > 5 and not failing, failing


async def test_personal_pages_fit_a_320px_phone_with_44px_targets_and_contrast(
    browser, day, small_db
):
    base, clock, links = day["base"], day["clock"], day["links"]
    context = await browser.new_context(viewport={"width": 320, "height": 640})
    page = await context.new_page()
    await page.goto(f"{base}/me/{links['Ada']}")
    await check_fits(page)
    await page.goto(f"{base}/{day['codes']['Phonics']}#commit")  # with "Put my name on it"
    await page.get_by_label(re.compile("Put my name on it")).check()
    await page.get_by_label("What I'll try").fill("Exit tickets")
    await page.get_by_role("button", name="Save what I'll try").click()
    await expect(page.locator("#commit-status")).to_contain_text("Saved, with your name")
    clock.now = at(16, 0) + dt.timedelta(days=20)
    db = database.connect(small_db)
    _, issued = fu.create_round(
        db, "4 weeks", closes=clock.now + dt.timedelta(days=28), station="Office", at=clock.now
    )
    db.close()
    for path in (f"/me/{issued[0].token}", f"/{day['codes']['Phonics']}"):
        await page.goto(base + path)
        await check_fits(page)
    await context.close()
