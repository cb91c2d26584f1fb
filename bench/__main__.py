"""Run every benchmark and write BENCHMARKS.md.

    python -m bench            # full runs (several minutes)
    python -m bench --quick    # CI-sized runs, about a minute
    python -m bench --only search,web

Each benchmark is a module of this package that prints Markdown tables of medians, p99s and
ratios against a baseline measured in the same run; this collects their output with the
machine and the date.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCHMARKS = {
    "allocate": "Workshop allocation (issue 3)",
    "search": "Desk search, keystrokes and check-ins (issue 4)",
    "keys": "Keys to the right person at the desk (issue 23)",
    "web": "Phone site throughput and latency (issue 6)",
    "room_refresh": "Room screen refresh (issue 5)",
    "propagation": "Live propagation across processes (issue 7)",
    "lock": "Phone site while another program holds the write lock (issue 14)",
    "reactions": "Reaction figures counted in phones (issue 14)",
    "followup": "The CPD loop after the day (issue 16)",
    "venue": "The whole venue on one laptop: stations and phones (issue 15)",
    "checkpoint": "The -wal through a day: one checkpointer (issue 20)",
    "importing": "Importing a staff list (issue 24)",
}


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{platform.system()} {platform.machine()}, {os.cpu_count()} cores ({cpu}), Python {platform.python_version()}"


def run(name: str, quick: bool) -> tuple[str, float, int]:
    start = time.perf_counter()
    env = {**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    args = [sys.executable, "-m", f"bench.{name}"] + (["--quick"] if quick else [])
    result = subprocess.run(args, capture_output=True, text=True, cwd=ROOT, env=env)
    output = result.stdout.strip()
    if result.returncode:
        output += f"\n\nFAILED (exit {result.returncode}):\n{result.stderr.strip()[-2000:]}"
    return output, time.perf_counter() - start, result.returncode


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="CI-sized runs")
    parser.add_argument("--only", help="comma-separated benchmark names")
    parser.add_argument(
        "--out", default=str(ROOT / "BENCHMARKS.md"), help="where to write the report"
    )
    args = parser.parse_args()
    names = [n for n in BENCHMARKS if (ROOT / "bench" / f"{n}.py").exists()]
    if args.only:
        names = [n for n in names if n in args.only.split(",")]
    sections = [
        "# bigconv benchmarks",
        "",
        f"Run {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC on {machine()}, "
        f"{'quick' if args.quick else 'full'} mode, by `python -m bench{' --quick' if args.quick else ''}`.",
        "These machines are noisy: compare the ratios (each against a baseline measured in the same run), not the absolute times.",
    ]
    failed = 0
    for name in names:
        print(f"running bench.{name} ...", file=sys.stderr, flush=True)
        output, seconds, code = run(name, args.quick)
        failed += bool(code)
        if "|-" not in output:
            output = f"```text\n{output}\n```"  # aligned columns, kept as printed
        sections += [
            "",
            f"## {BENCHMARKS[name]}",
            "",
            f"`python -m bench.{name}{' --quick' if args.quick else ''}` ({seconds:.0f} s)",
            "",
            output,
        ]
    Path(args.out).write_text("\n".join(sections) + "\n", encoding="utf-8")
    print(f"wrote {args.out}", file=sys.stderr)
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
