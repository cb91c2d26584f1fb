"""Phone-site benchmark: 850 phones posting reactions over loopback, against a bare aiohttp handler.

    python -m bench.web            # full run: 3 repetitions of each phase
    python -m bench.web --quick    # CI-sized: 1 repetition, fewer taps

Each server runs in its own process (the client in this one), on 127.0.0.1. Every phone first
opens a session page for its device token (outside the timing), then posts JSON reactions to
distinct (session, kind) pairs, so none is refused by the cooldown and every 200 is a committed
row (checked against the database).

Servers, all in the same run:
  bare hello       a bare aiohttp handler: the baseline
  bigconv          the real site: synchronous=FULL (durable through power loss), group commit
  FULL, no group   the same with one commit per tap (what group commit saves)
  NORMAL, no group the old setting (durable through a crash, not a power loss), a commit per tap

Phases:
  burst  every phone sends its taps back to back: the most the server can take (throughput)
  paced  every phone taps about once every PACE seconds (default 2: 425 taps/s from 850 phones,
         far busier than any real session) for a fixed time: latency at a realistic load
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import json
import random
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import aiohttp

ROOT = Path(__file__).resolve().parent.parent
KINDS = ["useful", "insight", "love", "question", "lost", "slower"]


# -- servers (child processes) ------------------------------------------------------------------


VARIANTS = {  # the bigconv servers: DbWorker options
    "bigconv": {},
    "FULL, no group": {"max_batch": 1},
    "NORMAL, no group": {"max_batch": 1, "synchronous": "NORMAL"},
}
SERVE_KINDS = {
    "bare": "bare hello",
    "real": "bigconv",
    "full1": "FULL, no group",
    "normal1": "NORMAL, no group",
    "staff": "bigconv",  # the real site with the staff pages (bench.lock)
}


def serve(kind: str, port: int, event_file: str | None) -> None:
    """Run one server until killed; print 'ready' once it listens."""
    from aiohttp import web

    if kind == "bare":
        app = web.Application()

        async def hello(request: web.Request) -> web.Response:
            return web.Response(text="hello")

        app.router.add_route("*", "/{tail:.*}", hello)
    else:
        from bigconv.core.event import load_event
        from bigconv.web.common.site import PhoneLimits
        from bigconv.web.server import make_web_app

        event = load_event(event_file)
        # Every simulated phone shares 127.0.0.1: room for all their device tokens and rows.
        options = VARIANTS[SERVE_KINDS[kind]]
        limits = PhoneLimits(new_devices=10**6, writes_per_device=10**6, writes_per_address=10**9)
        app = make_web_app(
            event.database, event, limits=limits, worker_options=options, staff=kind == "staff"
        )
    from bigconv.web.server import LISTEN_BACKLOG

    web.run_app(
        app,
        host="127.0.0.1",
        port=port,
        backlog=LISTEN_BACKLOG,  # the same for both servers
        access_log=None,
        print=lambda *_: print("ready", flush=True),
    )


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """A server child process on a free loopback port."""

    def __init__(self, kind: str, event_file: Path | None = None):
        self.port = free_port()
        cmd = [sys.executable, "-m", "bench.web", "--serve", kind, "--port", str(self.port)]
        if event_file:
            cmd += ["--event", str(event_file)]
        self.proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, text=True)
        if self.proc.stdout.readline().strip() != "ready":
            raise SystemExit(f"{kind} server did not start")
        self.base = f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=10)


# -- the phones ---------------------------------------------------------------------------------


@dataclass
class Run:
    requests: int
    seconds: float
    latencies: list[float]
    statuses: collections.Counter

    @property
    def rate(self) -> float:
        return self.requests / self.seconds

    def pct(self, q: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000


async def token(client, base: str, code: str) -> str:
    """The device token a session page gives (the bare server gives none: any value will do)."""
    async with client.get(f"{base}/{code}") as response:
        await response.read()
        cookie = response.cookies.get("bigconv_device")
        return cookie.value if cookie else secrets.token_urlsafe(16)


async def phone(client, base, device, plan, pace, deadline, latencies, statuses) -> None:
    headers = {"Cookie": f"bigconv_device={device}", "Content-Type": "application/json"}
    for code, kind in plan:
        if pace:
            pause = random.expovariate(1 / pace)
            if time.perf_counter() + pause > deadline:
                return
            await asyncio.sleep(pause)
        start = time.perf_counter()
        async with client.post(
            f"{base}/api/{code}/reactions", data=json.dumps({"kind": kind}), headers=headers
        ) as response:
            await response.read()
        latencies.append(time.perf_counter() - start)
        statuses[response.status] += 1


async def load(base: str, plans: list[list[tuple[str, str]]], pace: float, duration: float) -> Run:
    """Every phone runs its plan; paced phones stop tapping after `duration` seconds."""
    latencies: list[float] = []
    statuses: collections.Counter = collections.Counter()
    connector = aiohttp.TCPConnector(limit=0)
    async with aiohttp.ClientSession(
        connector=connector, cookie_jar=aiohttp.DummyCookieJar()
    ) as client:
        devices = await asyncio.gather(*(token(client, base, plan[0][0]) for plan in plans))
        start = time.perf_counter()
        deadline = start + duration
        await asyncio.gather(
            *(
                phone(client, base, dev, plan, pace, deadline, latencies, statuses)
                for dev, plan in zip(devices, plans, strict=True)
            )
        )
        seconds = duration if pace else time.perf_counter() - start
    return Run(len(latencies), seconds, latencies, statuses)


def make_plans(
    codes: list[str], phones: int, taps: int, offset: int
) -> list[list[tuple[str, str]]]:
    """Each phone's taps: distinct (session, kind) pairs, so the cooldown never refuses one."""
    plans = []
    for i in range(phones):
        pairs = []
        for t in range(taps):
            n = offset + t
            session = codes[(i + n // len(KINDS) * 7) % len(codes)]
            pairs.append((session, KINDS[n % len(KINDS)]))
        plans.append(pairs)
    return plans


# -- the benchmark ------------------------------------------------------------------------------


def prepare(folder: Path) -> tuple[Path, list[str]]:
    """A fresh copy of the sample day, initialised; returns the event file and session codes."""
    from bigconv.data.timetable import sessions
    from bigconv.services.setup import initialise
    from bigconv.services.setup import load as load_ctx

    for name in ("sample_event.toml", "sample_staff.csv"):
        shutil.copy(ROOT / name, folder / name)
    ctx = load_ctx(folder / "sample_event.toml", None)
    db = initialise(ctx).db
    codes = [s.code for s in sessions(db)]
    db.close()
    return folder / "sample_event.toml", codes


def count_reactions(event_file: Path) -> int:
    from bigconv.data import database

    db = database.connect(event_file.with_suffix(".db"))
    try:
        return db["reactions"].count
    finally:
        db.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="CI-sized run")
    parser.add_argument("--phones", type=int, default=850)
    parser.add_argument("--pace", type=float, default=2.0, help="seconds between a phone's taps")
    parser.add_argument("--serve", choices=sorted(SERVE_KINDS), help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--event", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.serve, args.port, args.event)
        return
    reps = 1 if args.quick else 3
    burst_taps, duration = (4, 6.0) if args.quick else (12, 15.0)
    with tempfile.TemporaryDirectory() as tmp:
        event_file, codes = prepare(Path(tmp))
        servers = {"bare hello": Server("bare")}
        for kind, name in SERVE_KINDS.items():
            if kind not in ("bare", "staff"):  # "staff" is bench.lock's (and named as "real")
                servers[name] = Server(kind, event_file)
        try:
            results = run_phases(servers, codes, args, reps, burst_taps, duration)
        finally:
            for server in servers.values():
                server.stop()
        stored = count_reactions(event_file)
    report(results, args, reps, stored)


def run_phases(servers, codes, args, reps, burst_taps, duration) -> dict:
    results: dict[tuple[str, str], list[Run]] = collections.defaultdict(list)
    offset = turn = 0
    for _ in range(reps):
        # Paced plans are long enough never to run out before the deadline.
        paced_taps = int(3 * duration / args.pace) + 5
        for phase, taps, pace in (("burst", burst_taps, 0.0), ("paced", paced_taps, args.pace)):
            plans = make_plans(codes, args.phones, taps, offset)
            offset += taps
            # Alternate the order so neither server always runs on a warmer machine.
            turn += 1
            for name in sorted(servers, reverse=bool(turn % 2)):
                run = asyncio.run(load(servers[name].base, plans, pace, duration))
                results[phase, name].append(run)
    return results


def median_run(runs: list[Run]) -> Run:
    return sorted(runs, key=lambda r: r.rate)[len(runs) // 2]


def report(results: dict, args, reps: int, stored: int) -> None:
    print(
        f"phone site: {args.phones} phones over loopback, median of {reps} run(s), "
        f"server and client in separate processes"
    )
    print(
        f"{'phase':6}  {'server':10}  {'taps':>6}  {'taps/s':>8}  {'p50 ms':>7}  {'p99 ms':>7}  statuses"
    )
    ok = 0
    for (phase, name), runs in sorted(results.items()):
        run = median_run(runs)
        statuses = ",".join(f"{k}x{v}" for k, v in sorted(run.statuses.items()))
        print(
            f"{phase:6}  {name:10}  {run.requests:>6}  {run.rate:>8.0f}  {run.pct(0.5):>7.1f}"
            f"  {run.pct(0.99):>7.1f}  {statuses}"
        )
        if name in VARIANTS:
            ok += sum(r.statuses.get(200, 0) for r in runs)
    for phase in ("burst", "paced"):
        bare = median_run(results[phase, "bare hello"])
        for name in VARIANTS:
            real = median_run(results[phase, name])
            print(
                f"{phase}: {name}/bare throughput {real.rate / bare.rate:.2f}, "
                f"p99 {real.pct(0.99):.1f} ms vs {bare.pct(0.99):.1f} ms "
                f"(ratio {real.pct(0.99) / bare.pct(0.99):.2f})"
            )
    print(f"every 200 is a stored row: {ok} answered 200, {stored} rows in reactions")
    if ok != stored:
        raise SystemExit("MISMATCH between 200 answers and stored reactions")


if __name__ == "__main__":
    main()
