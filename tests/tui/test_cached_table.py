"""The cached table draws exactly what Textual's DataTable draws, after any change, while
drawing again only the cells whose content changed."""

from __future__ import annotations

import random

from rich.text import Text
from textual.app import App, ComposeResult
from textual.containers import Horizontal
from textual.screen import Screen
from textual.widgets import DataTable

from bigconv.tui.widgets.rows import update_rows
from bigconv.tui.widgets.table import CachedTable
from tests.helpers.tui import screen_text

COLUMNS = ("State", "Room", "Session", "Reactions")


def rows(rng: random.Random, n: int) -> list[tuple[str, tuple]]:
    return [
        (
            f"r{i}",
            (
                Text(
                    rng.choice(["✓ ok", "● FULL", "○ EMPTY"]), style=rng.choice(["green", "bold"])
                ),
                f"Room {rng.randrange(30)}",
                Text(
                    f"Session {i} " + "long title " * rng.randrange(3),
                    no_wrap=True,
                    overflow="ellipsis",
                ),  # fmt: skip
                Text(f"+{rng.randrange(40)} 👍{rng.randrange(99)}"),
            ),
        )
        for i in range(n)
    ]


class Tables(App):
    CSS = "DataTable { width: 1fr; height: 1fr; }"

    def compose(self) -> ComposeResult:
        with Horizontal():
            yield DataTable(id="plain", cursor_type="row", zebra_stripes=True)
            yield CachedTable(id="cached", cursor_type="row", zebra_stripes=True)

    def on_mount(self) -> None:
        for table in self.query(DataTable):
            table.can_focus = False  # neither looks focused: they differ only in their class
            for label, width in zip(COLUMNS, (8, 8, 14, 12), strict=True):
                table.add_column(label, width=width)


def lines(table: DataTable) -> list[list]:
    table._styles_cache.clear()  # what the table draws now, not what the screen kept
    return [list(table.render_line(y)) for y in range(table.size.height)]


def bars(table: DataTable) -> tuple:
    """The scroll bar as shown, with its thumb, and how far the table can scroll."""
    bar = table.vertical_scrollbar
    thumb = (bar.window_virtual_size, bar.window_size, bar.position)
    return (table.show_vertical_scrollbar, table.max_scroll_y, table.scroll_y,
            thumb if table.show_vertical_scrollbar else None)  # fmt: skip


async def test_the_cached_table_draws_what_a_datatable_draws_through_every_change():
    app = Tables()
    rng = random.Random(7)
    async with app.run_test(size=(100, 16)) as pilot:
        plain = app.query_one("#plain", DataTable)
        cached = app.query_one("#cached", CachedTable)
        shown = rows(rng, 20)
        for step in range(60):
            kind = rng.choice(["figures", "figures", "rebuild", "cursor", "scroll"])
            if kind == "figures" or step == 0:  # new figures in some cells, same rows
                shown = [(k, (*cells[:3], Text(f"+{rng.randrange(40)}")) if rng.random() < 0.3
                          else cells) for k, cells in shown]  # fmt: skip
            elif kind == "rebuild":  # a keystroke narrowed the list, or rows moved
                shown = rows(rng, rng.randrange(3, 25))
            row, y = rng.randrange(max(1, plain.row_count)), rng.randrange(0, 10)
            for table in (plain, cached):
                if kind == "cursor":
                    table.move_cursor(row=row)
                elif kind == "scroll":
                    table.scroll_to(y=y, animate=False)
                else:
                    update_rows(table, shown)
            await pilot.pause()
            assert lines(cached) == lines(plain), f"step {step}: {kind}"
            assert bars(cached) == bars(plain), f"step {step}: {kind}"


async def test_a_new_figure_draws_its_cell_again_and_no_other(monkeypatch):
    app = Tables()
    async with app.run_test(size=(100, 30)) as pilot:
        cached = app.query_one("#cached", CachedTable)
        shown = rows(random.Random(1), 20)
        update_rows(cached, shown)
        await pilot.pause()
        drawn: list[tuple[int, int]] = []
        draw = DataTable._render_cell

        def counting(self, row, column, *args, **kwargs):
            if self is cached and row >= 0:
                drawn.append((row, column))
            return draw(self, row, column, *args, **kwargs)

        monkeypatch.setattr(DataTable, "_render_cell", counting)
        key, cells = shown[5]
        shown[5] = (key, (*cells[:3], Text("+99 👍1")))
        update_rows(cached, shown)
        await pilot.pause()
        assert "+99" in "".join(s.text for s in cached.render_line(6))
        assert drawn == [(5, 3)]


class Counting(Screen):
    """A table that fills what its container leaves it, and one sized by its rows, counting
    the screen's layouts (each one places and repaints every widget)."""

    layouts = 0

    def compose(self) -> ComposeResult:
        yield CachedTable(id="fills", cursor_type="row")
        yield CachedTable(id="auto", cursor_type="none")

    def on_mount(self) -> None:
        for table in self.query(CachedTable):
            table.add_column("Name", width=20)

    def _refresh_layout(self, *args, **kwargs) -> None:
        self.layouts += 1
        super()._refresh_layout(*args, **kwargs)


class Sized(App):
    CSS = "#fills { height: 1fr; } #auto { height: auto; max-height: 8; }"

    def on_mount(self) -> None:
        self.push_screen(Counting())


def names(n: int) -> list[tuple[str, tuple]]:
    return [(f"p{i}", (f"Person {i}",)) for i in range(n)]


async def test_rows_changing_in_a_table_of_its_own_size_lay_nothing_out():
    """A keystroke narrowing the desk's matches changes how many rows there are: that repaints
    the table alone, until a scroll bar has to be shown or hidden."""
    app = Sized()
    async with app.run_test(size=(40, 24)) as pilot:
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, Counting)
        fills = screen.query_one("#fills", CachedTable)
        height = fills.size.height
        assert height >= 10
        before = screen.layouts
        for n in (9, 3, 7, 1, 8):  # fewer rows than lines: no scroll bar
            update_rows(fills, names(n))
            await pilot.pause()
            assert f"Person {n - 1}" in screen_text(app)
        assert screen.layouts == before and not fills.show_vertical_scrollbar
        update_rows(fills, names(40))  # now a scroll bar: the screen is laid out again
        await pilot.pause()
        assert screen.layouts > before and fills.show_vertical_scrollbar
        assert fills.max_scroll_y == 40 + 1 - height
        fills.move_cursor(row=39)
        await pilot.pause()
        assert "Person 39" in screen_text(app)
        update_rows(fills, names(2))
        await pilot.pause()
        assert not fills.show_vertical_scrollbar and fills.scroll_y == 0
        assert "Person 1" in screen_text(app)


async def test_a_table_sized_by_its_rows_grows_with_them():
    app = Sized()
    async with app.run_test(size=(40, 24)) as pilot:
        await pilot.pause()
        auto = app.screen.query_one("#auto", CachedTable)
        update_rows(auto, names(2))
        await pilot.pause()
        assert auto.size.height == 3  # the header and two rows
        update_rows(auto, names(5))
        await pilot.pause()
        assert auto.size.height == 6
        assert "Person 4" in screen_text(app)
