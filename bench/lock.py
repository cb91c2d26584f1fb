"""A write lock held by another program: does the site stall?

    python -m bench.lock            # the lock is held for 10 s
    python -m bench.lock --quick    # 3 s

The real site, staff pages included, runs in a child process on 127.0.0.1 (as in bench.web).
The client asks `/api/about` (no database) and a session page (reads) in one stream while it
posts feedback (writes) in a second and, in a third, goes round the CPD and staff pages: a
commitment (a write), a personal link's day page, the signed-in staff page (reads) and a staff
login (a write). All at once, first with no lock (the baseline, same run), then while another
process holds SQLite's write lock (BEGIN IMMEDIATE and an insert, uncommitted). Reported:
medians and p99s and their ratios to the baseline, and how each was answered (503 "not saved",
never a 500, never a wait of the whole lock). If any page waited on the event loop, `about`
would wait with it.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import aiohttp

from bench.web import Server, prepare

LOCKER = """
import sqlite3, sys, time
conn = sqlite3.connect(sys.argv[1], isolation_level=None)
conn.execute("BEGIN IMMEDIATE")
conn.execute("INSERT INTO meta (key, value) VALUES ('bench-lock', 'x')")
print("locked", flush=True)
time.sleep(float(sys.argv[2]))
conn.execute("ROLLBACK")
"""


async def stream(base: str, code: str, seconds: float, day: str, passcode: str) -> dict:
    """For `seconds`, one task asks /api/about and the session page in turn while another
    posts feedback (writes) and a third goes round the CPD and staff pages, all at once;
    latencies and answers by kind."""
    times: dict[str, list[float]] = collections.defaultdict(list)
    statuses: collections.Counter = collections.Counter()
    end = time.perf_counter() + seconds

    async def timed(kind: str, request) -> None:
        start = time.perf_counter()
        async with request as r:
            await r.read()
        times[kind].append(time.perf_counter() - start)
        statuses[kind, r.status] += 1

    async def reader(client) -> None:
        while time.perf_counter() < end:
            await timed("about", client.get(f"{base}/api/about"))
            await timed("page", client.get(f"{base}/{code}"))
            await asyncio.sleep(0.02)

    async def writer(client) -> None:
        n = 0
        while time.perf_counter() < end:
            body = json.dumps({"rating": 1 + n % 5})
            headers = {"Content-Type": "application/json"}
            await timed(
                "write", client.post(f"{base}/api/{code}/feedback", data=body, headers=headers)
            )
            n += 1
            await asyncio.sleep(0.1)

    async def cpd(client) -> None:
        origin = {"Origin": base}
        while time.perf_counter() < end:
            commit = {"try_text": "Exit tickets"}
            await timed("commit", client.post(f"{base}/{code}/commit", data=commit, headers=origin))
            await timed("me page", client.get(f"{base}/me/{day}"))
            await timed("staff page", client.get(f"{base}/staff"))
            login = {"passcode": passcode}
            await timed(
                "staff login", client.post(f"{base}/staff/login", data=login, headers=origin)
            )
            await asyncio.sleep(0.1)

    jar = aiohttp.CookieJar(unsafe=True)
    async with aiohttp.ClientSession(cookie_jar=jar) as client:
        async with client.get(f"{base}/{code}") as r:  # the device token
            await r.read()
        async with client.post(
            f"{base}/staff/login", data={"passcode": passcode}, headers={"Origin": base}
        ) as r:  # a staff login (its cookie)
            await r.read()
        await asyncio.gather(reader(client), writer(client), cpd(client))
    return {"times": times, "statuses": statuses}


def links_and_passcode(db_path: Path) -> tuple[str, str]:
    """A personal link for the day (valid for a day from now) and the staff passcode."""
    import datetime as dt

    from bigconv.core.clock import utcnow
    from bigconv.data import database, followup
    from bigconv.data import passcode as passcodes

    db = database.connect(db_path)
    try:
        now = utcnow()
        issued = followup.create_day_links(db, expires=now + dt.timedelta(days=1), station="bench")
        return issued[0].token, passcodes.staff_passcode(db)
    finally:
        db.close()


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    hold = 3.0 if args.quick else 10.0
    with tempfile.TemporaryDirectory() as tmp:
        event_file, codes = prepare(Path(tmp))
        db_path = event_file.with_suffix(".db")
        day, passcode = links_and_passcode(db_path)
        server = Server("staff", event_file)
        try:
            base = asyncio.run(stream(server.base, codes[0], hold, day, passcode))
            locker = subprocess.Popen(
                [sys.executable, "-c", LOCKER, str(db_path), str(hold)],
                stdout=subprocess.PIPE,
                text=True,
            )
            assert locker.stdout.readline().strip() == "locked"
            locked = asyncio.run(stream(server.base, codes[0], hold - 0.5, day, passcode))
            locker.wait()
        finally:
            server.stop()
    print(f"the site while another process holds the write lock for {hold:g} s")
    print()
    print("| request | no lock p50 / p99 ms | locked p50 / p99 ms | p99 ratio | locked answers |")
    print("|---|---|---|---|---|")
    for kind in ("about", "page", "write", "commit", "me page", "staff page", "staff login"):
        a, b = base["times"][kind], locked["times"][kind]
        answers = ", ".join(
            f"{status}x{n}" for (k, status), n in sorted(locked["statuses"].items()) if k == kind
        )
        print(
            f"| {kind} | {pct(a, 0.5):.1f} / {pct(a, 0.99):.1f} | {pct(b, 0.5):.1f} / "
            f"{pct(b, 0.99):.1f} | {pct(b, 0.99) / pct(a, 0.99):.1f} | {answers} |"
        )
    fives = sum(n for (k, status), n in locked["statuses"].items() if status == 500)
    if fives:
        raise SystemExit(f"{fives} answers were 500")


if __name__ == "__main__":
    main()
