"""A school's follow-up page in real headless Chromium, at a phone's width and a laptop's:
headers never break inside a word, and on a phone each row reads as labelled lines."""

from __future__ import annotations

import datetime as dt

from bigconv.core.event import load_event
from bigconv.data import database, impact
from bigconv.data import followup as fu
from bigconv.output.schools import write_schools
from tests.helpers.followup_day import FOUR_WEEKS, fill_commitments, start_round

# Lines a header may take: one per word, a hyphenated word counting its parts.
HEADER_LINES = """els => els.map(th => {
  const words = th.textContent.trim().split(/[\\s-]+/).length;
  const style = getComputedStyle(th);
  const text = th.getBoundingClientRect().height - parseFloat(style.paddingTop)
               - parseFloat(style.paddingBottom) - parseFloat(style.borderBottomWidth);
  const lines = Math.round(text / parseFloat(style.lineHeight));
  return [th.textContent.trim(), lines, words];
})"""


def alpha_page(small_event, small_db, folder):
    db = database.connect(small_db)
    try:
        ids = fill_commitments(db)
        _, links = start_round(db)
        later = FOUR_WEEKS - dt.timedelta(days=3)
        ada = fu.resolve_link(db, links["AdaA"], at=later)
        (mine,) = fu.commitments_of(db, ids["people"]["AdaA"])
        answer = fu.AnswerInput(
            mine.id, "partly", "Quizzes ran twice", "Cover lessons every Monday", "A TA"
        )
        fu.record_answers(db, ada, [answer], at=later)
        event = load_event(small_event)
        written = write_schools(impact.school_digests(db), folder, event=event.name, tz=event.tz)
    finally:
        db.close()
    return next(p for p in written if p.name == "alpha-school.html")


async def test_school_page_headers_whole_and_rows_labelled_on_a_phone(
    browser, small_event, small_db, tmp_path
):
    path = alpha_page(small_event, small_db, tmp_path / "schools")
    for width in (320, 375, 1000):
        page = await browser.new_page(viewport={"width": width, "height": 800})
        await page.goto(path.as_uri())
        overflow = await page.evaluate("document.documentElement.scrollWidth")
        assert overflow <= width, (width, overflow)  # nothing runs off the side
        if width >= 1000:
            headers = await page.eval_on_selector_all("th", HEADER_LINES)
            assert headers and all(lines <= words for _, lines, words in headers), headers
        else:  # a phone: the header row is hidden, each cell says what it is
            assert (
                not await page.locator("thead").first.is_visible()
                or (await page.locator("thead").first.bounding_box())["width"] <= 1
            )
            cell = page.locator("td", has_text="Retrieval quiz on Mondays")
            before = await cell.evaluate("td => getComputedStyle(td, '::before').content")
            assert before == '"Will try: "', before
        await page.close()
