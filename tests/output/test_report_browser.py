"""The report and the certificates in real headless Chromium: no errors, no scripts, offline."""

from __future__ import annotations

import re
from zoneinfo import ZoneInfo

from bigconv.data import database
from bigconv.data.cpd import records
from bigconv.data.report import build
from bigconv.output.certificates import render_certificates
from bigconv.output.report import render_report
from tests.helpers.day import HOSTILE, MARKUP

LONDON = ZoneInfo("Europe/London")


async def open_page(browser, path, width: int = 1100):
    """Open a local file, recording console errors, page errors, dialogs and network requests."""
    page = await browser.new_page(viewport={"width": width, "height": 900})
    seen = {"errors": [], "dialogs": [], "requests": []}
    page.on(
        "console",
        lambda m: seen["errors"].append(m.text) if m.type in ("error", "warning") else None,
    )
    page.on("pageerror", lambda e: seen["errors"].append(str(e)))
    page.on("dialog", lambda d: seen["dialogs"].append(d.message))
    page.on("request", lambda r: seen["requests"].append(r.url))
    await page.goto(path.as_uri())
    await page.wait_for_load_state("load")
    return page, seen


async def test_report_opens_clean_and_hostile_text_stays_text(browser, day_db, tmp_path):
    db = database.connect(day_db)
    html = render_report(build(db, LONDON))
    db.close()
    path = tmp_path / "report.html"
    path.write_text(html, encoding="utf-8")

    page, seen = await open_page(browser, path)
    await page.screenshot(path=tmp_path / "report.png", full_page=True)

    assert seen["errors"] == []
    assert seen["dialogs"] == []  # alert(1) never ran
    assert seen["requests"] == [path.as_uri()]  # nothing fetched from anywhere else
    assert await page.title() == "Small Test Day: report"  # the onerror payload never ran
    assert await page.evaluate("document.scripts.length") == 0
    assert await page.get_by_text(HOSTILE).count() == 1
    assert await page.get_by_text(MARKUP).count() == 1
    assert await page.locator("svg").count() > 5
    assert (tmp_path / "report.png").stat().st_size > 10_000


async def test_certificates_open_clean_one_page_each(browser, day_db, tmp_path):
    db = database.connect(day_db)
    found = records(db, LONDON)
    db.close()
    path = tmp_path / "certificates.html"
    path.write_text(
        render_certificates(found, event="Small Test Day", date="2026-11-27", venue="Test Academy"),
        encoding="utf-8",
    )
    page, seen = await open_page(browser, path, width=900)
    await page.screenshot(path=tmp_path / "certificates.png", full_page=True)
    assert seen["errors"] == [] and seen["dialogs"] == []
    assert await page.locator("section.page").count() == len(found) == 4
    pdf = await page.pdf(format="A4")  # printed, each person gets a page of their own
    assert len(re.findall(rb"/Type\s*/Page(?!s)", pdf)) == 4
