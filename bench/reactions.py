"""Reaction figures counted in phones (issue 14): reads at 100,000 reactions, and one tap's cost.

    python -m bench.reactions            # full run (about a minute)
    python -m bench.reactions --quick    # a few seconds, for CI

The sample day gets the same random stream of reactions (850 phones, every workshop, kinds at
random, spread over each session's hour) in two files: one with this release's schema, one
stopped before `m009_reaction_devices` (taps counted by the `m007` triggers only).

Reads: the phone site's summary and the dashboard's `reaction_stats` (totals and the last ten
minutes, in phones) at 1,000 and at 100,000 reactions, against a same-run baseline that counts
the phones straight from `reactions` (`count(DISTINCT device)`), as a query without kept
tables would; the previous release's queries (taps) on the old file are shown beside them.

Writes: `reactions.record_reaction` (the cooldown check, the insert and its triggers, the log
row) in group-commit batches of 100, as the phone site's worker runs it, on the file with the
new triggers against the file without them; rounds alternate so both see the same machine.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import shutil
import statistics
import tempfile
import time
from pathlib import Path

import sqlite_utils

from bench.propagation import prepare  # the initialised sample day in a folder
from bench.room_refresh import timed
from bigconv.core.clock import iso, parse_iso
from bigconv.data import database, feedback, reactions
from bigconv.data.schema import migrations

PHONES = 850
NEW_STEP = "m009_reaction_devices"


def old_copy(source: Path, target: Path) -> None:
    """`source`'s event data in a file whose schema stops before the new step."""
    db = sqlite_utils.Database(target)
    migrations.apply(db, stop_before=NEW_STEP)
    db.execute("ATTACH DATABASE ? AS src", [str(source)])
    for table in ("meta", "rooms", "slots", "sessions", "reaction_kinds"):
        db.execute(f"INSERT OR REPLACE INTO {table} SELECT * FROM src.{table}")
    db.conn.commit()
    db.execute("DETACH DATABASE src")
    db.close()


def stream(db: sqlite_utils.Database, count: int, seed: int) -> list[tuple]:
    """`count` reactions (session, kind, at, device) in time order, within each session's hour."""
    rng = random.Random(seed)
    sessions = db.execute(
        "SELECT s.id, t.starts_at, t.ends_at FROM sessions s JOIN slots t ON t.id = s.slot_id"
        " WHERE t.kind = 'workshop'"
    ).fetchall()
    kinds = [k.key for k in reactions.reaction_kinds(db)]
    rows = []
    for _ in range(count):
        sid, starts, ends = rng.choice(sessions)
        start, end = parse_iso(starts), parse_iso(ends)
        at = start + (end - start) * rng.random()
        rows.append((sid, rng.choice(kinds), iso(at), f"phone{rng.randrange(PHONES)}"))
    rows.sort(key=lambda r: r[2])
    return rows


def fill(path: Path, rows: list[tuple]) -> None:
    db = sqlite_utils.Database(path)
    with database.immediate(db):
        db.conn.executemany(
            "INSERT INTO reactions (session_id, kind, at, device) VALUES (?, ?, ?, ?)", rows
        )
    db.close()


def p99(values: list[float]) -> float:
    return sorted(values)[int(0.99 * (len(values) - 1))]


def reads(path: Path, runs: int, old: Path | None = None) -> dict[str, list[float]]:
    """Timings of the summary and the dashboard's figures at the file's size; with `old`, also
    the previous release's queries (taps, not phones) on the file without the new step."""
    db = database.connect(path)
    busiest, now = db.execute(
        "SELECT session_id, max(at) FROM reactions GROUP BY session_id ORDER BY count(*) DESC"
    ).fetchone()
    now = parse_iso(now)
    since, until = iso(now - reactions.WINDOW), iso(now)

    def direct_summary():
        db.execute(
            "SELECT kind, count(DISTINCT device) FROM reactions WHERE session_id = ? GROUP BY kind",
            [busiest],
        ).fetchall()

    def direct_stats():
        db.execute(
            "SELECT session_id, kind, count(DISTINCT device) FROM reactions"
            " GROUP BY session_id, kind"
        ).fetchall()
        db.execute(
            "SELECT session_id, kind, count(DISTINCT device) FROM reactions"
            " WHERE at > ? AND at <= ? GROUP BY session_id, kind",
            [since, until],
        ).fetchall()

    out = {
        "summary: direct count(DISTINCT device)": timed(direct_summary, runs),
        "summary: feedback.summary": timed(lambda: feedback.summary(db, busiest), runs),
        "summary: its reaction query (phones)": timed(
            lambda: db.execute(
                "SELECT kind, devices FROM reaction_totals WHERE session_id = ? AND devices > 0",
                [busiest],
            ).fetchall(),
            runs,
        ),
        "dashboard: direct count(DISTINCT device)": timed(direct_stats, runs),
        "dashboard: reaction_stats": timed(lambda: reactions.reaction_stats(db, now), runs),
        "dashboard: reactions_per_minute (60)": timed(
            lambda: reactions.reactions_per_minute(db, now), runs
        ),
    }
    if old is not None:
        before = database.connect(old, migrate=False)

        def old_summary():  # the previous release's reaction part of feedback.summary
            before.execute(
                "SELECT kind, n FROM reaction_totals WHERE session_id = ? AND n > 0", [busiest]
            ).fetchall()

        def old_stats():  # the previous release's reaction_stats queries
            before.execute("SELECT session_id, kind, n FROM reaction_totals WHERE n > 0").fetchall()
            before.execute(
                "SELECT session_id, kind, count(*) FROM reactions WHERE at > ? AND at <= ?"
                " GROUP BY session_id, kind",
                [since, until],
            ).fetchall()

        out["summary: its reaction query before m009 (taps)"] = timed(old_summary, runs)
        out["dashboard: reaction_stats before m009 (taps)"] = timed(old_stats, runs)
        before.close()
    recent = db.execute(
        "SELECT count(*) FROM reactions WHERE at > ? AND at <= ?", [since, until]
    ).fetchone()[0]
    db.close()
    out["_recent"] = [recent]
    return out


def taps(path: Path, batches: int, start: dt.datetime, seed: int) -> list[float]:
    """Microseconds per `record_reaction` in group-commit batches of 100."""
    rng = random.Random(seed)
    db = database.connect(path, migrate=False)
    sessions = [r[0] for r in db.execute("SELECT id FROM sessions")]
    kinds = [k.key for k in reactions.reaction_kinds(db)]
    out = []
    for b in range(batches):
        actions = []
        for i in range(100):
            at = start + dt.timedelta(seconds=11 * (100 * b + i))  # past every cooldown
            sid, kind = rng.choice(sessions), rng.choice(kinds)
            device = f"phone{rng.randrange(PHONES)}"
            actions.append(
                lambda db, s=sid, k=kind, d=device, t=at: reactions.record_reaction(
                    db, s, k, d, at=t
                )
            )
        begin = time.perf_counter()
        results = database.group_commit(db, actions)
        out.append((time.perf_counter() - begin) * 1e6 / 100)
        assert all(r.counted for r in results), "a tap was refused"
    db.close()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a CI-sized run")
    args = parser.parse_args()
    big = 20_000 if args.quick else 100_000
    runs, rounds = (20, 4) if args.quick else (200, 20)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        new = prepare(folder)
        old = folder / "old.db"
        old_copy(new, old)
        seed_db = database.connect(new)
        rows = stream(seed_db, big, seed=14)
        seed_db.close()
        small = folder / "small.db"
        shutil.copy(new, small)
        old_small = folder / "old_small.db"
        shutil.copy(old, old_small)
        sample = random.Random(1).sample(rows, 1_000)
        for path, stored in ((small, sample), (old_small, sample), (new, rows), (old, rows)):
            fill(path, stored)
        at_small, at_big = reads(small, runs, old_small), reads(new, runs, old)

        print(f"Reads ({runs} runs each): median ms; ratio to the direct count at {big:,}")
        print()
        print(
            f"| figure | median ms at 1,000 | median ms at {big:,} | p99 ms at {big:,} "
            f"| ratio to direct at {big:,} |"
        )
        print("|---|---|---|---|---|")
        base = {
            "summary": statistics.median(at_big["summary: direct count(DISTINCT device)"]),
            "dashboard": statistics.median(at_big["dashboard: direct count(DISTINCT device)"]),
        }
        for name in sorted((n for n in at_big if not n.startswith("_")), key=lambda n: n[:4]):
            times = at_big[name]
            med = statistics.median(times)
            ratio = med / base[name.split(":")[0]]
            print(
                f"| {name} | {statistics.median(at_small[name]):.3f} | {med:.3f} "
                f"| {p99(times):.3f} | {ratio:.2f} |"
            )
        print()
        print(
            f"Reactions in the dashboard's last ten minutes: {at_small['_recent'][0]} at 1,000,"
            f" {at_big['_recent'][0]:,} at {big:,}."
        )

        # Taps after the day's last reaction, alternating files so both see the same machine.
        start = parse_iso(rows[-1][2]) + dt.timedelta(minutes=1)
        with_t: list[float] = []
        without: list[float] = []
        for r in range(rounds):
            moment = start + dt.timedelta(hours=r)
            with_t += taps(new, 2, moment, seed=r)
            without += taps(old, 2, moment, seed=r)
        print()
        print(
            f"One tap (`record_reaction`) in group-commit batches of 100, synchronous=FULL,"
            f" {big:,} reactions stored, {len(with_t)} batches each"
        )
        print()
        print("| schema | median µs per tap | p99 µs per tap | ratio |")
        print("|---|---|---|---|")
        base_tap = statistics.median(without)
        for name, values in (
            ("before m009 (taps counted by m007 triggers)", without),
            ("with m009 (phones counted too)", with_t),
        ):
            med = statistics.median(values)
            print(f"| {name} | {med:.1f} | {p99(values):.1f} | {med / base_tap:.2f} |")


if __name__ == "__main__":
    main()
