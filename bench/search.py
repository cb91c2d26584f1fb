"""Desk benchmark: search per query, keystroke-to-results in the real desk screen, check-ins/s.

    python -m bench.search            # 1,000 / 10,000 / 100,000 attendees
    python -m bench.search --quick    # 1,000 / 10,000, fewer queries and keystrokes

Every figure is printed beside a baseline measured in the same run, with the ratio:
search against a plain `LIKE '%term%'` scan, keystrokes against a bare Textual Input, and
check-ins against a bare single-row insert on a connection with the same pragmas.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import random
import statistics
import tempfile
import time
from pathlib import Path

from textual import events
from textual.keys import _character_to_key

from bench._people import make_db, people
from bigconv.data import database
from bigconv.data.checkin import check_in
from bigconv.data.desk import register_walk_in
from bigconv.data.desk_order import DeskOrder
from bigconv.data.search import AttendeeIndex, fold, search_attendees

LIMIT = 30  # what the desk shows
MORNING = dt.datetime(2026, 11, 27, 8, 40, tzinfo=dt.UTC)
# The baselines are measurement harnesses, not bigconv code, so their SQL lives here.
LIKE_SQL = (
    "SELECT id, first_name, last_name FROM attendees WHERE "
    "(first_name || ' ' || last_name || ' ' || school || ' ' || role || ' ' || email) LIKE ? "
    "LIMIT ?"
)


def typo(word: str, rng: random.Random) -> str:
    """One slip of the finger: two letters swapped, one dropped, or one doubled."""
    i = rng.randrange(1, len(word) - 1)
    kind = rng.choice("sdx")
    if kind == "s":
        return word[: i - 1] + word[i] + word[i - 1] + word[i + 1 :]
    if kind == "d":
        return word[:i] + word[i + 1 :]
    return word[:i] + word[i] + word[i:]


def queries(pool: list[dict], count: int, seed: int = 7) -> list[tuple[str, str]]:
    """(kind, text) as people type them at a desk, drawn from the generated attendees."""
    rng = random.Random(seed)
    out = []
    for _ in range(count):
        p = rng.choice(pool)
        first, last = fold(p["first_name"]).split()[0], fold(p["last_name"]).replace(" ", "")
        kind = rng.choice(["prefix", "surname", "fragment", "first+last", "typo", "school"])
        if kind == "prefix":
            text = p["first_name"][: rng.randint(2, 6)]
        elif kind == "surname":
            text = p["last_name"][: rng.randint(2, 6)]
        elif kind == "fragment":
            start = rng.randrange(max(1, len(last) - 3))
            text = last[start : start + rng.randint(3, 5)]
        elif kind == "first+last":
            text = f"{first} {last[: rng.randint(1, 4)]}"
        elif kind == "typo" and len(last) >= 5:
            text = typo(last, rng)
        else:
            kind = "school"
            text = p["school"].split()[0][: rng.randint(3, 8)]
        out.append((kind, text))
    return out


def timed(func, *args) -> float:
    start = time.perf_counter()
    func(*args)
    return (time.perf_counter() - start) * 1000


def p99(values: list[float]) -> float:
    return statistics.quantiles(values, n=100)[98] if len(values) > 1 else values[0]


def bench_search(folder: Path, n: int, count: int) -> None:
    db = make_db(folder / f"search-{n}.db", n)
    build = timed(AttendeeIndex, db)
    index = AttendeeIndex(db)
    asked = queries(people(n), count)
    ours: dict[str, list[float]] = {}
    like: dict[str, list[float]] = {}
    for kind, text in asked:
        ours.setdefault(kind, []).append(timed(search_attendees, db, text, LIMIT, index))
        like.setdefault(kind, []).append(
            timed(lambda t: db.execute(LIKE_SQL, [f"%{t}%", LIMIT]).fetchall(), text)
        )
    ordered = desk_order(db, index, asked)
    register_walk_in(db, first_name="Nia", last_name="Walker", school="Gamma", station="Bench")
    after_walk_in = timed(search_attendees, db, "nia walk", LIMIT, index)
    print(
        f"\n{n:,} attendees: {count} queries; index build {build:.0f} ms when the desk opens "
        f"(or after an edit); first search after a walk-in {after_walk_in:.1f} ms"
    )
    print(
        f"{'input':12} {'ours med':>9} {'ours p99':>9} {'LIKE med':>9} {'LIKE p99':>9} {'ratio med':>10} {'ratio p99':>10}"
    )
    kinds = sorted(ours) + ["all"]
    ours["all"] = [v for k in sorted(ours) for v in ours[k]]
    like["all"] = [v for k in sorted(like) for v in like[k]]
    for kind in kinds:
        om, op = statistics.median(ours[kind]), p99(ours[kind])
        lm, lp = statistics.median(like[kind]), p99(like[kind])
        print(f"{kind:12} {om:9.2f} {op:9.2f} {lm:9.2f} {lp:9.2f} {om / lm:10.2f} {op / lp:10.2f}")
    (dm, dp), (um, up) = ordered
    print(
        f"the desk's order among equal matches, half of them checked in: med {dm:.2f}, "
        f"p99 {dp:.2f}; the same search unordered: med {um:.2f}, p99 {up:.2f}; "
        f"ratio med {dm / um:.2f}, p99 {dp / up:.2f}"
    )
    db.close()


def desk_order(db, index: AttendeeIndex, asked: list[tuple[str, str]]):
    """(median, p99) of the desk's own call (equal matches in its order: bigconv/data/desk_order)
    and of the same search unordered, with every other attendee checked in."""
    with database.immediate(db):  # the morning so far, one commit
        for attendee_id in range(1, len(index.people) + 1, 2):
            check_in(db, attendee_id, station="Bench", at=MORNING)
    order = DeskOrder(index, lambda: MORNING)
    search_attendees(db, "warm", LIMIT, index, order)  # the desk opened: the order read once
    ours, plain = [], []
    for _, text in asked:
        ours.append(timed(search_attendees, db, text, LIMIT, index, order))
        plain.append(timed(search_attendees, db, text, LIMIT, index))
    return (statistics.median(ours), p99(ours)), (statistics.median(plain), p99(plain))


async def keystrokes(app, words: list[str], shown) -> list[float]:
    """Milliseconds from a key arriving as the terminal sends it until the screen shows its result.

    The Pilot's own press() waits for idle with sleeps, so it would time the Pilot: instead the
    key goes to the app the way the terminal driver delivers it, and the clock stops once
    `shown(app)` reports the new text and every pending message (layout, refresh) is processed.
    """
    out = []
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        for word in words:
            typed = ""
            for ch in word:
                typed += ch
                key = ch if ch.isalnum() else _character_to_key(ch)
                start = time.perf_counter()
                app._driver.send_message(events.Key(key, ch))
                while shown(app) != typed:
                    await asyncio.sleep(0)
                await pilot._wait_for_screen()
                out.append((time.perf_counter() - start) * 1000)
            await pilot.press("escape")
            await pilot.pause()
    return out


def bench_keystrokes(folder: Path, n: int, count: int) -> None:
    from textual.app import App
    from textual.widgets import Input

    from bigconv.tui.app import make_app
    from bigconv.tui.config import StationConfig

    class BareInput(App):
        BINDINGS = [("escape", "clear")]

        def compose(self):
            yield Input()

        def action_clear(self):
            self.query_one(Input).value = ""

    words = [text for _, text in queries(people(n), count, seed=11)]
    make_db(folder / f"keys-{n}.db", n).close()
    desk_app = make_app(folder / f"keys-{n}.db", StationConfig(mode="desk"))
    desk = asyncio.run(keystrokes(desk_app, words, lambda app: app.screen.shown_query))
    bare = asyncio.run(keystrokes(BareInput(), words, lambda app: app.query_one(Input).value))
    dm, bm = statistics.median(desk), statistics.median(bare)
    print(
        f"\nKeystroke to updated results, desk screen through the Pilot, {n:,} attendees, {len(desk)} keys"
    )
    print(f"{'':14} {'median ms':>10} {'p99 ms':>8}")
    print(f"{'desk':14} {dm:10.2f} {p99(desk):8.2f}")
    print(f"{'bare Input':14} {bm:10.2f} {p99(bare):8.2f}")
    print(f"{'ratio':14} {dm / bm:10.2f} {p99(desk) / p99(bare):8.2f}")


RECORD_SQL = "INSERT INTO checkin_records (attendee_id, at, station) VALUES (?, ?, 'Bench')"
PLAIN_SQL = "INSERT INTO bare VALUES (?, ?, 'Bench')"


def bare_inserts(db, sql: str, n: int) -> float:
    """Rows per second, one committed single-row insert each, on a bigconv connection."""
    start = time.perf_counter()
    for i in range(1, n + 1):
        db.conn.execute(sql, [i, "2026-11-27T08:30:00.000+00:00"])
        db.conn.commit()
    return n / (time.perf_counter() - start)


def bench_checkins(folder: Path, n: int) -> None:
    db = make_db(folder / f"checkin-{n}.db", n)
    start = time.perf_counter()
    for i in range(1, n + 1):
        check_in(db, i, station="Bench")
    ours = n / (time.perf_counter() - start)
    # Baselines on fresh files opened the same way (WAL, synchronous=NORMAL, busy timeout).
    records = bare_inserts(make_db(folder / f"records-{n}.db", n), RECORD_SQL, n)
    plain_db = make_db(folder / f"plain-{n}.db", 0)
    plain_db.conn.execute("CREATE TABLE bare (attendee_id INTEGER, at TEXT, station TEXT)")
    plain = bare_inserts(plain_db, PLAIN_SQL, n)
    print(f"\nCheck-ins per second, {n:,} in a row, each its own commit (WAL + synchronous=NORMAL)")
    print(f"{'':52} {'per s':>8} {'ours / this':>12}")
    print(f"{'check_in: BEGIN IMMEDIATE, check, record, log, commit':52} {ours:8,.0f} {1:12.2f}")
    print(
        f"{'bare insert into checkin_records (+ its log trigger)':52} {records:8,.0f} {ours / records:12.2f}"
    )
    print(f"{'bare insert into an unindexed 3-column table':52} {plain:8,.0f} {ours / plain:12.2f}")
    db.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="CI-sized run")
    args = parser.parse_args()
    sizes = (1_000, 10_000) if args.quick else (1_000, 10_000, 100_000)
    count = 120 if args.quick else 600
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        print("Search per query (ms), ours = in-memory folded index + check-in states, top 30")
        for n in sizes:
            bench_search(folder, n, count)
        bench_keystrokes(folder, 10_000, 10 if args.quick else 40)
        bench_checkins(folder, 1_000 if args.quick else 5_000)


if __name__ == "__main__":
    main()
