"""The command palette (ctrl+p) finds every station and the actions of the screen it is on."""

from __future__ import annotations

from textual.command import CommandPalette

from bigconv.tui.app import make_app
from bigconv.tui.config import StationConfig
from bigconv.tui.dialogs.walkin import WalkInScreen
from bigconv.tui.stations.desk import DeskScreen
from tests.helpers.tui import desk_app, until


async def run_command(app, pilot, words: str) -> None:
    await pilot.press("ctrl+p")
    await until(pilot, lambda: isinstance(app.screen, CommandPalette))
    await pilot.press(*words)
    palette = app.screen

    def found() -> bool:  # the best match is the one typed for
        commands = palette.query_one("CommandList")
        if not commands.option_count:
            return False
        return words.lower() in str(commands.get_option_at_index(0).prompt).lower()

    await until(pilot, found)
    await pilot.press("enter")


async def test_palette_opens_a_station_by_name(small_db):
    app = make_app(small_db, StationConfig(station="Desk 1", mode="timetable"))
    async with app.run_test(size=(80, 24)) as pilot:
        await run_command(app, pilot, "desk")
        await until(pilot, lambda: isinstance(app.screen, DeskScreen))


async def test_palette_offers_the_screens_own_actions(small_db):
    app = desk_app(small_db)
    async with app.run_test(size=(80, 24)) as pilot:
        await run_command(app, pilot, "walk-in")
        await until(pilot, lambda: isinstance(app.screen, WalkInScreen))
