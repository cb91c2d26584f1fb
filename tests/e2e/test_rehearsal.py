"""A rehearsal, then the real day, on one event file, with real processes: stations in a real
terminal (tmux, 80x24) and a browser station that `serve` starts (over its websocket).

The real day starts with nobody checked in; every station of the rehearsal says REHEARSAL and
keeps the one clock of the rehearsal, whatever --at it was started with."""

from __future__ import annotations

import asyncio
import contextlib
import subprocess
import sys
import time

import aiohttp
import pyte
import pytest

from bigconv.data import database, fileguard
from bigconv.data import passcode as passcodes
from tests.helpers.db import table
from tests.helpers.processes import bigconv, free_port, wait_until_up
from tests.helpers.terminal import Pane

pytestmark = pytest.mark.tmux


def checked_in(path) -> list[tuple[str, str]]:
    sql = "SELECT a.first_name, c.station FROM checkins c JOIN attendees a ON a.id = c.attendee_id"
    return [tuple(row) for row in table(path, sql)]


def test_a_rehearsal_at_the_desk_then_the_real_day_starts_with_nobody_checked_in(
    small_event, small_db, tmp_path
):
    rehearsal = Pane(
        bigconv("run", str(small_event), "--mode", "desk", "--station", "Rehearsal", "--at",
                "10:20", "--no-server", "--backup-minutes", "0"),
        tmp_path, size=(80, 24),
    )  # fmt: skip
    try:
        header = rehearsal.wait_for("scan a badge").splitlines()[0]
        rehearsal.send("Ada Lovelace", literal=True)
        rehearsal.wait_for("Lovelace")
        rehearsal.send("Enter")
        rehearsal.wait_for("CHECKED IN")
        # The rehearsal holds its copy, never the day's file (bigconv/data/fileguard.py).
        copy = small_db.with_name("small.rehearsal.db")
        assert [h.label for h in fileguard.holders(copy) if h.alive] == ["station Rehearsal"]
        assert [h for h in fileguard.holders(small_db) if h.alive] == []
        rehearsal.send("C-q")
    finally:
        rehearsal.close()
    assert checked_in(small_db) == []  # the day's file: nobody
    assert checked_in(small_db.with_name("small.rehearsal.db")) == [("Ada", "Rehearsal")]
    assert "REHEARSAL 10:2" in header  # the header said so all along, at 80x24

    day = Pane(
        bigconv("run", str(small_event), "--mode", "desk", "--station", "Desk 1",
                "--no-server", "--backup-minutes", "0"),
        tmp_path, size=(80, 24),
    )  # fmt: skip
    try:
        screen = day.wait_for("Checked in 0 / 5")
        assert "REHEARSAL" not in screen
        day.send("Ada Lovelace", literal=True)
        screen = day.wait_for("Lovelace")
        assert "checked in" not in screen.split("Lovelace", 1)[1].splitlines()[0].casefold()
    finally:
        day.close()


@contextlib.contextmanager
def serving(small_event, port: int, *options: str):
    proc = subprocess.Popen(
        [sys.executable, "-m", "bigconv", "serve", str(small_event), "--host", "127.0.0.1",
         "--port", str(port), "--backup-minutes", "0", *options],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        asyncio.run(wait_until_up(f"http://127.0.0.1:{port}", proc))
        yield proc
    finally:
        proc.terminate()
        proc.communicate(timeout=30)


def test_serve_holds_the_rehearsal_file_from_its_first_answer(small_event, small_db):
    """A station started the moment the site answers finds it among the file's holders (and
    so keeps its clock), not only once a phone or a file check has opened the file."""
    with serving(small_event, free_port(), "--at", "10:20", "--no-staff") as proc:
        found = fileguard.holders(small_event.with_name("small.rehearsal.db"))
        assert [(h.pid, h.alive) for h in found] == [(proc.pid, True)]


def test_a_terminal_station_joining_a_served_rehearsal_keeps_its_clock(
    small_event, small_db, tmp_path
):
    with serving(small_event, free_port(), "--at", "10:20", "--no-staff"):
        station = Pane(
            bigconv("run", str(small_event), "--mode", "timetable", "--at", "13:30",
                    "--no-server", "--backup-minutes", "0"),
            tmp_path, size=(80, 24),
        )  # fmt: skip
        try:
            # The header keeps the server's time, not 13:30, and the notice (a toast raised
            # after the first screen; `run` also prints it before the app takes the terminal)
            # says why: both on the app's screen at once.
            def both(screen: str) -> bool:
                first = (screen.splitlines() or [""])[0]
                return "REHEARSAL 10:2" in first and "Rehearsal clock: 10:2" in screen

            deadline = time.monotonic() + 60
            while not both(screen := station.text()) and time.monotonic() < deadline:
                time.sleep(0.2)
            assert both(screen), screen
        finally:
            station.close()


async def browser_station_screen(base: str, passcode: str, wanted: str) -> str:
    """Log in at /staff as a browser does, open a station, and read its screen until `wanted`."""
    screen = pyte.Screen(100, 30)
    stream = pyte.ByteStream(screen)
    origin = {"Origin": base}
    async with aiohttp.ClientSession(base, cookie_jar=aiohttp.CookieJar(unsafe=True)) as client:
        login = await client.post(
            "/staff/login", data={"passcode": passcode}, headers=origin, allow_redirects=False
        )
        assert login.status == 303, await login.text()
        async with client.ws_connect("/staff/ws?width=100&height=30", headers=origin) as ws:
            async with asyncio.timeout(90):
                async for message in ws:
                    if message.type == aiohttp.WSMsgType.BINARY:
                        stream.feed(message.data)
                        if wanted in "\n".join(screen.display):
                            return "\n".join(screen.display)
    raise AssertionError("\n".join(screen.display))


async def test_the_stations_serve_starts_say_rehearsal_and_keep_the_servers_clock(
    small_event, small_db
):
    db = database.connect(small_db)
    passcode = passcodes.staff_passcode(db)
    db.close()
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "bigconv", "serve", str(small_event), "--host", "127.0.0.1",
         "--port", str(port), "--backup-minutes", "0", "--at", "10:20"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        await wait_until_up(base, proc)
        screen = await browser_station_screen(base, passcode, "REHEARSAL 10:2")
        assert "REHEARSAL 10:2" in screen.splitlines()[0]  # its header: the server's clock
    finally:
        proc.terminate()
        proc.communicate(timeout=30)
