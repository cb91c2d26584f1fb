"""Only one process checkpoints (issue 20): a real `bigconv serve`, four browser stations that
check people in, phones writing, readers that always have a query open (so the log grows past
the old automatic checkpoint's 1000 pages before the stations and the commands write), and CLI
commands run during the day, all under strace. In WAL mode a commit writes the `-wal`; only a checkpoint
writes the database file itself. So the processes that wrote to `small.db` during the run are
the processes that checkpointed, and there must be exactly one: the server, which holds the
checkpointer lock (bigconv/data/checkpoint.py). SQLite 3.40's WAL-reset bug needs two.

A positive control closes the test: once the server has stopped, a CLI command is the last
holder of the file and leaves it whole on close, so its process is seen writing the file."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import os
import re
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp
import pyte

from bigconv.data import database, fileguard, reactions
from bigconv.data import passcode as passcodes
from tests.helpers.processes import children, free_port, require_tool, wait_until_up

# The calls that write a file (SQLite uses pwrite64; the rest in case a build does otherwise),
# and the ones that start a thread or a process (to tell which process a thread belongs to).
WRITES = ("pwrite64", "pwritev", "pwritev2", "write", "writev", "ftruncate", "fallocate")
CLONES = ("clone", "clone3", "fork", "vfork")
PAGE = 4096
LOG_PAGES = 1000  # the old design's automatic checkpoint: after a commit leaves 1000+ pages
DESKS = {  # station name: the person it checks in (by badge, as a scanner types it)
    "Desk 1": "ada@a.sch.uk",
    "Desk 2": "zoe@a.sch.uk",
    "Desk 3": "bob@b.sch.uk",
    "Desk 4": "s.khan@a.sch.uk",
}
PHONES = 4  # phones posting at once, one after another on each
DEVICES = 20  # the device tokens they share (60 stored rows a minute each)
PHONE_WRITES = 1100  # at most: one address may store 1,200 rows a minute
PACE = 0.05  # seconds between one phone's writes
COMMENT = ("We will try the retrieval grid in Year 9 next week. " * 19)[:1000]


def strace(log: Path, *args: str) -> list[str]:
    """A bigconv command under strace: every process and thread it starts, only the calls above
    (seccomp-bpf: the others run at full speed), file descriptors shown as their paths."""
    calls = ",".join(WRITES + CLONES)
    options = ["-f", "--seccomp-bpf", "-qq", "-y", "-e", f"trace={calls}", "-o", str(log)]
    return [require_tool("strace"), *options, sys.executable, "-m", "bigconv", *args]


# -- reading strace's log ---------------------------------------------------------------------

LINE = re.compile(r"(\d+)\s+(.*)")
WRITE = re.compile(r"(\w+)\(\d+<([^>]*)>(.*)")
RESULT = re.compile(r"=\s+(\d+)\s*$")


@dataclass
class Trace:
    """What one strace log says: which process wrote to which file, and how much."""

    root: int  # the process strace started
    writers: dict[str, set[int]] = field(default_factory=dict)  # file: processes (pids)
    written: Counter = field(default_factory=Counter)  # file: bytes (pwrite's count)
    processes: set[int] = field(default_factory=set)


def read_trace(log: Path) -> Trace:
    calls: list[tuple[int, str]] = []
    pending: dict[int, str] = {}
    for raw in log.read_text(encoding="utf-8", errors="replace").splitlines():
        if not (m := LINE.fullmatch(raw)):
            continue
        tid, text = int(m[1]), m[2]
        if text.endswith("<unfinished ...>"):  # another thread's line came in between
            pending[tid] = text.removesuffix("<unfinished ...>")
            continue
        if text.startswith("<..."):
            text = pending.pop(tid, "") + text.partition("resumed>")[2]
        calls.append((tid, text))
    if not calls:
        raise AssertionError(f"{log}: strace recorded nothing")
    thread_of: dict[int, int] = {}  # a thread: the thread that started it (same process)
    for tid, text in calls:
        name = text.partition("(")[0]
        if name in CLONES and (r := RESULT.search(text)) and "CLONE_THREAD" in text:
            thread_of[int(r[1])] = tid

    def process(tid: int) -> int:
        while tid in thread_of:
            tid = thread_of[tid]
        return tid

    trace = Trace(root=calls[0][0])
    for tid, text in calls:
        trace.processes.add(process(tid))
        if (m := WRITE.match(text)) and m[1] in WRITES:
            trace.writers.setdefault(m[2], set()).add(process(tid))
            if (r := RESULT.search(m[3])) and m[1].startswith("pwrite"):
                trace.written[m[2]] += int(r[1])
    return trace


# -- the stations and the phones --------------------------------------------------------------


class Station:
    """A browser station driven over textual-serve's websocket, its screen read with pyte."""

    def __init__(self, base: str, passcode: str):
        self.base, self.passcode = base, passcode
        self.screen = pyte.Screen(100, 30)
        self.stream = pyte.ByteStream(self.screen)
        self.changed = asyncio.Event()
        self.checked_in = asyncio.Event()
        self.ws: aiohttp.ClientWebSocketResponse | None = None

    async def run(self, name: str, who: str, go: asyncio.Event, done: asyncio.Event) -> None:
        """Log in, name the station (a desk), check `who` in once `go` is set, then stay open
        (polling the file) until `done`."""
        jar = aiohttp.CookieJar(unsafe=True)  # unsafe: keep cookies from an IP address
        origin = {"Origin": self.base}
        async with aiohttp.ClientSession(self.base, cookie_jar=jar) as client:
            login = await client.post(
                "/staff/login",
                data={"passcode": self.passcode},
                headers=origin,
                allow_redirects=False,
            )
            assert login.status == 303, await login.text()
            async with client.ws_connect("/staff/ws?width=100&height=30", headers=origin) as ws:
                self.ws = ws
                reader = asyncio.create_task(self.read())
                try:
                    await self.shows("Set up this station", 90)
                    await self.send(f"{name}\r")  # the desk is the first choice
                    await self.shows("scan a badge", 30)
                    await go.wait()
                    await self.send(f"{who}\r")
                    await self.shows("CHECKED IN", 30)
                    self.checked_in.set()
                    await done.wait()
                finally:
                    reader.cancel()

    async def read(self) -> None:
        async for message in self.ws:
            if message.type == aiohttp.WSMsgType.BINARY:
                self.stream.feed(message.data)
                self.changed.set()

    async def send(self, keys: str) -> None:
        await self.ws.send_str(json.dumps(["stdin", keys]))

    async def shows(self, wanted: str, deadline: float) -> None:
        try:
            async with asyncio.timeout(deadline):
                while wanted not in self.text():
                    self.changed.clear()
                    await self.changed.wait()
        except TimeoutError:
            raise AssertionError(f"no {wanted!r} on the station's screen:\n{self.text()}") from None

    def text(self) -> str:
        return "\n".join(self.screen.display)


async def phones(
    base: str, codes: list[str], kinds: list[str], statuses: Counter, enough: asyncio.Event
) -> None:
    """PHONES phones post reactions and feedback (long comments) until `enough` is set (at most
    PHONE_WRITES), spread over DEVICES device tokens, each reaction to a (session, kind) its
    device has not used yet, so every one is stored."""
    async with aiohttp.ClientSession(base, cookie_jar=aiohttp.DummyCookieJar()) as client:
        devices = []
        for n in range(DEVICES):
            async with client.get(f"/{codes[n % len(codes)]}") as r:
                await r.read()
                devices.append(r.cookies["bigconv_device"].value)
        pairs = list(itertools.product(codes, kinds))
        used: Counter = Counter()  # reactions each device has sent
        jobs = iter(range(PHONE_WRITES))

        async def phone() -> None:
            for n in jobs:
                if enough.is_set():
                    return
                device = devices[n % DEVICES]
                code, kind = codes[n % len(codes)], ""
                if n % 3 == 0:  # a reaction, else feedback
                    code, kind = pairs[used[device] % len(pairs)]
                    used[device] += 1
                path, body = (
                    (f"/api/{code}/reactions", {"kind": kind})
                    if kind
                    else (
                        f"/api/{code}/feedback",
                        {"rating": 4, "next_step": "", "comment": COMMENT},
                    )
                )
                async with client.post(
                    path, json=body, headers={"Cookie": f"bigconv_device={device}"}
                ) as r:
                    await r.read()
                    statuses[r.status] += 1
                await asyncio.sleep(PACE)

        await asyncio.gather(*(phone() for _ in range(PHONES)))


async def cli(log: Path, *args: str) -> tuple[int, str]:
    """A bigconv command under strace, run without blocking the phones and the stations."""
    proc = await asyncio.create_subprocess_exec(
        *strace(log, *args), stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT
    )
    out, _ = await proc.communicate()
    return proc.returncode, out.decode(errors="replace")


class Reader:
    """Readers always in the middle of a query (an organiser's dashboards, a Datasette): two
    read-only connections taking turns, so one read transaction is always open while the
    snapshot moves on. The log can then never start again from its beginning: it grows past
    the old automatic checkpoint's 1000 pages, where the old design had every committing
    process checkpoint (the busy venue in which SQLite's WAL-reset bug bites)."""

    def __init__(self, db_path: Path):
        self.path = db_path
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self.run, name="reader", daemon=True)

    def __enter__(self) -> Reader:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop.set()
        self.thread.join(10)

    def run(self) -> None:
        pair = [sqlite3.connect(f"file:{self.path}?mode=ro", uri=True) for _ in range(2)]
        for conn in pair:
            fileguard.no_checkpoint_on_close(conn)
            conn.isolation_level = None
        try:
            turn = 0
            # time.sleep, not Event.wait: under the suite's faketime runs a wait on the
            # monotonic clock's deadline can last months (the reader never read).
            while not self.stop.is_set():
                time.sleep(0.05)
                pair[turn].execute("BEGIN")
                pair[turn].execute("SELECT count(*) FROM feedback").fetchone()  # a snapshot
                turn = 1 - turn
                if pair[turn].in_transaction:
                    pair[turn].execute("COMMIT")
        finally:
            for conn in pair:
                conn.close()


# -- the test -----------------------------------------------------------------------------------


async def test_only_the_server_writes_the_database_file(small_event, small_db, tmp_path):
    require_tool("strace")
    started = time.monotonic()
    db = database.connect(small_db)
    passcode = passcodes.staff_passcode(db)
    codes = [r[0] for r in db.execute("SELECT code FROM sessions ORDER BY id")]
    kinds = [k.key for k in reactions.reaction_kinds(db)]
    badge = dict(db.execute("SELECT email, badge FROM attendees").fetchall())
    db.close()  # this process holds no connection that can write while the day runs
    main_file = str(small_db.resolve())
    wal = fileguard.sidecar(small_db, "-wal")
    event = str(small_event)
    logs = tmp_path / "strace"
    logs.mkdir()
    other = badge["s.khan@b.sch.uk"]  # the one person no station checks in

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    serve = subprocess.Popen(
        strace(logs / "serve.log", "serve", event, "--host", "127.0.0.1", "--port", str(port))
        + ["--backup-minutes", "0", "--at", "10:20", "--on-the-real-file"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    statuses: Counter = Counter()
    cli_runs: dict[str, tuple[int, str]] = {}
    serve_pid = None
    try:
        await wait_until_up(base, serve)
        (serve_pid,) = children(serve.pid)  # strace's one child: `bigconv serve`
        # The server takes the lock a few seconds after it starts; stations opened later wait.
        await within(15, lambda: fileguard.checkpointer(small_db), "nobody took the lock")
        assert fileguard.checkpointer(small_db).split()[0] == str(serve_pid)

        go, done, enough = asyncio.Event(), asyncio.Event(), asyncio.Event()
        stations = {name: Station(base, passcode) for name in DESKS}
        running = [
            asyncio.create_task(station.run(name, badge[DESKS[name]], go, done))
            for name, station in stations.items()
        ]
        with Reader(small_db):
            writing = asyncio.create_task(phones(base, codes, kinds, statuses, enough))
            async with asyncio.timeout(120):
                # The stations and the commands write once the log is past the old automatic
                # checkpoint's size, while the phones go on writing.
                await within(60, lambda: size(wal) > LOG_PAGES * PAGE, "the log stayed small")
                go.set()
                await every_set([s.checked_in for s in stations.values()], running)
                for name, args in (
                    ("checkin", ("checkin", event, other, "--station", "cli", "--at", "10:21")),
                    ("undo", ("undo-checkin", event, other, "--station", "cli", "--at", "10:22")),
                    ("backup", ("backup", event, "--to", str(tmp_path / "backups"))),
                ):
                    cli_runs[name] = await cli(logs / f"cli-{name}.log", *args)
                enough.set()
                await writing
        async with asyncio.timeout(60):
            done.set()
            await asyncio.gather(*running)
            # Every station process has ended before the server stops.
            await within(20, lambda: not children(serve_pid), "stations still running")
        assert fileguard.checkpointer(small_db).split()[0] == str(serve_pid)  # still the server
        os.kill(serve_pid, signal.SIGINT)  # ctrl+c: the server stops cleanly
        serve.wait(timeout=30)
    finally:
        if serve.poll() is None:  # a failure above: end the server and its stations too
            # (killing strace alone would leave the process it traced running)
            for pid in [*children(serve_pid), serve_pid] if serve_pid else []:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
            serve.kill()
            serve.wait(timeout=10)
        serve.stderr.close()
    assert fileguard.checkpointer(small_db) is None  # nobody checkpoints now
    after = await cli(
        logs / "cli-after.log", "checkin", event, other, "--station", "after", "--at", "10:23"
    )
    seconds = time.monotonic() - started

    for name, (code, out) in {**cli_runs, "after": after}.items():
        assert code == 0, f"{name}: {out}"
    assert set(statuses) == {200, 201}, statuses  # no write refused
    day = read_trace(logs / "serve.log")
    during = [day] + [read_trace(logs / f"cli-{name}.log") for name in cli_runs]
    writers = set().union(*(t.writers.get(main_file, set()) for t in during))
    print(
        f"{seconds:.0f} s; processes traced: {sum(len(t.processes) for t in during)}; "
        f"log written: {day.written[main_file + '-wal'] // PAGE} pages; "
        f"database file written by {sorted(writers)} (server {day.root}, statuses {statuses})"
    )
    # The run could have caught a second checkpointer: five processes held the file (the
    # server, four stations), three commands came and went, all of them (but the backup)
    # committing while the log was past the old automatic checkpoint's size.
    assert len(day.processes) >= 5
    assert day.written[main_file + "-wal"] > LOG_PAGES * PAGE
    assert writers == {day.root}, f"the database file was written by {sorted(writers)}"
    # The positive control: with the server gone, the command leaves the file whole on close.
    control = read_trace(logs / "cli-after.log")
    assert control.writers.get(main_file) == {control.root}
    db = database.connect(small_db)
    try:
        rows = db.execute("SELECT station FROM checkins ORDER BY station").fetchall()
        assert [r[0] for r in rows] == [*DESKS, "after"]
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    finally:
        db.close()


def size(path: Path) -> int:
    try:
        return path.stat().st_size
    except FileNotFoundError:
        return 0


async def within(seconds: float, condition, what: str) -> None:
    try:
        async with asyncio.timeout(seconds):
            await _until(condition)
    except TimeoutError:
        raise AssertionError(f"{what} (after {seconds:g} s)") from None


async def _until(condition) -> None:
    while not condition():
        await asyncio.sleep(0.1)


async def every_set(events: list[asyncio.Event], tasks: list[asyncio.Task]) -> None:
    """Wait for every event; raise at once if a task (a station) ends first."""
    waiting = asyncio.ensure_future(asyncio.gather(*(e.wait() for e in events)))
    finished, _ = await asyncio.wait([waiting, *tasks], return_when=asyncio.FIRST_COMPLETED)
    if waiting not in finished:
        waiting.cancel()
        for task in finished:
            task.result()  # its exception
        raise AssertionError("a station ended before checking its person in")
