"""Importing a staff list: cost per row as the file grows, and other writers during an import.

    python -m bench.importing            # 1,000 / 10,000 / 100,000 rows, 3 runs each
    python -m bench.importing --quick    # 1,000 / 10,000 rows, 3 runs

Two files of each size, written once: "distinct" (generated staff with accents, schools, staff
IDs and emails) and "one name repeated" (every row Sam Lee, told apart by staff ID and email,
at thirteen schools). Each run imports the file into a new database, then imports it again
(every row unchanged). The baseline, measured in the same run, is a plain `csv.reader` read of
the same file; the tables give medians in seconds, the ratio to that read, and the cost per row
against the 1,000-row file's (1.0 is linear). What each run did is checked: every row imported,
then every row unchanged.

Then, while the largest distinct file is imported, another process writes one row at a time
(BEGIN IMMEDIATE, an insert, COMMIT, as a desk does) in a loop: its median, p99 and longest
write against the same writer with no import running (the baseline, same run).
"""

from __future__ import annotations

import argparse
import csv
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench._people import people
from bigconv.data import database
from bigconv.data.attendees import BATCH_ROWS, import_csv

HEADER = "Staff ID,Forename,Surname,Email,School,Job Title\n"


def write_distinct(path: Path, n: int) -> Path:
    with path.open("w", encoding="utf-8", newline="") as f:
        f.write(HEADER)
        for p in people(n):
            f.write(
                f"T{p['id']:07d},{p['first_name']},{p['last_name']},{p['email']},"
                f"{p['school']},{p['role']}\n"
            )
    return path


def write_repeated(path: Path, n: int) -> Path:
    with path.open("w", encoding="utf-8", newline="") as f:
        f.write(HEADER)
        for i in range(n):
            f.write(f"R{i:07d},Sam,Lee,sam.lee{i}@s{i % 13}.sch.uk,School {i % 13},Teacher\n")
    return path


def plain_read(path: Path) -> int:
    with path.open(encoding="utf-8", newline="") as f:
        return sum(1 for _ in csv.reader(f)) - 1


def fresh_db(folder: Path, name: str):
    path = folder / f"{name}.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    return database.connect(path)


def measure(folder: Path, path: Path, n: int, runs: int) -> dict[str, float]:
    read, first, again = [], [], []
    for run in range(runs):
        start = time.perf_counter()
        assert plain_read(path) == n
        read.append(time.perf_counter() - start)
        db = fresh_db(folder, f"run{run}")
        start = time.perf_counter()
        report = import_csv(db, path)
        first.append(time.perf_counter() - start)
        assert (report.imported, report.rejected, report.possible_duplicates) == (n, [], [])
        start = time.perf_counter()
        report = import_csv(db, path)
        again.append(time.perf_counter() - start)
        assert (report.imported, report.unchanged) == (0, n)
        assert db["attendees"].count == n
        db.close()
    return {
        "read": statistics.median(read),
        "import": statistics.median(first),
        "again": statistics.median(again),
    }


def table(kind: str, results: dict[int, dict[str, float]]) -> None:
    print(f"\n### {kind}\n")
    print(
        "| rows | csv read (s) | import (s) | ratio | per row vs 1,000 "
        "| re-import (s) | ratio | per row vs 1,000 |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|---:|")
    small = min(results)
    for n, r in sorted(results.items()):
        grow = [(r[k] / n) / (results[small][k] / small) for k in ("import", "again")]
        print(
            f"| {n:,} | {r['read']:.3f} | {r['import']:.2f} | {r['import'] / r['read']:.0f} "
            f"| {grow[0]:.2f} | {r['again']:.2f} | {r['again'] / r['read']:.0f} | {grow[1]:.2f} |"
        )


WRITER = """
import json, sys, time
from pathlib import Path
from bigconv.data import database
db = database.connect(sys.argv[1])
stop, times = Path(sys.argv[2]), []
print("ready", flush=True)
while not stop.exists():
    start = time.perf_counter()
    with database.immediate(db):
        db.execute("INSERT INTO log (at, station, action) VALUES ('2026-11-27', 'Desk', 'bench')")
    times.append((time.perf_counter() - start) * 1000)
    time.sleep(0.002)
db.close()
print(json.dumps(times))
"""


def writer_process(db_path: Path, stop: Path) -> subprocess.Popen:
    """Another process writing one row at a time, as a desk does, until `stop` exists."""
    stop.unlink(missing_ok=True)
    child = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(db_path), str(stop)],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert child.stdout is not None and child.stdout.readline().strip() == "ready"
    return child


def stopped(child: subprocess.Popen, stop: Path) -> list[float]:
    stop.touch()
    out, _ = child.communicate(timeout=60)
    return json.loads(out)


def writes_during(folder: Path, path: Path, n: int) -> None:
    db = fresh_db(folder, "writers")
    stop = folder / "stop"
    child = writer_process(db.bigconv_path, stop)
    time.sleep(3)
    quiet = stopped(child, stop)
    child = writer_process(db.bigconv_path, stop)
    start = time.perf_counter()
    report = import_csv(db, path)
    took = time.perf_counter() - start
    during = stopped(child, stop)
    assert report.imported == n
    db.close()

    def p99(values: list[float]) -> float:
        return statistics.quantiles(values, n=100)[98]

    print(
        f"\n### Another process writing during a {n:,}-row import ({took:.1f} s, "
        f"{BATCH_ROWS} rows per transaction)\n"
    )
    print("| writer | writes | median (ms) | p99 (ms) | longest (ms) |")
    print("|---|---:|---:|---:|---:|")
    for label, times in (("no import (baseline)", quiet), ("during the import", during)):
        print(
            f"| {label} | {len(times)} | {statistics.median(times):.1f} | {p99(times):.1f} "
            f"| {max(times):.1f} |"
        )
    print(
        f"\nLongest write during the import against the baseline's p99: "
        f"{max(during) / p99(quiet):.1f}x; the phone site gives up (503) after 1,000 ms."
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a CI-sized run")
    args = parser.parse_args()
    sizes = (1_000, 10_000) if args.quick else (1_000, 10_000, 100_000)
    runs = 3
    print(f"Medians of {runs} runs; ratios against a plain csv read of the same file.")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for kind, make in (("distinct", write_distinct), ("one name repeated", write_repeated)):
            results = {}
            for n in sizes:
                path = make(folder / f"{kind.replace(' ', '-')}-{n}.csv", n)
                results[n] = measure(folder, path, n, runs)
            table(f"Staff file: {kind}", results)
        n = sizes[-1]
        writes_during(folder, folder / f"distinct-{n}.csv", n)


if __name__ == "__main__":
    main()
