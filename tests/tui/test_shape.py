"""A Static shown new content is laid out again (its size worked out anew) exactly when its
size can change: a dashboard's alert whose figures change length costs a repaint of the alert,
not of the whole screen; one that needs another line gets it."""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import Static

from bigconv.tui.widgets.shape import show_in
from tests.helpers.tui import screen_text


class Counting(Screen):
    """Counts the screen's layouts (each one places and repaints every widget)."""

    layouts = 0

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static("3 phones unhappy in Room A", id="fills")  # width from its container
            yield Static("12", id="auto")

    def _refresh_layout(self, *args, **kwargs) -> None:
        self.layouts += 1
        super()._refresh_layout(*args, **kwargs)


class Shapes(App):
    CSS = "#fills { width: 1fr; height: auto; } #auto { width: auto; height: auto; }"

    def on_mount(self) -> None:
        self.push_screen(Counting())


async def test_longer_lines_in_a_static_of_its_own_width_repaint_only_it():
    app = Shapes()
    async with app.run_test(size=(40, 10)) as pilot:
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, Counting)
        fills = screen.query_one("#fills", Static)
        before, height = screen.layouts, fills.size.height
        show_in(fills, "3 phones unhappy in Room A", "12 phones unhappy in Room A")
        await pilot.pause()
        assert screen.layouts == before and fills.size.height == height == 1
        assert "12 phones" in str(fills.render())


async def test_a_static_that_needs_more_lines_gets_them():
    app = Shapes()
    async with app.run_test(size=(40, 10)) as pilot:
        await pilot.pause()
        fills = app.screen.query_one("#fills", Static)
        show_in(fills, "one line", "first\nsecond\nthird")
        await pilot.pause()
        assert fills.size.height == 3
        long = "word " * 20  # 100 cells: three lines at 40 columns
        show_in(fills, "first\nsecond\nthird", long)
        await pilot.pause()
        assert fills.size.height == 3
        show_in(fills, long, "short")
        await pilot.pause()
        assert fills.size.height == 1


async def test_a_static_whose_width_follows_its_content_is_laid_out_again():
    app = Shapes()
    async with app.run_test(size=(40, 10)) as pilot:
        await pilot.pause()
        auto = app.screen.query_one("#auto", Static)
        assert auto.size.width == 2
        show_in(auto, "12", "12345")
        await pilot.pause()
        assert auto.size.width == 5


class Typing(Counting):
    def compose(self) -> ComposeResult:
        from bigconv.tui.widgets.searchbox import OrderedInput

        yield OrderedInput(id="box")
        yield Static("below the box")


class Box(App):
    CSS = "#box { width: 20; }"

    def on_mount(self) -> None:
        self.push_screen(Typing())


async def test_typing_in_a_box_repaints_the_box_and_lays_nothing_out():
    """Textual's Input changes its virtual size at every key; ours repaints only itself, and
    still scrolls a text longer than the box to keep the end (where the cursor is) in view."""
    app = Box()
    async with app.run_test(size=(40, 10)) as pilot:
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, Typing)
        before = screen.layouts
        for ch in "abcdefghijklmnopqrstuvwxyz0123":
            await pilot.press(ch)
        await pilot.pause()
        assert screen.layouts == before
        shown = screen_text(app)
        assert "0123" in shown and "abc" not in shown and "below the box" in shown
