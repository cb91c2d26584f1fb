"""The -wal through a compressed day (issue 20): one checkpointer keeps it small.

    python -m bench.checkpoint                  # 60 s for each design
    python -m bench.checkpoint --quick          # 8 s each, for CI
    python -m bench.checkpoint --seconds 120 --rate 80

The real phone site (`make_web_app`, as `bigconv serve` builds it, in a child process on
127.0.0.1; the phones' limits raised, since every simulated phone shares 127.0.0.1) takes
reactions and feedback from phones at a steady rate (--rate writes a second), while two
station-like processes poll the file as a station does (`data_version`, then a query when it
moved) and check people in and out (--station-rate each). This process samples the size of the
`-wal` every 0.2 s and reads its header's checkpoint sequence number: how many times the log
started again from its beginning, which only a complete checkpoint allows.

Each design runs on a fresh copy of the sample day, in the same run:
  one checkpointer    the product: the server holds the checkpointer lock and checkpoints
                      (PASSIVE) once a second when something was committed; nobody else does
  nobody checkpoints  the baseline: this process holds the lock, so no Checkpointer (the
                      server's, the stations') ever takes it: what the -wal grows to
  old: auto 1000      before issue 20: no checkpointer (this process holds the lock), and every
                      connection of the server and the stations checkpoints by itself after a
                      commit that leaves 1000+ pages in the log (a bench-only wrapper around
                      `database.connect` in those processes; never the product's default)

Every write is checked: each phone request's status is counted (anything but 2xx fails the
run), every station write must have been done, and the rows in the file must match the 2xx
answers. A run whose baseline -wal never grew could not have measured anything: it fails too.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import itertools
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp

from bench.web import free_port, prepare

ROOT = Path(__file__).resolve().parent.parent
ONE, NOBODY, OLD = "one checkpointer", "nobody checkpoints", "old: auto 1000"
DESIGNS = {"one": ONE, "nobody": NOBODY, "old": OLD}
SAMPLE_EVERY = 0.2  # seconds between looks at the -wal
STATION_POLL = 0.25  # a station's poll (bigconv/tui/app.py POLL_SECONDS)
COMMENT = ("Trying the retrieval grid with Year 9; need time to plan it with the team. " * 5)[:300]
MB = 1024 * 1024


# -- the bench-only old design ----------------------------------------------------------------


def old_connections() -> None:
    """This process's connections checkpoint by themselves at 1000 pages, as before issue 20
    (SQLite's default). Bench-only: it wraps `database.connect` in a bench process."""
    from bigconv.data import database

    connect = database.connect

    def with_autocheckpoint(path, **options):
        db = connect(path, **options)
        db.execute("PRAGMA wal_autocheckpoint = 1000")
        return db

    database.connect = with_autocheckpoint


# -- child processes --------------------------------------------------------------------------


def serve(design: str, port: int, event_file: str) -> None:
    """The phone site until terminated; prints 'ready', then 'checkpoints N' as it stops."""
    if design == "old":
        old_connections()
    from aiohttp import web

    from bigconv.core.event import load_event
    from bigconv.web.common.site import SITE, PhoneLimits
    from bigconv.web.server import LISTEN_BACKLOG, make_web_app

    event = load_event(event_file)
    limits = PhoneLimits(new_devices=10**6, writes_per_device=10**6, writes_per_address=10**9)
    app = make_web_app(event.database, event, limits=limits)

    async def report(app: web.Application) -> None:
        checkpointer = app[SITE].checkpointer
        print(f"checkpoints {checkpointer.checkpoints if checkpointer else 0}", flush=True)

    app.on_shutdown.append(report)
    web.run_app(
        app,
        host="127.0.0.1",
        port=port,
        backlog=LISTEN_BACKLOG,
        access_log=None,
        print=lambda *_: print("ready", flush=True),
    )


def station(design: str, db_path: str, name: str, seconds: float, rate: float, first: int) -> None:
    """A station's load on the file: poll `data_version` every STATION_POLL s and re-read when
    it moved; check a person in, then out again, `rate` times a second. Starts a Checkpointer
    as a station does (it never gets the lock while the server or the bench holds it)."""
    if design == "old":
        old_connections()
    from bigconv.data import database
    from bigconv.data.checkin import check_in, undo_checkin
    from bigconv.data.checkpoint import Checkpointer

    db = database.connect(db_path)
    checkpointer = None if design == "old" else Checkpointer(db_path).start()
    people = [r[0] for r in db.execute("SELECT id FROM attendees ORDER BY id")][first::2]
    version, done, failed = None, 0, 0
    start = time.monotonic()
    due = start
    while (now := time.monotonic()) < start + seconds:
        seen = db.execute("PRAGMA data_version").fetchone()[0]
        if seen != version:
            version = seen
            db.execute("SELECT count(*), max(at) FROM checkins").fetchone()
            db.execute("SELECT count(*) FROM reactions").fetchone()
        if now >= due:
            person = people[(done // 2) % len(people)]
            if done % 2 == 0:
                ok = check_in(db, person, station=name).checked_in
            else:
                ok = undo_checkin(db, person, station=name)
            done += ok
            failed += not ok
            due += 1 / rate
        time.sleep(STATION_POLL)
    if checkpointer is not None:
        checkpointer.stop()
    db.close()
    print(f"done {done} failed {failed}", flush=True)


class Server:
    """The phone site in a child process on a free loopback port."""

    def __init__(self, design: str, event_file: Path):
        self.port = free_port()
        cmd = [sys.executable, "-m", "bench.checkpoint", "--serve", design]
        cmd += ["--port", str(self.port), "--event", str(event_file)]
        self.proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, text=True)
        if self.proc.stdout.readline().strip() != "ready":
            raise SystemExit(f"the {design} server did not start")
        self.base = f"http://127.0.0.1:{self.port}"

    def stop(self) -> int:
        """Stop it; the number of checkpoints its Checkpointer ran."""
        self.proc.terminate()
        out, _ = self.proc.communicate(timeout=30)
        words = out.split()
        return int(words[words.index("checkpoints") + 1]) if "checkpoints" in words else 0


# -- the phones and the sampler -----------------------------------------------------------------


@dataclass
class Result:
    design: str
    sizes: list[int] = field(default_factory=list)  # the -wal's size at each sample
    live: list[int] = field(default_factory=list)  # the bytes of it the log is using
    restarts: int = 0  # times the log started again from its beginning
    checkpointer_runs: int = 0
    statuses: collections.Counter = field(default_factory=collections.Counter)
    station_writes: int = 0
    seconds: float = 0.0

    @property
    def writes(self) -> int:
        return sum(n for status, n in self.statuses.items() if 200 <= status < 300)


def wal_header(path: Path) -> tuple[int, int | None]:
    """The -wal's size and its checkpoint sequence number (None while it has no header)."""
    try:
        with open(path, "rb") as f:
            header = f.read(32)
            size = os.fstat(f.fileno()).st_size
    except FileNotFoundError:
        return 0, None
    return size, int.from_bytes(header[12:16], "big") if len(header) == 32 else None


def live_log(shm: Path) -> int:
    """The bytes of the -wal the log is using now: its frames (`mxFrame` in the WAL-index
    header at the start of the -shm, in this machine's byte order) after the 32-byte header.
    The file itself only shrinks when a restart finds it over `journal_size_limit`."""
    try:
        header = shm.read_bytes()[:48]
    except FileNotFoundError:
        return 0
    if len(header) < 48:
        return 0
    page = int.from_bytes(header[14:16], sys.byteorder) or 65536
    page = 65536 if page == 1 else page
    frames = int.from_bytes(header[16:20], sys.byteorder)
    return 32 + frames * (page + 24) if frames else 0


async def sample(db_path: Path, result: Result, stop: asyncio.Event) -> None:
    wal, shm = Path(f"{db_path}-wal"), Path(f"{db_path}-shm")
    last = None
    while not stop.is_set():
        size, sequence = wal_header(wal)
        result.sizes.append(size)
        result.live.append(live_log(shm))
        # It only grows; a lower value is a header caught while it was being written.
        if sequence is not None and (last is None or sequence > last):
            result.restarts += sequence - last if last is not None else 0
            last = sequence
        await asyncio.sleep(SAMPLE_EVERY)


async def phones(base: str, codes: list[str], kinds: list[str], args, result: Result) -> None:
    """`args.rate` writes a second for `args.seconds`: two reactions (each device's to a
    (session, kind) it has not used, so no cooldown refuses one) to one feedback."""
    async with aiohttp.ClientSession(
        connector=aiohttp.TCPConnector(limit=64), cookie_jar=aiohttp.DummyCookieJar()
    ) as client:
        devices = []
        for n in range(args.devices):
            async with client.get(f"{base}/{codes[n % len(codes)]}") as r:
                await r.read()
                devices.append(r.cookies["bigconv_device"].value)
        pairs = list(itertools.product(codes, kinds))
        used: collections.Counter = collections.Counter()

        async def post(n: int) -> None:
            device = devices[n % len(devices)]
            if n % 3 == 2:
                path = f"/api/{codes[n % len(codes)]}/feedback"
                body = {"rating": 1 + n % 5, "next_step": "Plan it", "comment": COMMENT}
            else:
                code, kind = pairs[(n % len(devices) + used[device]) % len(pairs)]
                used[device] += 1
                path, body = f"/api/{code}/reactions", {"kind": kind}
            headers = {"Cookie": f"bigconv_device={device}"}
            try:
                async with client.post(f"{base}{path}", json=body, headers=headers) as r:
                    await r.read()
                    result.statuses[r.status] += 1
            except aiohttp.ClientError as exc:
                result.statuses[type(exc).__name__] += 1

        loop = asyncio.get_running_loop()
        start = loop.time()
        sent = set()
        for n in range(int(args.rate * args.seconds)):
            await asyncio.sleep(max(0.0, start + n / args.rate - loop.time()))
            task = asyncio.create_task(post(n))
            sent.add(task)
            task.add_done_callback(sent.discard)
        await asyncio.gather(*sent)
        result.seconds = loop.time() - start


# -- one design ---------------------------------------------------------------------------------


def run_design(design: str, template: Path, folder: Path, codes, kinds, args) -> Result:
    from bigconv.data import fileguard

    folder.mkdir()
    for item in template.iterdir():
        if item.suffix in (".toml", ".csv", ".db"):
            shutil.copy(item, folder / item.name)
    event_file = folder / "sample_event.toml"
    db_path = folder / "sample_event.db"
    lock = fileguard.checkpointer_lock(db_path)
    if design != "one" and not lock.try_take():  # nobody else may checkpoint
        raise SystemExit("could not take the checkpointer lock for the baseline")
    result = Result(DESIGNS[design])
    server = Server(design, event_file)
    if design == "one":  # the day starts once the server checkpoints (3 s after it starts)
        deadline = time.monotonic() + 15
        while not (fileguard.checkpointer(db_path) or "").startswith(f"{server.proc.pid} "):
            if time.monotonic() > deadline:
                raise SystemExit(
                    f"the server never took the lock: {fileguard.checkpointer(db_path)}"
                )
            time.sleep(0.1)
    stations = [
        subprocess.Popen(
            [sys.executable, "-m", "bench.checkpoint", "--station", f"Desk {k + 1}"]
            + ["--design", design, "--db", str(db_path), "--seconds", str(args.seconds)]
            + ["--station-rate", str(args.station_rate), "--first", str(k)],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            text=True,
        )
        for k in range(2)
    ]
    try:
        asyncio.run(drive(server.base, db_path, codes, kinds, args, result))
    finally:
        outputs = [p.communicate(timeout=args.seconds + 60)[0].split() for p in stations]
        result.checkpointer_runs = server.stop()
        lock.release()
    for words in outputs:
        if "done" not in words or int(words[words.index("failed") + 1]):
            raise SystemExit(f"{result.design}: a station's write was not done: {words}")
        result.station_writes += int(words[words.index("done") + 1])
    check_stored(db_path, result)
    return result


async def drive(base: str, db_path: Path, codes, kinds, args, result: Result) -> None:
    stop = asyncio.Event()
    sampler = asyncio.create_task(sample(db_path, result, stop))
    try:
        await phones(base, codes, kinds, args, result)
    finally:
        stop.set()
        await sampler


def check_stored(db_path: Path, result: Result) -> None:
    """Every write a phone was told was stored is in the file; none was refused."""
    from bigconv.data import database

    refused = {k: v for k, v in result.statuses.items() if not (isinstance(k, int) and k < 300)}
    if refused:
        raise SystemExit(f"{result.design}: writes refused or failed: {refused}")
    db = database.connect(db_path)
    try:
        stored = db["reactions"].count + db["feedback"].count
    finally:
        db.close()
    if stored != result.writes:
        raise SystemExit(f"{result.design}: {result.writes} answered 2xx, {stored} rows stored")


# -- the report ---------------------------------------------------------------------------------


def report(results: dict[str, Result], args) -> None:
    base = results["nobody"]
    if len(base.sizes) < 5 or max(base.sizes) <= base.sizes[0]:
        raise SystemExit("the -wal never grew without a checkpointer: this run measured nothing")
    writes = sum(r.writes for r in results.values())
    seconds = sum(r.seconds for r in results.values())
    print(
        f"A compressed day: {args.seconds:g} s per design, phones at {writes / seconds:.0f} "
        f"writes/s ({args.devices} devices, 2 reactions to 1 feedback), 2 station-like processes "
        f"each polling every {STATION_POLL} s and writing {args.station_rate:g} check-ins/s; "
        f"the -wal sampled every {SAMPLE_EVERY} s. Ratios against nobody checkpointing."
    )
    print()
    print(
        "| design | phone writes | station writes | max -wal MB | median -wal MB "
        "| max log in use MB | median log in use MB | log restarts | checkpointer runs "
        "| max -wal ratio | median in-use ratio |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    base_max, base_median = max(base.sizes), statistics.median(base.live)
    for result in results.values():
        print(
            f"| {result.design} | {result.writes} | {result.station_writes} "
            f"| {max(result.sizes) / MB:.2f} | {statistics.median(result.sizes) / MB:.2f} "
            f"| {max(result.live) / MB:.2f} | {statistics.median(result.live) / MB:.2f} "
            f"| {result.restarts} | {result.checkpointer_runs} "
            f"| {max(result.sizes) / base_max:.3f} "
            f"| {statistics.median(result.live) / base_median:.3f} |"
        )
    one = results["one"]
    print()
    print(
        f"With one checkpointer the -wal stayed under {max(one.sizes) / MB:.1f} MB; with none "
        f"it reached {base_max / MB:.1f} MB ({base.writes + base.station_writes} writes)."
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a CI-sized run (8 s per design)")
    parser.add_argument("--seconds", type=float, help="how long each design runs (default 60)")
    parser.add_argument("--rate", type=float, default=60.0, help="phone writes a second")
    parser.add_argument("--devices", type=int, default=300, help="phones (device tokens)")
    parser.add_argument("--station-rate", type=float, default=2.0, help="each station's writes/s")
    parser.add_argument("--serve", choices=sorted(DESIGNS), help=argparse.SUPPRESS)
    parser.add_argument("--station", help=argparse.SUPPRESS)
    parser.add_argument("--design", choices=sorted(DESIGNS), help=argparse.SUPPRESS)
    parser.add_argument("--db", help=argparse.SUPPRESS)
    parser.add_argument("--first", type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--event", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.serve, args.port, args.event)
        return
    if args.seconds is None:
        args.seconds = 8.0 if args.quick else 60.0
    if args.station:
        station(args.design, args.db, args.station, args.seconds, args.station_rate, args.first)
        return
    from bigconv.data import database, reactions

    with tempfile.TemporaryDirectory() as tmp:
        template = Path(tmp) / "template"
        template.mkdir()
        _, codes = prepare(template)
        db = database.connect(template / "sample_event.db")
        kinds = [k.key for k in reactions.reaction_kinds(db)]
        db.close()  # (the last connection: the file is whole, the copies start from it)
        results = {
            design: run_design(design, template, Path(tmp) / design, codes, kinds, args)
            for design in DESIGNS
        }
    report(results, args)


if __name__ == "__main__":
    main()
