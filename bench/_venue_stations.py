"""The venue's day, server, committing process and browser stations, for bench.venue.

A station is opened as a browser tab opens it: a login, textual-serve's websocket, and the
keys a person presses on the set-up screen; its screen is read through a terminal emulator
(pyte). Stations are started one at a time on the server's side (the set-up keys of several
go in at once): each new `bigconv.station` process is noted against the station that started
it, so that the CPU can be split by kind of station.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import json
import re
import shutil
import signal
import socket
import sqlite3
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PASSCODE = "venue-bench-passcode"
WIDTH, HEIGHT = 120, 36
SEEN_TIMEOUT = 20.0  # seconds: slower than this counts as this
DOWN = "\x1b[B"
MARKERS = {"desk": "By school", "dashboard": "Rooms now", "room": "still missing"}
SPAWN_WAIT = 60.0  # seconds for a station's process to appear after its websocket opens


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# -- the event ----------------------------------------------------------------------------------


def prepare(folder: Path, env: dict, python: str) -> Path:
    """The sample day, moved to today in a time zone where it is now mid-morning, so that the
    first workshop slot (stretched to 09:00-11:00) runs for the whole benchmark."""
    utc = dt.datetime.now(dt.UTC)
    hour = 9 if utc.minute >= 30 else 10
    shift = (hour - utc.hour + 12) % 24 - 12  # -12..11 hours; Etc/GMT's sign is inverted
    zone = "Etc/GMT" + (f"{-shift:+d}" if shift else "")
    local = utc + dt.timedelta(hours=shift)
    text = (ROOT / "sample_event.toml").read_text(encoding="utf-8")
    replacements = [
        (r"date = \d{4}-\d\d-\d\d", f"date = {local.date().isoformat()}"),
        (r'timezone = "[^"]+"', f'timezone = "{zone}"'),
        (
            r'(label = "Opening plenary"\n)start = "[^"]+"\nend = "[^"]+"',
            r'\1start = "08:00"\nend = "08:45"',
        ),
        (
            r'(label = "Workshops 1"\n)start = "[^"]+"\nend = "[^"]+"',
            r'\1start = "09:00"\nend = "11:00"',
        ),
    ]
    for pattern, new in replacements:
        text, n = re.subn(pattern, new, text, count=1)
        if n != 1:
            raise SystemExit(f"sample_event.toml no longer has {pattern!r}")
    event = folder / "venue.toml"
    event.write_text(text, encoding="utf-8")
    shutil.copy(ROOT / "sample_staff.csv", folder / "sample_staff.csv")
    for args in (["init"], ["allocate"], ["passcode", "--set", PASSCODE]):
        command = [python, "-m", "bigconv", args[0], str(event), *args[1:]]
        subprocess.run(command, env=env, check=True, capture_output=True, cwd=folder)
    return event


@dataclass
class Day:
    all_rooms: list[str]  # as the set-up screen lists them
    rooms: list[str]  # rooms with a session in the current slot, biggest first
    session_of: dict[str, int]  # room -> its session now
    code_of: dict[str, str]
    names: list[tuple[int, str, str]]  # every attendee: id, first, last
    kinds: list[str]  # the event's reactions
    phone_codes: list[str]  # each attendee's session now (their allocation), in id order


def read_day(db_path: Path) -> Day:
    db = sqlite3.connect(db_path)
    slot = db.execute("SELECT id FROM slots WHERE label = 'Workshops 1'").fetchone()[0]
    rows = db.execute(
        "SELECT r.name, s.id, s.code FROM sessions s JOIN rooms r ON r.id = s.room_id"
        " WHERE s.slot_id = ? ORDER BY r.capacity DESC, r.name",
        [slot],
    ).fetchall()
    all_rooms = [r[0] for r in db.execute("SELECT name FROM rooms ORDER BY id")]
    names = db.execute("SELECT id, first_name, last_name FROM attendees ORDER BY id").fetchall()
    kinds = [k for (k,) in db.execute("SELECT key FROM reaction_kinds ORDER BY position, key")]
    codes = [
        code
        for (code,) in db.execute(
            "SELECT s.code FROM allocations a JOIN sessions s ON s.id = a.session_id"
            " WHERE s.slot_id = ? ORDER BY a.attendee_id",
            [slot],
        )
    ]
    db.close()
    return Day(
        all_rooms,
        [r[0] for r in rows],
        {r[0]: r[1] for r in rows},
        {r[0]: r[2] for r in rows},
        names,
        kinds,
        codes,
    )


def checked_in(db_path: Path, attendee_id: int) -> bool:
    db = sqlite3.connect(db_path)
    try:
        found = db.execute("SELECT 1 FROM checkins WHERE attendee_id = ?", [attendee_id])
        return found.fetchone() is not None
    finally:
        db.close()


# -- processes: the server and the committing process ---------------------------------------------

WRITER = """
import sys, time
from bigconv.data import database
from bigconv.data.attendance import mark_present
db = database.connect(sys.argv[1])
print("ready", flush=True)
for line in sys.stdin:
    session_id = int(line)
    # Someone who is neither checked in nor present anywhere: the mark checks them in, so
    # the desk's and the dashboard's figure of arrivals goes up by one, as the room's does.
    (person,) = db.execute(
        "SELECT id FROM attendees WHERE id NOT IN (SELECT attendee_id FROM checkins)"
        " AND id NOT IN (SELECT attendee_id FROM attendance) ORDER BY random() LIMIT 1"
    ).fetchone()
    result = mark_present(db, session_id, person, station="bench prober", override=True)
    done = time.monotonic()
    checked, present = db.execute(
        "SELECT (SELECT count(*) FROM checkins),"
        " (SELECT count(*) FROM attendance WHERE session_id = ?)",
        [session_id],
    ).fetchone()
    ok = result.status == "marked" and result.checked_in
    print(done, checked, present, result.status if not ok else "ok", flush=True)
"""


class Writer:
    """Another process that commits a room's attendance (and so a check-in), one per request."""

    def __init__(self, db_path: Path, env: dict, python: str):
        self.proc = subprocess.Popen(
            [python, "-c", WRITER, str(db_path)],
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.stdin, self.stdout = self.proc.stdin, self.proc.stdout
        assert self.stdout.readline().strip() == "ready"

    def mark(self, session_id: int) -> tuple[float, int, int]:
        """Commit; when the commit returned (monotonic: the same clock in every process), and
        the people checked in and present in the session just after it."""
        self.stdin.write(f"{session_id}\n")
        self.stdin.flush()
        done, checked, present, status = self.stdout.readline().split()
        if status != "ok":
            raise SystemExit(f"venue: the prober's mark was not made: {status}")
        return float(done), int(checked), int(present)

    def stop(self) -> None:
        self.stdin.close()
        self.proc.wait(timeout=10)


class Server:
    """`bigconv serve` with the staff stations, on a free loopback port."""

    def __init__(self, event: Path, env: dict, python: str):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        command = [python, "-m", "bigconv", "serve", str(event)]
        command += ["--host", "127.0.0.1", "--port", str(self.port), "--backup-minutes", "0"]
        self.proc = subprocess.Popen(
            command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )

    async def ready(self, client) -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            with contextlib.suppress(OSError):
                async with client.get(f"{self.base}/api/about") as response:
                    if response.status == 200:
                        return
            await asyncio.sleep(0.2)
        raise SystemExit("bigconv serve did not start")

    def processes(self) -> list:
        import psutil

        try:
            return psutil.Process(self.proc.pid).children(recursive=True)
        except psutil.NoSuchProcess:
            return []

    def stop(self) -> None:
        self.proc.send_signal(signal.SIGINT)
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


# -- the stations ---------------------------------------------------------------------------------


@dataclass(eq=False)
class Station:
    """One browser tab's station: its websocket, its process, and its screen as a terminal
    emulator sees it."""

    kind: str
    name: str
    room: str | None = None
    ws: object = None
    frames: int = 0
    watching: bool = True
    changed: asyncio.Event = field(default_factory=asyncio.Event)
    reader: asyncio.Task | None = None
    processes: list = field(default_factory=list)  # psutil.Process: its station process

    def __post_init__(self) -> None:
        import pyte

        self.screen = pyte.Screen(WIDTH, HEIGHT)
        self.stream = pyte.ByteStream(self.screen)

    def lines(self) -> list[str]:
        # Not `screen.display`: it fails on a cell left empty by a zero-width character (❤️).
        buffer, width = self.screen.buffer, self.screen.columns
        return ["".join(buffer[y][x].data for x in range(width)) for y in range(self.screen.lines)]

    def text(self) -> str:
        return "\n".join(self.lines())

    async def read(self) -> None:
        import aiohttp

        async for message in self.ws:  # type: ignore[attr-defined]
            if message.type == aiohttp.WSMsgType.BINARY:
                self.frames += 1
                if self.watching:
                    self.stream.feed(message.data)
                    self.changed.set()

    async def send(self, keys: str) -> None:
        await self.ws.send_str(json.dumps(["stdin", keys]))  # type: ignore[attr-defined]

    async def wait_for(
        self, test: Callable[[str], object], timeout: float = SEEN_TIMEOUT
    ) -> float | None:
        """Monotonic time at which `test(screen text)` first held, or None after `timeout`."""
        deadline = time.monotonic() + timeout
        while True:
            if test(self.text()):
                return time.monotonic()
            self.changed.clear()
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.changed.wait(), left)


def station_mix(n: int, rooms: list[str], observed: str) -> list[Station]:
    """About 4 desks and 2 dashboards to 20 rooms, as on the day; the observed room first."""
    desks = max(1, round(n * 4 / 26)) if n else 0
    dashboards = min(2, max(1, n // 13)) if n else 0
    order = [observed] + [r for r in rooms if r != observed]
    out = [Station("desk", f"Desk {i + 1}") for i in range(desks)]
    out += [Station("dashboard", f"Dashboard {i + 1}") for i in range(dashboards)]
    for i in range(n - desks - dashboards):
        room = order[i % len(order)]
        out.append(Station("room", f"Host {i + 1}", room))
    return out


async def press(station: Station, *keys: str) -> None:
    """Keys one at a time, at a person's pace."""
    for key in keys:
        await asyncio.sleep(0.2)
        await station.send(key)


async def connect(client, server: Server, station: Station, spawning: asyncio.Lock) -> None:
    """Open the station's websocket and note the process the server starts for it (one
    station at a time, so each new process is this station's)."""
    import psutil

    base = server.base
    # A login per station, as each desk's tablet logs in (one login opens at most 4 stations).
    async with client.post(
        f"{base}/staff/login", data={"passcode": PASSCODE}, headers={"Origin": base}
    ) as response:
        await response.read()
        if response.status != 200:
            raise SystemExit(f"{station.name}: staff login answered {response.status}")
    url = f"{base}/staff/ws?width={WIDTH}&height={HEIGHT}"
    async with spawning:
        before = {p.pid for p in server.processes()}
        station.ws = await client.ws_connect(url, headers={"Origin": base}, max_msg_size=0)
        station.reader = asyncio.create_task(station.read())
        deadline = time.monotonic() + SPAWN_WAIT
        while not station.processes:
            for p in server.processes():
                with contextlib.suppress(psutil.Error):
                    if p.pid not in before and "bigconv.station" in " ".join(p.cmdline()):
                        station.processes.append(p)
            if time.monotonic() > deadline:
                raise SystemExit(f"{station.name}: no station process started")
            await asyncio.sleep(0.02)


async def open_station(client, server: Server, station: Station, rooms: list[str], spawning):
    """Open a tab and set the station up with the keys a person presses."""
    await connect(client, server, station, spawning)
    if await station.wait_for(lambda t: "Set up this station" in t, 120) is None:
        raise SystemExit(f"{station.name}: no set-up screen\n{station.text()}")
    await asyncio.sleep(0.5)  # a person reads the screen before typing
    await station.send(station.name)
    await station.wait_for(lambda t: station.name in t, 30)
    if station.kind == "desk":
        await station.send("\r")  # a desk is the set-up screen's first choice
    else:
        await press(station, "\t", DOWN, *[DOWN] * (station.kind == "dashboard"), " ")
        await asyncio.sleep(1.0)  # the mode's change enables the room list
    if station.kind == "room":
        for _attempt in range(4):
            # Down opens the room list if the mode took (the list is enabled and next in
            # line); if not, the focus is on the button, where Down does nothing: back to
            # the modes (shift+Tab) and choose "Room host" again.
            await press(station, "\t", DOWN)
            if await station.wait_for(lambda t: "Dismiss menu" in t, 10) is not None:
                break
            await press(station, "\x1b[Z", " ")
            await asyncio.sleep(1.0)
        else:
            raise SystemExit(f"{station.name}: the room list did not open\n{station.text()}")
        assert station.room is not None
        await press(station, *[DOWN] * (rooms.index(station.room) + 1), "\r")
        await station.wait_for(lambda t: "Dismiss menu" not in t, 60)
    if station.kind != "desk":
        await press(station, "\t", "\r")
    marker = MARKERS[station.kind]
    if await station.wait_for(lambda t: marker in t, 120) is None:
        raise SystemExit(f"{station.name}: did not open\n{station.text()}")
    if station.room and station.room not in station.text():
        raise SystemExit(f"{station.name}: not {station.room}\n{station.text()}")
    await station.ws.send_str(json.dumps(["focus"]))  # the tab in front, as a browser says


# -- reading the desk's screen --------------------------------------------------------------------

BOX_EDGE = "▊"  # the search box's left edge, as Textual draws an Input's tall border


def search_box(lines: list[str]) -> tuple[int, str] | None:
    """The line the desk's search box shows its text on, and that text (None if no box is
    drawn): the first line whose left edge is the box's and whose inside is not a border."""
    for y, line in enumerate(lines):
        left = line.find(BOX_EDGE)
        if left < 0:
            continue
        inside = line[left + 1 :].split("▎", 1)[0]
        if inside.strip(" ▔▁"):
            return y, inside.strip()
    return None


def arrivals(line_pattern: str, text: str) -> int | None:
    """The first number `line_pattern` (a regex with one group) finds in `text`."""
    found = re.search(line_pattern, text)
    return int(found.group(1)) if found else None


# A figure each watched station shows: people checked in (desk, dashboard), present (room).
FIGURES = {
    "desk": r"(?m)^.*│ *(\d+) / \d+ +\(",
    "dashboard": r"\b(\d+) of \d+ checked in",
    "room": r"\bPresent (\d+) of\b",
}
