"""Venue benchmark: N browser stations and a hall of phones on one laptop, as on the day.

    python -m bench.venue              # N = 0, 10, 26, 40 (about 10-15 minutes)
    python -m bench.venue --quick      # N = 0 and 5, short phases (the test suite runs this)
    python -m bench.venue --python VENV/bin/python   # measure another install (the old code)

`bigconv serve` runs on a random free loopback port with the staff stations. This driver logs in
as a browser does and opens N stations over textual-serve's websocket (about 4 desks, 2
dashboards and room hosts for the rest), pressing exactly the keys a person presses on the
set-up screen, and follows the screens it checks with a terminal emulator (pyte). Then, for
each state:

  idle   nothing happens: what the open stations cost by themselves, just after opening
  idle 30 s+  the same once nothing has been committed for 30 s (stations then poll for
         commits twice a second instead of four times)
  quiet  a desk types names and checks people in, another process marks a person present in a
         room every few seconds, phones react about once a second
  load   the same during a plenary: phones react ~15 times a second with bursts of a few
         hundred in two seconds, all to one session (not the observed room's)

Measured: the stations' CPU (share of one core, summed over every station process), the
machine's CPU, memory per station (RSS), terminal frames each station sends per second, key
echo and keystroke -> results on the desk, Enter -> banner, commit -> seen (the new number
really showing on a desk, a room and the dashboard, read through pyte) and the phones' POST
latency (from a separate process) with its ratio to N=0 in the same run. Opening the
stations is timed too, with the worst phone request seen while they open.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import json
import os
import random
import re
import shutil
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PASSCODE = "venue-bench-passcode"
WIDTH, HEIGHT = 120, 36
SEEN_TIMEOUT = 20.0  # seconds: slower than this counts as this
PYTHON = sys.executable  # runs bigconv: init, serve (and so the stations) and the writer
KINDS = ["useful", "insight", "love", "question", "lost", "slower"]


@dataclass
class Plan:
    counts: list[int]
    idle: float
    quiet: float
    load: float
    burst_every: float = 10.0
    burst_size: int = 300
    long_idle: bool = True  # measure "idle 30 s+" as well


FULL = Plan([0, 10, 26, 40], idle=10, quiet=20, load=30)
QUICK = Plan([0, 5], idle=3, quiet=5, load=6, burst_every=4, burst_size=100, long_idle=False)
QUIET_AFTER = 31.0  # seconds without a commit after which stations poll less often (+1 s)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def pct(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


# -- the event ----------------------------------------------------------------------------------


def prepare(folder: Path, env: dict) -> Path:
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
        command = [PYTHON, "-m", "bigconv", args[0], str(event), *args[1:]]
        subprocess.run(command, env=env, check=True, capture_output=True, cwd=folder)
    return event


@dataclass
class Day:
    all_rooms: list[str]  # as the set-up screen lists them
    rooms: list[str]  # rooms with a session in the current slot, biggest first
    session_of: dict[str, int]  # room -> its session now
    code_of: dict[str, str]
    names: list[tuple[int, str, str]]  # attendees nobody checked in yet: id, first, last


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
    db.close()
    return Day(
        all_rooms,
        [r[0] for r in rows],
        {r[0]: r[1] for r in rows},
        {r[0]: r[2] for r in rows},
        names,
    )


def counts(db_path: Path, session_id: int) -> tuple[int, int]:
    """People checked in, and present in the session (read straight from the file)."""
    db = sqlite3.connect(db_path)
    try:
        return db.execute(
            "SELECT (SELECT count(*) FROM checkins),"
            " (SELECT count(*) FROM attendance WHERE session_id = ?)",
            [session_id],
        ).fetchone()
    finally:
        db.close()


# -- processes: the server, the writer, the phones ------------------------------------------------

WRITER = """
import sys, time
from bigconv.data import database
from bigconv.data.attendance import mark_present
db = database.connect(sys.argv[1])
print("ready", flush=True)
for line in sys.stdin:
    session_id, attendee_id = map(int, line.split())
    mark_present(db, session_id, attendee_id, station="bench writer", override=True)
    print(time.monotonic(), flush=True)
"""


class Writer:
    """Another process that commits a room's attendance (and so a check-in), one per request."""

    def __init__(self, db_path: Path, env: dict):
        self.proc = subprocess.Popen(
            [PYTHON, "-c", WRITER, str(db_path)],
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.proc.stdout.readline().strip() == "ready"

    def mark(self, session_id: int, attendee_id: int) -> float:
        """Commit; the time (monotonic, shared by every process) when the commit returned."""
        self.proc.stdin.write(f"{session_id} {attendee_id}\n")
        self.proc.stdin.flush()
        return float(self.proc.stdout.readline())

    def stop(self) -> None:
        self.proc.stdin.close()
        self.proc.wait(timeout=10)


class Phones:
    """The hall's phones in a process of their own, until stopped; then their latencies."""

    def __init__(self, base: str, code: str, rate: float, burst_every: float, burst_size: int):
        args = [base, code, str(rate), str(burst_every), str(burst_size)]
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "bench.venue", "--phones", *args],
            cwd=ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.proc.stdout.readline().strip() == "ready"

    def stop(self) -> list[float]:
        self.proc.stdin.close()
        out = self.proc.stdout.read()
        self.proc.wait(timeout=60)
        return json.loads(out)


async def phones_main(base: str, code: str, rate: float, burst_every: float, burst: int) -> None:
    """Poisson taps at `rate` a second, plus `burst` taps within 2 s every `burst_every` s."""
    import aiohttp

    latencies: list[float] = []
    pending: set[asyncio.Task] = set()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    loop.add_reader(sys.stdin, stop.set)
    connector = aiohttp.TCPConnector(limit=0)
    async with aiohttp.ClientSession(
        connector=connector, cookie_jar=aiohttp.DummyCookieJar()
    ) as client:

        async def token(n: int) -> str:
            """A device token from the session page, as a phone gets it (issue 14); an older
            checkout gives none, and takes any id."""
            async with client.get(f"{base}/{code}") as response:
                await response.read()
                cookie = response.cookies.get("bigconv_device")
                return cookie.value if cookie else f"venue-phone-{n:04d}-device"

        # 250 phones: within the site's 300 new devices per address in 10 minutes.
        tokens = await asyncio.gather(*(token(n) for n in range(250)))

        async def tap() -> None:
            device = random.choice(tokens)
            headers = {"Cookie": f"bigconv_device={device}", "Content-Type": "application/json"}
            body = json.dumps({"kind": random.choice(KINDS)})
            start = time.perf_counter()
            try:
                async with client.post(
                    f"{base}/api/{code}/reactions", data=body, headers=headers
                ) as response:
                    await response.read()
            except aiohttp.ClientError:
                pass
            latencies.append(time.perf_counter() - start)

        def launch() -> None:
            task = asyncio.create_task(tap())
            pending.add(task)
            task.add_done_callback(pending.discard)

        async def bursts() -> None:
            while burst and burst_every:
                await asyncio.sleep(burst_every)
                for _ in range(burst):
                    launch()
                    await asyncio.sleep(2.0 / burst)

        print("ready", flush=True)
        burster = asyncio.create_task(bursts())
        while not stop.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), random.expovariate(rate))
            if not stop.is_set():
                launch()
        burster.cancel()
        await asyncio.gather(*pending, return_exceptions=True)
    print(json.dumps(latencies), flush=True)


class Server:
    """`bigconv serve` with the staff stations, on a free loopback port."""

    def __init__(self, event: Path, env: dict):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        command = [PYTHON, "-m", "bigconv", "serve", str(event)]
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

    def stations(self) -> list:
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
    """One browser tab's station: its websocket, and its screen as a terminal emulator sees it."""

    kind: str
    name: str
    room: str | None = None
    ws: object = None
    frames: int = 0
    watching: bool = True
    changed: asyncio.Event = field(default_factory=asyncio.Event)
    reader: asyncio.Task | None = None

    def __post_init__(self) -> None:
        import pyte

        self.screen = pyte.Screen(WIDTH, HEIGHT)
        self.stream = pyte.ByteStream(self.screen)

    def text(self) -> str:
        # Not `screen.display`: it fails on a cell left empty by a zero-width character (❤️).
        buffer, width = self.screen.buffer, self.screen.columns
        return "\n".join(
            "".join(buffer[y][x].data for x in range(width)) for y in range(self.screen.lines)
        )

    async def read(self) -> None:
        import aiohttp

        async for message in self.ws:
            if message.type == aiohttp.WSMsgType.BINARY:
                self.frames += 1
                if self.watching:
                    self.stream.feed(message.data)
                    self.changed.set()

    async def send(self, keys: str) -> None:
        await self.ws.send_str(json.dumps(["stdin", keys]))

    async def wait_for(self, test, timeout: float = SEEN_TIMEOUT) -> float | None:
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


DOWN = "\x1b[B"


async def press(station: Station, *keys: str) -> None:
    """Keys one at a time, at a person's pace."""
    for key in keys:
        await asyncio.sleep(0.2)
        await station.send(key)


MARKERS = {"desk": "By school", "dashboard": "Rooms now", "room": "still missing"}


async def open_station(client, base: str, station: Station, rooms: list[str]) -> None:
    """Open a tab and set the station up with the keys a person presses."""
    # A login per station, as each desk's tablet logs in (one login opens at most 4 stations).
    async with client.post(
        f"{base}/staff/login", data={"passcode": PASSCODE}, headers={"Origin": base}
    ) as response:
        await response.read()
    url = f"{base}/staff/ws?width={WIDTH}&height={HEIGHT}"
    station.ws = await client.ws_connect(url, headers={"Origin": base}, max_msg_size=0)
    station.reader = asyncio.create_task(station.read())
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


# -- measuring ------------------------------------------------------------------------------------


@dataclass
class Row:
    n: int
    state: str
    cpu: float | None = None  # stations, % of one core
    machine: float | None = None
    server: float | None = None
    mb: float | None = None  # memory per station: resident (RSS) ...
    pss: float | None = None  # ... its share of pages shared with the others (sums to the total)
    uss: float | None = None  # ... its own pages (what one more station adds)
    fps: float | None = None  # frames per second per station
    echo: list[float] = field(default_factory=list)
    results: list[float] = field(default_factory=list)
    banner: list[float] = field(default_factory=list)
    seen: dict[str, list[float]] = field(default_factory=dict)
    phones: list[float] = field(default_factory=list)


def cpu_seconds(processes) -> float:
    import psutil

    total = 0.0
    for p in processes:
        with contextlib.suppress(psutil.Error):
            t = p.cpu_times()
            total += t.user + t.system
    return total


class Meter:
    """CPU of the stations, the server and the machine over one phase."""

    def __init__(self, server: Server):
        import psutil

        self.server = server
        self.procs = server.stations()
        self.serve = psutil.Process(server.proc.pid)
        self.start = time.monotonic()
        self.cpu0 = cpu_seconds(self.procs)
        self.serve0 = cpu_seconds([self.serve])
        psutil.cpu_percent()

    def finish(self, row: Row, stations: list[Station], frames0: int) -> None:
        import psutil

        seconds = time.monotonic() - self.start
        row.machine = psutil.cpu_percent()
        row.server = 100 * (cpu_seconds([self.serve]) - self.serve0) / seconds
        if self.procs:
            row.cpu = 100 * (cpu_seconds(self.procs) - self.cpu0) / seconds
            rss, pss, uss = [], [], []
            for p in self.procs:
                with contextlib.suppress(psutil.Error):
                    info = p.memory_full_info()
                    rss.append(info.rss / 2**20)
                    pss.append(getattr(info, "pss", info.uss) / 2**20)
                    uss.append(info.uss / 2**20)
            row.mb = statistics.mean(rss) if rss else None
            row.pss = statistics.mean(pss) if pss else None
            row.uss = statistics.mean(uss) if uss else None
            row.fps = (sum(s.frames for s in stations) - frames0) / seconds / len(stations)


class Venue:
    """One N: the server, its stations and the people at them."""

    def __init__(self, n, day, event, env, plan, client):
        self.n, self.day, self.event, self.env, self.plan = n, day, event, env, plan
        self.client = client
        self.db_path = event.with_suffix(".db")
        hall = day.rooms[0]  # the biggest room: the one the phones react to
        self.observed = day.rooms[1]
        self.code = day.code_of[hall]
        self.stations = station_mix(n, day.rooms, self.observed)
        self.people = iter(random.Random(n).sample(day.names, len(day.names)))

    def person(self) -> tuple[int, str, str]:
        while True:
            pid, first, last = next(self.people)
            if len(last) >= 4:
                return pid, first, last

    async def open(self, server: Server) -> tuple[float, float | None]:
        """Open every station, four at a time; seconds taken and the worst phone wait meanwhile."""
        phones = Phones(server.base, self.code, 15, 0, 0) if self.stations else None
        start = time.monotonic()
        gate = asyncio.Semaphore(4)

        async def one(station: Station) -> None:
            async with gate:
                await open_station(self.client, server.base, station, self.day.all_rooms)

        await asyncio.gather(*(one(s) for s in self.stations))
        seconds = time.monotonic() - start
        worst = max(phones.stop(), default=None) if phones else None
        watched = {self.first("desk"), self.first("room"), self.first("dashboard")}
        for s in self.stations:
            s.watching = s in watched
        return seconds, worst

    def first(self, kind: str) -> Station | None:
        return next((s for s in self.stations if s.kind == kind), None)

    async def idle(self, server: Server, state: str = "idle") -> Row:
        row = Row(self.n, state)
        if state == "idle":
            await asyncio.sleep(1.0)  # let the last station settle
            self.quiet_since = time.monotonic()
        else:  # nothing committed for QUIET_AFTER seconds
            await asyncio.sleep(max(0.0, self.quiet_since + QUIET_AFTER - time.monotonic()))
        meter = Meter(server)
        frames0 = sum(s.frames for s in self.stations)
        await asyncio.sleep(self.plan.idle)
        meter.finish(row, self.stations, frames0)
        return row

    async def busy(self, server: Server, state: str, writer: Writer) -> Row:
        row = Row(self.n, state)
        seconds = self.plan.quiet if state == "quiet" else self.plan.load
        loud = state == "load"
        phones = Phones(
            server.base,
            self.code,
            15 if loud else 1,
            self.plan.burst_every if loud else 0,
            self.plan.burst_size if loud else 0,
        )
        meter = Meter(server)
        frames0 = sum(s.frames for s in self.stations)
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            cycle = time.monotonic()
            if self.stations:
                await self.type_at_desk(row)
            await self.commit(row, writer)
            await asyncio.sleep(max(0.2, 3.0 - (time.monotonic() - cycle)))
        meter.finish(row, self.stations, frames0)
        row.phones = phones.stop()
        return row

    async def type_at_desk(self, row: Row) -> None:
        """Type a surname's first letters at a person's pace, then Enter; time each step."""
        desk = self.first("desk")
        _pid, first, last = self.person()
        query = f"{last[:4]} {first[:2]}"
        typed = ""
        for ch in query:
            typed += ch
            t0 = time.monotonic()
            await desk.send(ch)
            seen = await desk.wait_for(lambda t, s=typed: s in t)
            row.echo.append((seen or t0 + SEEN_TIMEOUT) - t0)
            await asyncio.sleep(0.12)
        seen = await desk.wait_for(lambda t: f"{first} {last}" in t)
        row.results.append((seen or t0 + SEEN_TIMEOUT) - t0)
        if "equally well" in desk.text():  # namesakes: the desk asks, the clerk confirms
            await desk.send("\r")
            await desk.wait_for(lambda t: "Enter checks in the highlighted" in t, 10)
            await asyncio.sleep(0.2)
        t0 = time.monotonic()
        await desk.send("\r")
        seen = await desk.wait_for(lambda t: "CHECKED IN" in t)
        row.banner.append((seen or t0 + SEEN_TIMEOUT) - t0)

    async def commit(self, row: Row, writer: Writer) -> None:
        """Another process marks someone present in the observed room; time until each
        watched station shows the new figure."""
        session = self.day.session_of[self.observed]
        pid, _first, _last = self.person()
        t0 = await asyncio.to_thread(writer.mark, session, pid)
        checked, present = counts(self.db_path, session)
        tests = {
            "desk": lambda t: re.search(rf"\b{checked} / \d", t),
            "room": lambda t: f"Present {present} of" in t,
            "dashboard": lambda t: f"{checked} of " in t,
        }
        kinds = [k for k in tests if self.first(k)]
        seen = await asyncio.gather(*(self.first(k).wait_for(tests[k]) for k in kinds))
        for kind, at in zip(kinds, seen, strict=True):
            row.seen.setdefault(kind, []).append((at or t0 + SEEN_TIMEOUT) - t0)

    async def close(self) -> None:
        for s in self.stations:
            if s.ws is not None:
                await s.ws.close()
            if s.reader is not None:
                s.reader.cancel()


async def measure(n: int, plan: Plan, folder: Path) -> tuple[list[Row], tuple]:
    import aiohttp

    env = dict(os.environ)
    (folder / f"n{n}").mkdir()
    event = prepare(folder / f"n{n}", env)
    day = read_day(event.with_suffix(".db"))
    server = Server(event, env)
    jar = aiohttp.CookieJar(unsafe=True)
    async with aiohttp.ClientSession(cookie_jar=jar) as client:
        await server.ready(client)
        async with client.post(
            f"{server.base}/staff/login",
            data={"passcode": PASSCODE},
            headers={"Origin": server.base},
        ) as response:
            assert response.status == 200, response.status
        venue = Venue(n, day, event, env, plan, client)
        writer = Writer(event.with_suffix(".db"), env)
        try:
            opening = await venue.open(server)
            rows = [await venue.idle(server)] if n else []
            if n and plan.long_idle:
                rows.append(await venue.idle(server, "idle 30 s+"))
            rows.append(await venue.busy(server, "quiet", writer))
            rows.append(await venue.busy(server, "load", writer))
        finally:
            writer.stop()
            await venue.close()
            server.stop()
    return rows, opening


# -- the report -----------------------------------------------------------------------------------


def ms(values: list[float]) -> str:
    if not values:
        return "–"
    return f"{1000 * pct(values, 0.5):,.0f} / {1000 * pct(values, 0.99):,.0f}"


def report(rows: list[Row], openings: dict[int, tuple]) -> str:
    base = {r.state: r.phones for r in rows if r.n == 0}
    head = [
        "N",
        "state",
        "stations CPU (% of one core)",
        "machine CPU",
        "server CPU",
        "MB per station (RSS / PSS / USS)",
        "frames/s per station",
        "key echo p50 / p99 ms",
        "keys → results",
        "Enter → banner",
        "commit → desk",
        "commit → room",
        "commit → dashboard",
        "phone POST p50 / p99 ms",
        "phone x N=0 p50 / p99",
    ]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]

    def f(value, fmt="{:.0f}%"):
        return "–" if value is None else fmt.format(value)

    for r in rows:
        ratio = "–"
        if r.phones and base.get(r.state):
            b = base[r.state]
            ratio = f"{pct(r.phones, 0.5) / pct(b, 0.5):.1f}x / {pct(r.phones, 0.99) / pct(b, 0.99):.1f}x"
        cells = [
            str(r.n),
            r.state,
            f(r.cpu),
            f(r.machine),
            f(r.server),
            "–" if r.mb is None else f"{r.mb:.0f} / {r.pss:.0f} / {r.uss:.0f}",
            f(r.fps, "{:.1f}"),
            ms(r.echo),
            ms(r.results),
            ms(r.banner),
            ms(r.seen.get("desk", [])),
            ms(r.seen.get("room", [])),
            ms(r.seen.get("dashboard", [])),
            ms(r.phones) if r.state != "idle" else "–",
            ratio,
        ]
        lines.append("| " + " | ".join(cells) + " |")
    lines += ["", "| N | seconds to open every station | worst phone POST while they open (ms) |"]
    lines.append("|---|---|---|")
    for n, (seconds, worst) in openings.items():
        if n:
            lines.append(f"| {n} | {seconds:.1f} | {f(worst and worst * 1000, '{:,.0f}')} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="N = 0 and 5, short phases")
    parser.add_argument(
        "--python",
        default=sys.executable,
        help="the interpreter whose bigconv to measure (e.g. a venv with the old code installed)",
    )
    parser.add_argument("--counts", help="comma-separated N to measure instead")
    parser.add_argument("--phones", nargs=5, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.phones:
        base, code, rate, every, size = args.phones
        asyncio.run(phones_main(base, code, float(rate), float(every), int(size)))
        return
    global PYTHON
    PYTHON = args.python
    plan = QUICK if args.quick else FULL
    if args.counts:
        plan.counts = [int(n) for n in args.counts.split(",")]
    rows, openings = [], {}
    with tempfile.TemporaryDirectory(prefix="bigconv-venue-") as tmp:
        for n in plan.counts:
            print(f"venue: N={n} ...", file=sys.stderr, flush=True)
            found, openings[n] = asyncio.run(measure(n, plan, Path(tmp)))
            rows += found
    print(
        f"{os.cpu_count()} cores; stations {WIDTH}x{HEIGHT}; desks, dashboards and rooms about "
        f"4 : 2 : 20; phases idle {plan.idle:g} s, quiet {plan.quiet:g} s, load {plan.load:g} s"
        f" (load: 15 taps/s + {plan.burst_size} in 2 s every {plan.burst_every:g} s).\n"
    )
    print(report(rows, openings))


if __name__ == "__main__":
    main()
