"""Browser stations over textual-serve's websocket: an idle station draws nothing.

A real `bigconv serve`, real station processes, read through a terminal emulator (pyte), with
the same driver as the venue benchmark (bench/_venue_stations.py)."""

from __future__ import annotations

import asyncio
import os
import sys
import time

import aiohttp

from bench import _venue_stations as venue
from tests.helpers import ROOT

QUIET_SECONDS = 21.0  # longer than any station timer (the desk 15 s, the room 20 s)
# Times a second an idle station's process may wake: its poll for commits (4 a second, 2 once
# the day is quiet), and a little more. Textual's own input thread alone woke 10 times a second.
MAX_WAKEUPS = 6.0


def wakeups(pids: list[int]) -> dict[int, int]:
    """Each process's voluntary context switches (its threads going to sleep), from /proc."""
    counts = {}
    for pid in pids:
        total = 0
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/status") as status:
                for line in status:
                    if line.startswith("voluntary_ctxt_switches"):
                        total += int(line.split()[1])
        counts[pid] = total
    return counts


async def quiet_for(stations, seconds: float, deadline: float) -> bool:
    """Wait (up to `deadline`) until no station has drawn a frame for `seconds`."""
    last = [s.frames for s in stations]
    since = time.monotonic()
    while time.monotonic() < deadline:
        await asyncio.sleep(0.1)
        now = [s.frames for s in stations]
        if now != last:
            last, since = now, time.monotonic()
        elif time.monotonic() - since >= seconds:
            return True
    return False


async def test_idle_stations_draw_no_frames(tmp_path):
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    event = venue.prepare(tmp_path, env, sys.executable)
    day = venue.read_day(event.with_suffix(".db"))
    server = venue.Server(event, env, sys.executable)
    spawning = asyncio.Lock()  # one station opened at a time: each new process is its own
    stations = [
        venue.Station("desk", "Desk 1"),
        venue.Station("room", "Host 1", day.rooms[1]),
        venue.Station("dashboard", "Dashboard 1"),
    ]
    try:
        async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as client:
            await server.ready(client)
            async with client.post(
                f"{server.base}/staff/login",
                data={"passcode": venue.PASSCODE},
                headers={"Origin": server.base},
            ) as response:
                assert response.status == 200
            await asyncio.gather(
                *(venue.open_station(client, server, s, day.all_rooms, spawning) for s in stations)
            )
            # Settled (the first paints done, however loaded the machine), then quiet for good:
            # no cursor blinking, no timer repainting an unchanged screen.
            assert await quiet_for(stations, 1.0, time.monotonic() + 60)
            before = [s.frames for s in stations]
            pids = [p.pid for s in stations for p in s.processes]
            pids = pids if os.path.isdir("/proc/self/task") else []
            woken = wakeups(pids)
            started = time.monotonic()
            await asyncio.sleep(QUIET_SECONDS)
            assert [s.frames for s in stations] == before, [s.name for s in stations]
            # Asleep, not only silent: no thread wakes on a timer of its own.
            rates = {
                pid: (n - woken[pid]) / (time.monotonic() - started)
                for pid, n in wakeups(pids).items()
            }
            assert all(rate < MAX_WAKEUPS for rate in rates.values()), rates
            # ... and still alive: a key is echoed at once.
            desk = stations[0]
            await desk.send("q")
            assert await desk.wait_for(lambda t: "▊  q" in t or " q " in t, 30) is not None
            for s in stations:
                await s.ws.close()
    finally:
        server.stop()
