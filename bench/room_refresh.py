"""How much the room screen's live refresh costs on the sample day (850 people, 30 in the room).

    python -m bench.room_refresh [--quick]

Baseline: a naive refresh that re-queries and rebuilds the whole roster table every time.
The room screen re-queries but redraws only when the rows changed; the table prints medians
and p99 in milliseconds with their ratio to the baseline.
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import statistics
import tempfile
import time
from pathlib import Path

from bigconv.data import attendance, database
from bigconv.services.setup import initialise, load
from bigconv.tui.app import make_app
from bigconv.tui.config import StationConfig

ROOT = Path(__file__).resolve().parent.parent
ROOM = "Science Lab 2"


def prepare(folder: Path) -> tuple[Path, int]:
    """The sample day in `folder`, 30 people allocated to the room's first session, 15 present."""
    for name in ("sample_event.toml", "sample_staff.csv"):
        shutil.copy(ROOT / name, folder / name)
    ctx = load(folder / "sample_event.toml", None)
    db = initialise(ctx).db
    room = attendance.find_room(db, ROOM)
    session = attendance.room_sessions(db, room["id"])[0]
    people = [row[0] for row in db.execute("SELECT id FROM attendees ORDER BY id LIMIT 30")]
    db["allocations"].insert_all({"attendee_id": p, "session_id": session.id} for p in people)
    db.conn.commit()
    for p in people[:15]:
        attendance.mark_present(db, session.id, p, station="bench", at=session.start_time)
    db.close()
    return ctx.event.path, session.id


def timed(func, runs: int) -> list[float]:
    out = []
    for _ in range(runs):
        start = time.perf_counter()
        func()
        out.append((time.perf_counter() - start) * 1000)
    return out


async def measure(event_path: Path, session_id: int, runs: int) -> dict[str, list[float]]:
    ctx = load(event_path, None)
    now = attendance.session_by_id(database.connect(ctx.db_path), session_id).start_time
    app = make_app(
        ctx.db_path, StationConfig(mode="room", room=ROOM, event=ctx.event, clock=lambda: now)
    )
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        screen = app.screen

        def naive() -> None:
            screen.shown = []  # forget what is on screen: rebuild the table every time
            screen.refresh_data()

        results = {
            "naive refresh (rebuild table)": timed(naive, runs),
            "room screen refresh_data (no change)": timed(screen.refresh_data, runs),
            "roster() query": timed(lambda: attendance.roster(app.db, session_id), runs),
            "room_states() for desk/dashboard": timed(
                lambda: attendance.room_states(app.db, now), runs
            ),
            "PRAGMA data_version poll": timed(app.watcher.changed, runs),
        }
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a CI-sized run")
    args = parser.parse_args()
    runs = 50 if args.quick else 500
    with tempfile.TemporaryDirectory() as tmp:
        event_path, session_id = prepare(Path(tmp))
        results = asyncio.run(measure(event_path, session_id, runs))
    baseline = statistics.median(next(iter(results.values())))
    print(f"{'operation':40} {'median ms':>10} {'p99 ms':>8} {'ratio':>7}   ({runs} runs)")
    for name, times in results.items():
        median = statistics.median(times)
        p99 = sorted(times)[int(0.99 * (len(times) - 1))]
        print(f"{name:40} {median:10.3f} {p99:8.3f} {median / baseline:7.2f}")


if __name__ == "__main__":
    main()
