"""A name with terminal control codes, written by another tool, never reaches the terminal."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st
from rich.cells import cell_len
from rich.segment import Segment
from textual.color import Color
from textual.widgets import Input

from bigconv.data import database
from bigconv.tui.plaintext import PlainText
from tests.helpers.text import STORABLE, unsafe
from tests.helpers.tui import desk_app


def screen_text(app) -> str:
    """Every line every visible widget draws, as the compositor asks for it (after the app's
    line filters), which is what becomes terminal bytes."""
    lines = []
    for widget in app.screen.walk_children(with_self=True):
        if widget.display and widget.size.height:
            lines += [strip.text for strip in widget.render_lines(widget.size.region)]
    return "\n".join(lines)


async def test_dirty_name_in_the_desk_results_is_drawn_without_controls(small_db):
    db = database.connect(small_db)
    with database.immediate(db):  # as a hostile CSV once stored it, before the rule existed
        db.execute("UPDATE attendees SET last_name = ? WHERE first_name = 'Ada'", [STORABLE])
    db.close()
    app = desk_app(small_db)
    async with app.run_test(size=(160, 45)) as pilot:
        app.screen.query_one(Input).focus()
        await pilot.press("a", "d", "a")
        for _ in range(200):
            await pilot.pause(0.05)
            if "pwned" in (text := screen_text(app)):
                break
        assert "pwned" in text
        assert unsafe(text.replace("\n", ""), allowed="") == []


@given(
    st.text(st.sampled_from(["❤", "☀", "✔", "⭐", "👍", "a", "é", "1", "\u20e3", "\ufe0f", " "]))
)
def test_a_terminal_draws_the_cells_laid_out_around_emoji_selectors(text):
    """ "❤️" is laid out two cells wide; a terminal that ignores the selector draws the heart in
    one (the dashboard's border shifted by a cell in tmux): the selector becomes the space the
    layout gave it, so the widths agree and no selector reaches the terminal."""
    out = PlainText().apply([Segment(text)], Color(0, 0, 0))[0].text
    assert cell_len(out) == cell_len(text) and "\ufe0f" not in out
    assert out.replace(" ", "") == text.replace(" ", "").replace("\ufe0f", "")
