"""The same benchmarks on two versions of bigconv, alternating, in one run: did a change
(a reshape, say) make anything slower?

    python -m bench.versions BEFORE [AFTER] [--only search,web] [--rounds 2] [--full]

BEFORE and AFTER are git revisions (AFTER defaults to the working tree). Each is checked out
into a temporary worktree and each benchmark runs there with that version's own code and
`bench/` (PYTHONPATH), alternating before/after for `--rounds` rounds so that both see the
same machine. Every number a benchmark prints is matched by its line's label and its place on
the line; the median over rounds of AFTER over BEFORE is reported per benchmark: the middle
ratio of all its figures and the figures that moved most. A benchmark that fails on either
side fails this run (exit 1): a ratio from a run that did not finish would mean nothing.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT = "search,web,room_refresh,reactions,propagation,followup"
NUMBER = re.compile(r"(?<![\w.])-?\d+(?:\.\d+)?(?![\w.])")
# Lines that only describe the run (sizes, counts, dates) are not timings.
NOT_A_FIGURE = re.compile(r"^(#|`|Run |\d[\d,]* (attendees|people|phones)|python -m)")


def figures(output: str) -> dict[tuple[str, int], float]:
    """(line label, place) -> number, for every line with a label and numbers."""
    found: dict[tuple[str, int], float] = {}
    seen: dict[str, int] = defaultdict(int)
    for line in output.splitlines():
        text = line.strip().strip("|")
        if not text or NOT_A_FIGURE.match(text):
            continue
        numbers = NUMBER.findall(text)
        label = NUMBER.sub("#", text)
        label = re.sub(r"[\s|]+", " ", label).strip()
        if not numbers or not re.search(r"[A-Za-z]", label):
            continue
        seen[label] += 1  # the same label in a second table is another figure
        key = f"{label} @{seen[label]}"
        for place, number in enumerate(numbers):
            found[(key, place)] = float(number)
    return found


def run(tree: Path, name: str, quick: bool) -> str:
    env = {**os.environ, "PYTHONPATH": str(tree)}
    args = [sys.executable, "-m", f"bench.{name}"] + (["--quick"] if quick else [])
    done = subprocess.run(args, cwd=tree, env=env, capture_output=True, text=True)
    if done.returncode:
        raise SystemExit(
            f"bench.{name} failed in {tree} (exit {done.returncode}):\n{done.stderr[-2000:]}"
        )
    return done.stdout


def worktree(rev: str, folder: Path) -> Path:
    target = folder / rev.replace("/", "_")
    subprocess.run(
        ["git", "-C", str(ROOT), "worktree", "add", "--detach", str(target), rev],
        check=True,
        capture_output=True,
    )
    return target


def compare(name: str, before: list[dict], after: list[dict]) -> list[str]:
    keys = set.intersection(*(set(f) for f in before + after))
    ratios = {}
    for key in keys:
        b = statistics.median(f[key] for f in before)
        a = statistics.median(f[key] for f in after)
        if len({f[key] for f in before + after}) == 1:
            continue  # the same in every run: a count or a size, not a timing
        if b > 0 and a > 0:
            ratios[key] = a / b
    if not ratios:
        return [f"| {name} | no figure in common | | |"]
    ordered = sorted(ratios.items(), key=lambda kv: abs(kv[1] - 1), reverse=True)
    moved = "; ".join(f"{k[0]} [{k[1]}] {r:.2f}" for k, r in ordered[:3])
    middle = statistics.median(ratios.values())
    return [f"| {name} | {len(ratios)} | {middle:.2f} | {moved} |"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("before")
    parser.add_argument("after", nargs="?", help="a revision (default: this working tree)")
    parser.add_argument("--only", default=DEFAULT)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--full", action="store_true", help="full-size runs (default: --quick)")
    args = parser.parse_args()
    names = args.only.split(",")
    with tempfile.TemporaryDirectory(prefix="bench-versions-") as tmp:
        folder = Path(tmp)
        trees = {"before": worktree(args.before, folder)}
        trees["after"] = worktree(args.after, folder) if args.after else ROOT
        try:
            got: dict[str, dict[str, list[dict]]] = defaultdict(lambda: defaultdict(list))
            for n in range(args.rounds):
                for name in names:
                    sides = ["before", "after"] if n % 2 == 0 else ["after", "before"]
                    for side in sides:
                        print(f"round {n + 1}: bench.{name} ({side})", file=sys.stderr, flush=True)
                        output = run(trees[side], name, not args.full)
                        got[name][side].append(figures(output))
            print(
                f"AFTER / BEFORE ({args.after or 'working tree'} / {args.before}), medians of "
                f"{args.rounds} alternating rounds, {'full' if args.full else 'quick'} runs"
            )
            print()
            print("| benchmark | figures | median ratio | moved most (line [place] ratio) |")
            print("|---|---|---|---|")
            for name in names:
                print("\n".join(compare(name, got[name]["before"], got[name]["after"])))
        finally:
            for tree in trees.values():
                if tree != ROOT:
                    subprocess.run(
                        ["git", "-C", str(ROOT), "worktree", "remove", "--force", str(tree)],
                        capture_output=True,
                    )


if __name__ == "__main__":
    main()
