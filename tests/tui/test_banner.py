"""The desk's banner: a wrapped line of a list stays under its text (it restarted at column 1)."""

from __future__ import annotations

from textual.app import App, ComposeResult

from bigconv.tui.widgets.banner import Banner
from tests.helpers.tui import screen_text

LONG = (
    "  11:05  Lecture Theatre · Workshops 2: Supporting pupils with autism in mainstream classrooms"
)


class OneBanner(App):
    def compose(self) -> ComposeResult:
        yield Banner()


async def test_a_wrapped_item_stays_under_its_text():
    app = OneBanner()
    async with app.run_test(size=(60, 20)) as pilot:
        banner = app.query_one(Banner)
        banner.show("ok", "Mia Shaw", ["Today:", LONG, "A line that is not an item " * 3])
        await pilot.pause()
        lines = screen_text(app).splitlines()
        first = next(i for i, line in enumerate(lines) if "11:05" in line)
        assert lines[first].index("Lecture") == 9  # after "  11:05  "
        wrapped = lines[first + 1]
        assert wrapped[:9].strip() == "" and wrapped[9:].strip(), lines  # under the text
        assert "Mia Shaw" in banner.text and LONG in banner.text  # the words, as plain text
