"""The cached table draws exactly what Textual's DataTable draws, after any change, while
drawing again only the cells whose content changed."""

from __future__ import annotations

import random

from rich.text import Text
from textual.app import App, ComposeResult
from textual.containers import Horizontal
from textual.widgets import DataTable

from bigconv.tui.widgets.rows import update_rows
from bigconv.tui.widgets.table import CachedTable

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
