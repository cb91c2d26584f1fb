"""What the CPD loop costs on the sample day (850 people, its loop recorded by bench/_cpd_day.py).

    python -m bench.followup [--quick]

Two tables of medians and p99 in milliseconds with ratios to a baseline measured in the same
run. Queries: the report's existing queries (`report.build`) are the baseline for the evidence
chain, the school digests and the CPD extras. Phone site (in-process aiohttp on 127.0.0.1, one
request at a time): a session page without a personal link is the baseline for the same page
with one (the commitment form looks the link up), the follow-up page, a commitment and an answer.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import statistics
import tempfile
import time
from pathlib import Path

from aiohttp import ClientSession, CookieJar
from aiohttp.test_utils import TestClient, TestServer

from bench._cpd_day import simulate
from bigconv.core.event import load_event
from bigconv.data import database, impact
from bigconv.data import followup as fu
from bigconv.data.report import build
from bigconv.web.common.site import PhoneLimits
from bigconv.web.server import make_web_app


def timed(func, runs: int) -> list[float]:
    out = []
    for _ in range(runs):
        start = time.perf_counter()
        func()
        out.append((time.perf_counter() - start) * 1000)
    return out


async def atimed(func, runs: int) -> list[float]:
    out = []
    for _ in range(runs):
        start = time.perf_counter()
        await func()
        out.append((time.perf_counter() - start) * 1000)
    return out


def queries(day, runs: int) -> dict[str, list[float]]:
    event = load_event(day.event_path)
    db = database.connect(day.db_path)
    results = {
        "report.build (baseline)": timed(lambda: build(db, event.tz), runs),
        "impact.build_impact (evidence, cost, cuts)": timed(lambda: impact.build_impact(db), runs),
        "impact.school_digests (every school)": timed(lambda: impact.school_digests(db), runs),
        "impact.cpd_extras (every person)": timed(lambda: impact.cpd_extras(db, event.tz), runs),
    }
    db.close()
    return results


async def site(day, runs: int) -> dict[str, list[float]]:
    event = load_event(day.event_path)
    moment = day.later

    def clock():
        return moment

    db = database.connect(day.db_path)
    code = db.execute("SELECT code FROM sessions ORDER BY id LIMIT 1 OFFSET 3").fetchone()[0]
    # A day link valid at the benchmark's moment, held by the "phone" below.
    (issued, *_) = fu.create_day_links(
        db, expires=moment + dt.timedelta(days=1), station="bench", at=moment
    )
    db.close()
    token = day.round_tokens[0]
    # One simulated phone posts hundreds of times a minute: room for it past the write caps.
    limits = PhoneLimits(writes_per_device=10**6, writes_per_address=10**9)
    app = make_web_app(day.db_path, event, clock=clock, limits=limits)
    async with TestClient(TestServer(app, host="127.0.0.1")) as plain:
        origin = {"Origin": f"http://{plain.host}:{plain.port}"}

        async def get(client, path):
            response = await client.get(path, allow_redirects=False)
            await response.read()
            assert response.status == 200, (path, response.status)

        async def post(client, path, data):
            response = await client.post(path, data=data, headers=origin, allow_redirects=False)
            await response.read()
            assert response.status == 303, (path, response.status)

        holder = ClientSession(
            base_url=f"http://{plain.host}:{plain.port}", cookie_jar=CookieJar(unsafe=True)
        )
        await get(holder, f"/me/{issued.token}")  # this phone now holds a day link
        for _ in range(runs):  # warm up: the first requests compile templates and plans
            await get(plain, f"/{code}")
            await get(holder, f"/{code}")
        without, holding = [], []
        for _ in range(runs):  # interleaved, so both see the same machine load
            without += await atimed(lambda: get(plain, f"/{code}"), 1)
            holding += await atimed(lambda: get(holder, f"/{code}"), 1)
        results = {
            "GET session page, no link (baseline)": without,
            "GET session page, holding a day link": holding,
        }
        results["GET /me/TOKEN follow-up page"] = await atimed(
            lambda: get(plain, f"/me/{token}"), runs
        )
        results["POST feedback (for comparison)"] = await atimed(
            lambda: post(plain, f"/{code}/feedback", {"rating": "4"}), runs
        )
        results["POST commitment, named"] = await atimed(
            lambda: post(holder, f"/{code}/commit", {"try_text": "Exit tickets", "named": "1"}),
            runs,
        )
        db = database.connect(day.db_path)
        link = fu.resolve_link(db, token, at=moment)
        cid = fu.commitments_of(db, link.person.id)[0].id
        db.close()
        results["POST follow-up answer"] = await atimed(
            lambda: post(plain, f"/me/{token}", {f"tried-{cid}": "partly"}), runs
        )
        await holder.close()
    return results


def table(title: str, results: dict[str, list[float]], runs: int) -> None:
    baseline = statistics.median(next(iter(results.values())))
    print(f"\n{title} ({runs} runs each)\n")
    print("| operation | median ms | p99 ms | ratio to baseline |")
    print("|---|---:|---:|---:|")
    for name, times in results.items():
        median = statistics.median(times)
        p99 = sorted(times)[int(0.99 * (len(times) - 1))]
        print(f"| {name} | {median:.2f} | {p99:.2f} | {median / baseline:.2f} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a CI-sized run")
    args = parser.parse_args()
    runs = 5 if args.quick else 30
    with tempfile.TemporaryDirectory() as tmp:
        day = simulate(Path(tmp))
        db = database.connect(day.db_path)
        counts = db.execute(
            "SELECT (SELECT count(*) FROM commitments), (SELECT count(*) FROM followup_answers),"
            " (SELECT count(*) FROM feedback), (SELECT count(*) FROM attendance)"
        ).fetchone()
        db.close()
        print(
            "The sample day: {} commitments, {} follow-up answers, {} feedback forms, "
            "{} attendance marks.".format(*counts)
        )
        table("Queries after the day", queries(day, runs), runs)
        table("Phone site, one request at a time", asyncio.run(site(day, runs * 4)), runs * 4)


if __name__ == "__main__":
    main()
