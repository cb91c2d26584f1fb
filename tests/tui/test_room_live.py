"""Other processes write to the file (a desk, the CLI, a second room screen); the room screen
shows each change without any key press."""

from __future__ import annotations

import asyncio
import os
import sys

from tests.helpers.tui import app_for, roster_rows

DESK = """
import sys
from bigconv.data import database
from bigconv.data.checkin import check_in
db = database.connect(sys.argv[1])
check_in(db, int(sys.argv[2]), station="Desk 1")
"""

# A second room screen in its own process: it scans a badge through its own screen. Its clock
# is the rehearsal clock `run --at 10:20` uses (the morning slot), never today's date.
OTHER_ROOM_SCREEN = """
import asyncio, sys
from bigconv.services.setup import load, rehearsal_clock
from bigconv.tui.app import make_app
from bigconv.tui.config import StationConfig

async def main():
    ctx = load(sys.argv[1], None)
    clock = rehearsal_clock(ctx.event, "10:20")
    config = StationConfig(
        station="Door 2", mode="room", room="Room A", event=ctx.event, clock=clock
    )
    app = make_app(ctx.db_path, config)
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.pause()
        await pilot.press(*sys.argv[2], "enter")
        await pilot.pause()
        print(app.screen.query_one("#headcount").render())

asyncio.run(main())
"""


async def run(*args: str) -> tuple[int, str]:
    """A real child process; the app's event loop keeps running while it works."""
    child = await asyncio.create_subprocess_exec(
        sys.executable,
        *args,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
        env={**os.environ, "PYTHONIOENCODING": "utf-8"},
    )
    out, _ = await child.communicate()
    return child.returncode, out.decode()


async def wait_for(pilot, condition, seconds: float = 10.0) -> bool:
    for _ in range(int(seconds / 0.05)):
        if condition():
            return True
        await pilot.pause(0.05)
    return condition()


async def test_desk_checkin_and_other_process_attendance_show_live(
    seeded,
    small_event,
    small_db,
):
    zoe = seeded["people"]["O'Brien-MüllerZoë"]["id"]
    bob = seeded["people"]["[bold]Bob[/]Bob"]
    code = seeded["phonics"]["code"]
    app = app_for(small_event, room="Room A")
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.pause()
        screen = app.screen
        assert roster_rows(screen)["Zoë O'Brien-Müller"][2] == "not arrived"
        status, out = await run("-c", DESK, str(small_db), str(zoe))
        assert status == 0, out
        assert await wait_for(
            pilot, lambda: roster_rows(screen)["Zoë O'Brien-Müller"][2].startswith("arrived ")
        )
        status, out = await run(
            "-m", "bigconv", "attend", str(small_event), code, "Ada Lovelace", "--station", "Door",
            "--at", "10:20",
        )  # fmt: skip
        assert status == 0, out
        assert "Present: Ada Lovelace" in out
        assert await wait_for(pilot, lambda: roster_rows(screen)["Ada Lovelace"][0].startswith("✓"))
        assert "Present 1 of 3 seats" in str(screen.query_one("#headcount").render())
        status, out = await run("-c", OTHER_ROOM_SCREEN, str(small_event), bob["badge"])
        assert status == 0 and "Present 2 of 3 seats" in out, out
        assert await wait_for(
            pilot, lambda: roster_rows(screen)["Bob [bold]Bob[/]"][0].startswith("✓")
        )
        assert "Present 2 of 3 seats" in str(screen.query_one("#headcount").render())
    stations = [r["station"] for r in seeded["db"]["attendance_records"].rows_where(order_by="id")]
    assert stations == ["Door", "Door 2"]
