"""Venue benchmark: N browser stations and a hall of phones on one laptop, as on the day.

    python -m bench.venue                  # N = 0, 26, 40, three runs (about 30 minutes)
    python -m bench.venue --hog            # the same with another program taking one core
    python -m bench.venue --plenary        # every tap to one session (the Main Hall's)
    python -m bench.venue --counts 0,26 --runs 1
    python -m bench.venue --quick          # N = 0 and 3, short phases (the test suite runs this)
    python -m bench.venue --python VENV/bin/python   # measure another install (the old code)

`bigconv serve` runs on a random free loopback port with the staff stations. This driver logs in
as a browser does and opens N stations over textual-serve's websocket (about 4 desks, 2
dashboards and room hosts for the rest), pressing exactly the keys a person presses on the
set-up screen, and follows the screens it checks with a terminal emulator (pyte).

The hall (bench/_venue_phones.py, a process of its own): 850 phones on 20 loopback addresses,
each with the device token the site issued it on its first page load, each tapping in the
session it is allocated to (or, with --plenary, all in the Main Hall's session). Every request
is counted by its answer, and the run fails (exit 1, naming the counts) if any write was
refused or any request failed: a benchmark of refused taps measures nothing.

For each N, with the server's limits fresh (a new server per N and run), the states:

  idle   nothing happens: what the open stations cost by themselves, just after opening
  idle 30 s+  the same once nothing has been committed for 30 s (full runs only)
  quiet  a clerk types names and checks people in at desk 1, another process (the prober)
         marks a person present in a room every few seconds, phones tap about once a second
  load   the same during a plenary: phones send 15 requests a second (Poisson; taps and page
         loads) plus a burst of 300 taps within 3 s every 20 s, feedback about once a second
         (by the page's script, or the plain form and its nonce), GET /api/about twice a second

Measured: the stations' CPU (share of one core) in all and by kind of station, the server's,
the machine's (psutil.cpu_percent over the phase, and the load average), memory per station,
terminal frames per station; on desk 1, key echo (from a key whose character was not yet in
the search box, to the box's own line showing it), keys → the typed person in the results,
Enter → the banner; commit → seen (the prober's commit until desk 1, the observed room and
dashboard 1 show the new figure, read through pyte); the phones' latencies with their ratio
to N=0 in the same run. With --runs K every figure is the median of K runs; the machine's load
is reported for every run and phase. --hog runs `while True: pass` in a process of its own for
the whole measurement, N=0 included, so the ratios compare like with like.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import contextlib
import dataclasses
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from bench import _venue_report as report
from bench._venue_phones import Phase, Phones, addresses, plan_check
from bench._venue_report import Row
from bench._venue_stations import (
    FIGURES,
    SEEN_TIMEOUT,
    Server,
    Station,
    Writer,
    arrivals,
    checked_in,
    open_station,
    prepare,
    read_day,
    search_box,
    station_mix,
)

PYTHON = sys.executable  # runs bigconv: init, serve (and so the stations) and the writer
QUIET_AFTER = 31.0  # seconds without a commit after which stations poll less often (+1 s)
PAUSE = 0.12  # seconds between two keys the clerk types
OPEN_AT_ONCE = 4  # stations being set up at the same moment


@dataclass
class Plan:
    counts: list[int]
    idle: float
    quiet: float
    load: float
    runs: int = 3
    phones: int = 850
    addresses: int = 20
    rate: float = 15.0  # taps and page loads a second under load (Poisson)
    feedback: float = 1.0  # feedback a second under load
    about: float = 2.0  # GET /api/about a second
    burst_every: float = 20.0
    burst_first: float = 5.0
    burst_size: int = 300
    burst_window: float = 3.0
    long_idle: bool = True  # measure "idle 30 s+" as well
    plenary: bool = False  # every phone in the Main Hall's session

    def phase(self, state: str) -> Phase:
        if state == "quiet":
            return Phase(rate=1.0, feedback=0.2, about=self.about)
        if state == "opening":  # the hall while the stations open: taps, no bursts
            return Phase(rate=self.rate, about=self.about)
        return Phase(
            rate=self.rate,
            feedback=self.feedback,
            about=self.about,
            burst_every=self.burst_every,
            burst_first=self.burst_first,
            burst_size=self.burst_size,
            burst_window=self.burst_window,
        )


FULL = Plan([0, 26, 40], idle=10, quiet=20, load=60)
QUICK = Plan(
    [0, 3],
    idle=3,
    quiet=5,
    load=10,
    runs=1,
    phones=200,
    addresses=10,
    burst_every=6,
    burst_first=2,
    burst_size=100,
    long_idle=False,
)


# -- measuring ------------------------------------------------------------------------------------


def cpu_seconds(processes) -> float:
    import psutil

    total = 0.0
    for p in processes:
        with contextlib.suppress(psutil.Error):
            t = p.cpu_times()
            total += t.user + t.system
    return total


class Meter:
    """CPU of the stations (by kind), the server, the hog and the machine over one phase."""

    def __init__(self, server: Server, stations: list[Station], hog):
        import psutil

        self.stations = stations
        self.serve = psutil.Process(server.proc.pid)
        self.hog = psutil.Process(hog.pid) if hog is not None else None
        self.start = time.monotonic()
        self.frames0 = sum(s.frames for s in stations)
        self.cpu0 = {id(s): cpu_seconds(s.processes) for s in stations}
        self.serve0 = cpu_seconds([self.serve])
        self.hog0 = cpu_seconds([self.hog]) if self.hog else 0.0
        psutil.cpu_percent()

    def finish(self, row: Row) -> None:
        import psutil

        seconds = time.monotonic() - self.start
        row.machine = psutil.cpu_percent()
        row.load = os.getloadavg()[0]
        row.server = 100 * (cpu_seconds([self.serve]) - self.serve0) / seconds
        if self.hog:
            row.hog = 100 * (cpu_seconds([self.hog]) - self.hog0) / seconds
        if not self.stations:
            return
        by_kind: dict[str, list[float]] = collections.defaultdict(list)
        for s in self.stations:
            used = 100 * (cpu_seconds(s.processes) - self.cpu0[id(s)]) / seconds
            by_kind[s.kind].append(used)
        row.by_kind = {k: (len(v), sum(v)) for k, v in by_kind.items()}
        row.cpu = sum(sum(v) for v in by_kind.values())
        rss, pss, uss = [], [], []
        for p in (p for s in self.stations for p in s.processes):
            with contextlib.suppress(psutil.Error):
                info = p.memory_full_info()
                rss.append(info.rss / 2**20)
                pss.append(getattr(info, "pss", info.uss) / 2**20)
                uss.append(info.uss / 2**20)
        row.mb = statistics.mean(rss) if rss else None
        row.pss = statistics.mean(pss) if pss else None
        row.uss = statistics.mean(uss) if uss else None
        frames = sum(s.frames for s in self.stations) - self.frames0
        row.fps = frames / seconds / len(self.stations)


class Venue:
    """One N in one run: the server, its stations, the hall, and the people at the stations."""

    def __init__(self, n, run, day, event, plan, client, folder):
        self.n, self.run, self.day, self.event, self.plan = n, run, day, event, plan
        self.client, self.folder = client, folder
        self.db_path = event.with_suffix(".db")
        self.observed = day.rooms[1]  # the room the prober marks people present in
        self.stations = station_mix(n, day.rooms, self.observed)
        self.people = iter(random.Random(1000 * run + n).sample(day.names, len(day.names)))
        self.random = random.Random(1000 * run + n + 1)
        self.statuses: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)

    def hall(self, base: str) -> Phones:
        """The phones: each in its allocated session's room (or all in the Main Hall)."""
        codes = self.day.phone_codes[: self.plan.phones]
        if self.plan.plenary:
            codes = [self.day.code_of[self.day.rooms[0]]] * len(codes)
        per_address = -(-len(codes) // self.plan.addresses)
        config = {
            "base": base,
            "codes": codes,
            "kinds": self.day.kinds,
            "addresses": addresses(self.plan.addresses),
            "connections_per_address": per_address,
            "seed": 1000 * self.run + self.n,
        }
        phones = Phones(config, self.folder)
        self.count(phones.setup)
        return phones

    def count(self, result: dict) -> None:
        for kind, found in result.get("status", {}).items():
            self.statuses[kind].update(found)

    def person(self) -> tuple[int, str, str]:
        """Someone the clerk has not seen yet, not checked in, with a surname of 4+ letters."""
        while True:
            pid, first, last = next(self.people)
            if len(last) >= 4 and not checked_in(self.db_path, pid):
                return pid, first, last

    def first(self, kind: str) -> Station | None:
        return next((s for s in self.stations if s.kind == kind), None)

    async def open(self, server: Server, phones: Phones) -> tuple[float, float | None]:
        """Open every station, a few at a time, while the hall taps; seconds taken and the
        worst phone POST meanwhile."""
        phones.start(self.plan.phase("opening"))
        start = time.monotonic()
        gate = asyncio.Semaphore(OPEN_AT_ONCE)
        spawning = asyncio.Lock()

        async def one(station: Station) -> None:
            async with gate:
                await open_station(self.client, server, station, self.day.all_rooms, spawning)

        try:
            await asyncio.gather(*(one(s) for s in self.stations))
        finally:
            result = await asyncio.to_thread(phones.stop)
            self.count(result)
        seconds = time.monotonic() - start
        posts = [x for k in report.POSTS for x in result["latency"].get(k, [])]
        watched = {self.first("desk"), self.first("room"), self.first("dashboard")}
        for s in self.stations:
            s.watching = s in watched
        return seconds, max(posts, default=None)

    async def idle(self, server: Server, hog, state: str = "idle") -> Row:
        row = Row(self.run, self.n, state)
        if state == "idle":
            await asyncio.sleep(1.0)  # let the last station settle
            self.quiet_since = time.monotonic()
        else:  # nothing committed for QUIET_AFTER seconds
            await asyncio.sleep(max(0.0, self.quiet_since + QUIET_AFTER - time.monotonic()))
        meter = Meter(server, self.stations, hog)
        await asyncio.sleep(self.plan.idle)
        meter.finish(row)
        return row

    async def busy(self, server: Server, hog, state: str, writer: Writer, phones: Phones) -> Row:
        """The clerk, the prober and the hall together for the phase's length."""
        row = Row(self.run, self.n, state)
        seconds = self.plan.quiet if state == "quiet" else self.plan.load
        phones.start(self.plan.phase(state))
        meter = Meter(server, self.stations, hog)
        end = time.monotonic() + seconds

        async def clerk() -> None:
            while self.first("desk") and time.monotonic() < end:
                await self.type_at_desk(row)
                await asyncio.sleep(self.random.uniform(0.5, 2.0))  # the next in the queue

        async def prober() -> None:
            while time.monotonic() < end:
                await asyncio.sleep(self.random.uniform(1.5, 3.5))
                await self.commit(row, writer)

        try:
            await asyncio.gather(clerk(), prober())
        finally:
            meter.finish(row)
            row.phones = await asyncio.to_thread(phones.stop)
            self.count(row.phones)
        return row

    async def type_at_desk(self, row: Row) -> None:
        """Type a surname's first letters and a first name's, at a person's pace, then Enter.

        Echo: each letter from the moment it was sent (only if the box did not show it
        already) until the search box's own line shows it. Keys → results: from the key that
        the box showed in the first frame with the person below it (the list is drawn for
        the box's text or an earlier one: never an earlier key's head start)."""
        desk = self.first("desk")
        assert desk is not None
        _pid, first, last = self.person()
        query = f"{last[:4]} {first[:2]}"
        found = search_box(desk.lines())
        if found is None:
            raise SystemExit(f"desk: no search box on the screen\n{desk.text()}")
        box_y = found[0]

        def box(text: str) -> str | None:
            found = search_box(text.split("\n"))
            return found[1] if found else None

        appeared_with: list[str | None] = []

        def shown(text: str) -> bool:
            lines = text.split("\n")
            if f"{first} {last}" in "\n".join(lines[box_y + 1 :]):
                appeared_with.append(box(text))
                return True
            return False

        if shown(desk.text()):
            row.notes["person shown before typing (keys → results not timed)"] += 1
            watcher = None
        else:
            watcher = asyncio.create_task(desk.wait_for(shown, SEEN_TIMEOUT + 5))
        sent: dict[str, float] = {}
        typed = ""
        for ch in query:
            typed += ch
            before = box(desk.text())
            t0 = sent[typed] = time.monotonic()
            await desk.send(ch)
            if ch == " ":
                row.notes["spaces (echo not timed: a space shows nothing)"] += 1
            elif before == typed:
                row.notes["keys whose echo was already shown (not timed)"] += 1
            else:
                seen = await desk.wait_for(lambda t, s=typed: box(t) == s)
                row.echo.append((seen or t0 + SEEN_TIMEOUT) - t0)
            await asyncio.sleep(max(0.0, t0 + PAUSE - time.monotonic()))
        if watcher is not None:
            try:
                at = await asyncio.wait_for(watcher, 5.0)
            except TimeoutError:
                at = None
            if at is None:
                row.notes["person not shown 5 s after the whole query"] += 1
            elif (key := appeared_with[0]) in sent:
                row.results.append(at - sent[key])
            else:  # the box showed something the clerk never typed
                row.notes[f"person shown with the box showing {key!r}"] += 1
        if "equally well" in desk.text():  # namesakes: the desk asks, the clerk confirms
            await desk.send("\r")
            await desk.wait_for(lambda t: "Enter checks in the highlighted" in t, 10)
            await asyncio.sleep(0.2)
        if "CHECKED IN" in desk.text():
            row.notes["banner shown before Enter"] += 1
            await desk.send("\r")
        else:
            t0 = time.monotonic()
            await desk.send("\r")
            seen = await desk.wait_for(lambda t: "CHECKED IN" in t)
            row.banner.append((seen or t0 + SEEN_TIMEOUT) - t0)
        # The desk empties its box after a check-in; if not, the clerk clears it (Esc).
        if await desk.wait_for(lambda t: box(t) != typed, 2.0) is None:
            row.notes["box not cleared after Enter (Esc pressed)"] += 1
            await desk.send("\x1b")

    async def commit(self, row: Row, writer: Writer) -> None:
        """Another process marks someone present in the observed room (and so checks them
        in); time until each watched station shows a figure that includes it. Only figures
        not yet on screen before the commit are timed."""
        session = self.day.session_of[self.observed]
        watched = {k: s for k in report.KINDS if (s := self.first(k)) is not None}
        shown_before = {k: arrivals(FIGURES[k], s.text()) for k, s in watched.items()}
        t0, checked, present = await asyncio.to_thread(writer.mark, session)
        target = {"desk": checked, "dashboard": checked, "room": present}

        async def seen(kind: str, station: Station) -> None:
            before = shown_before[kind]
            if before is None:
                row.notes[f"{kind}: figure not found before the commit"] += 1
            elif before >= target[kind]:
                row.notes[f"{kind}: new figure already shown"] += 1
                return

            def test(text: str) -> bool:
                value = arrivals(FIGURES[kind], text)
                return value is not None and value >= target[kind]

            at = await station.wait_for(test)
            row.seen.setdefault(kind, []).append((at or t0 + SEEN_TIMEOUT) - t0)

        await asyncio.gather(*(seen(k, s) for k, s in watched.items()))

    async def close(self) -> None:
        for s in self.stations:
            if s.ws is not None:
                await s.ws.close()
            if s.reader is not None:
                s.reader.cancel()


async def measure(n: int, run: int, plan: Plan, folder: Path, hog) -> tuple[list[Row], tuple, dict]:
    """One N in one run: its rows, its opening figures, and its phones' statuses."""
    import aiohttp

    env = dict(os.environ)
    folder = folder / f"run{run}-n{n}"
    folder.mkdir()
    event = prepare(folder, env, PYTHON)
    day = read_day(event.with_suffix(".db"))
    server = Server(event, env, PYTHON)
    jar = aiohttp.CookieJar(unsafe=True)
    rows: list[Row] = []
    opening: tuple = (None, None)
    try:
        async with aiohttp.ClientSession(cookie_jar=jar) as client:
            await server.ready(client)
            venue = Venue(n, run, day, event, plan, client, folder)
            phones = venue.hall(server.base)
            writer = Writer(event.with_suffix(".db"), env, PYTHON)
            try:
                if n:
                    opening = await venue.open(server, phones)
                    rows.append(await venue.idle(server, hog))
                    if plan.long_idle:
                        rows.append(await venue.idle(server, hog, "idle 30 s+"))
                rows.append(await venue.busy(server, hog, "quiet", writer, phones))
                rows.append(await venue.busy(server, hog, "load", writer, phones))
            finally:
                writer.stop()
                phones.quit()
                await venue.close()
    finally:
        server.stop()
    return rows, opening, venue.statuses


# -- the report -----------------------------------------------------------------------------------


def print_report(plan: Plan, hog: bool, rows: list[Row], openings: dict, statuses: dict) -> int:
    """Print the tables; the exit status (1 if any phone request was refused or failed)."""
    load = plan.phase("load")
    print(
        f"{os.cpu_count()} cores; {'another process spinning one core (--hog)' if hog else 'no hog'}"
        f"; {plan.runs} run(s), figures are medians of runs; stations 120x36, desks, dashboards"
        f" and rooms about 4 : 2 : 20; phases idle {plan.idle:g} s, quiet {plan.quiet:g} s,"
        f" load {plan.load:g} s.\n\nThe hall: {plan.phones} phones on {plan.addresses} loopback"
        f" addresses, each with the device token the site issued it;"
        f" {'every tap to the Main Hall session (--plenary)' if plan.plenary else 'each in its allocated session'}."
        f" Load: {load.rate:g} taps and page loads a second (Poisson) + {load.burst_size} taps"
        f" within {load.burst_window:g} s every {load.burst_every:g} s + {load.feedback:g}"
        f" feedback a second + {load.about:g} GET /api/about a second.\n"
    )
    found = report.medians(rows)
    lines = ["Stations and machine (CPU in % of one core):", ""]
    lines += report.machine_table(found)
    lines += ["", "Latencies in ms, p50 / p99 (samples); ratios to N=0 in the same run:", ""]
    lines += report.latency_table(found)
    targets, missed = report.targets_table(found, hog)
    title = "with one core taken" if hog else "on a quiet machine"
    lines += ["", f"Issue 23's targets {title} (stated for N=26 and N=40):", "", *targets]
    lines += ["", f"{missed} target(s) missed." if missed else "Every target met."]
    status, refused = report.status_table(statuses)
    lines += ["", "Every phone request of the run, by its answer:", "", *status]
    notes: collections.Counter[str] = collections.Counter()
    for r in rows:
        notes.update(r.notes)
    if notes:
        lines += [
            "",
            "Samples left out or worth knowing: "
            + "; ".join(f"{k}: {v}" for k, v in sorted(notes.items()))
            + ".",
        ]
    lines += ["", "Machine load in each run and phase:", "", *report.load_table(rows)]
    lines += ["", "| N | seconds to open every station | worst phone POST while they open (ms) |"]
    lines.append("|---|---|---|")
    for n, found_open in sorted(openings.items()):
        seconds = [s for s, _ in found_open if s is not None]
        worst = [w for _, w in found_open if w is not None]
        if n and seconds:
            worst_ms = f"{1000 * max(worst):,.0f}" if worst else "–"
            lines.append(f"| {n} | {statistics.median(seconds):.1f} | {worst_ms} |")
    print("\n".join(lines))
    if refused:
        print(
            "venue: FAILED: phone requests were refused or failed: " + "; ".join(refused),
            file=sys.stderr,
        )
        return 1
    return 0


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="N = 0 and 3, short phases, one run")
    parser.add_argument(
        "--python",
        default=sys.executable,
        help="the interpreter whose bigconv to measure (e.g. a venv with the old code installed)",
    )
    parser.add_argument("--counts", help="comma-separated N to measure instead")
    parser.add_argument("--runs", type=int, help="runs to take the median of (default 3; 1 quick)")
    parser.add_argument("--hog", action="store_true", help="another process spins one core")
    parser.add_argument("--plenary", action="store_true", help="every tap to the Main Hall")
    args = parser.parse_args()
    global PYTHON
    PYTHON = args.python
    plan = dataclasses.replace(QUICK if args.quick else FULL)
    if args.counts:
        plan.counts = [int(n) for n in args.counts.split(",")]
    if args.runs:
        plan.runs = args.runs
    plan.plenary = args.plenary
    problems = plan_check(plan.phones, plan.addresses, plan.phase("load"), max(plan.counts))
    if problems:
        raise SystemExit("venue: the hall would break the site's limits: " + "; ".join(problems))
    hog = None
    if args.hog:
        hog = subprocess.Popen([sys.executable, "-c", "while True: pass"])
    rows: list[Row] = []
    openings: dict[int, list] = collections.defaultdict(list)
    statuses: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)
    try:
        with tempfile.TemporaryDirectory(prefix="bigconv-venue-") as tmp:
            for run in range(1, plan.runs + 1):
                for n in plan.counts:
                    print(f"venue: run {run}, N={n} ...", file=sys.stderr, flush=True)
                    found, opening, counted = asyncio.run(measure(n, run, plan, Path(tmp), hog))
                    rows += found
                    openings[n].append(opening)
                    for kind, c in counted.items():
                        statuses[kind].update(c)
    finally:
        if hog is not None:
            hog.kill()
            hog.wait()
    sys.exit(print_report(plan, hog is not None, rows, openings, statuses))


if __name__ == "__main__":
    main()
