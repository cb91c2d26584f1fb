"""Allocation benchmark: coverage first, then ranks, against the weighted score it replaced.

    python -m bench.allocate            # 850 x 60 x 3 (5 repeats) and 10,000 x 600 x 3 (3)
    python -m bench.allocate --quick    # CI-sized: 850 x 60 x 3 only, one repeat

The baseline is the solver of BASELINE (the last revision that maximised the weighted score
3**(K-r) per choice met, 3**K lost per person with none), read with `git show` and timed in the
same run on the same generated day, alternating with the new one. Both allocations are checked
(one seat per person per slot, capacities, no workshop twice) and profiled the same way; a
serial dictatorship (people in random order each take their best remaining choice, as a hand
allocation does) shows what an exact solver buys.

Instances are generated with preferences skewed the way real ones are (a few workshops most
people want), some workshops running twice, and sessions restricted to teaching or support staff.
"""

from __future__ import annotations

import argparse
import importlib.util
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from types import ModuleType
from typing import Any

from bigconv.core import allocation
from bigconv.core.allocation import Problem, profile, solve

ROOT = Path(__file__).resolve().parent.parent
BASELINE = "6eda338"  # main before issue 24: the weighted-score objective
ROLES = {"teaching": 0.6, "support": 0.4}


def generate(
    people: int, sessions: int, slots: int = 3, seed: int = 1, lib: ModuleType = allocation
) -> Any:
    """A random day: `sessions` sessions over `slots` slots, about 8% spare seats per slot.

    `lib` is the allocation module whose classes it is built from (this one, or the baseline's).
    """
    rng = random.Random(seed)
    repeats = sessions // 10  # that many popular workshops run a second time
    titles = [f"Workshop {i}" for i in range(sessions - repeats)]
    popularity = {t: 1.0 / (1 + i) ** 0.8 for i, t in enumerate(rng.sample(titles, len(titles)))}
    audience = {t: rng.choices(["everyone", "teaching", "support"], [75, 20, 5])[0] for t in titles}
    popular = sorted(titles, key=popularity.get, reverse=True)
    runs = titles + [t for t in popular if audience[t] == "everyone"][:repeats]
    slot_of = {}
    order = list(range(len(runs)))
    rng.shuffle(order)
    for n, i in enumerate(order):
        slot_of[i] = n % slots
    for i in range(len(titles), len(runs)):  # a second run goes in another slot
        first = runs.index(runs[i])
        if slot_of[i] == slot_of[first]:
            slot_of[i] = (slot_of[first] + 1) % slots
    infos = {}
    for t in range(slots):
        mine = [i for i in range(len(runs)) if slot_of[i] == t]
        weights = [rng.uniform(0.5, 2.0) for _ in mine]
        total = people * 1.08
        for i, w in zip(mine, weights, strict=True):
            cap = max(8, round(total * w / sum(weights)))
            infos[i + 1] = lib.SessionInfo(
                i + 1,
                f"S{i + 1}",
                runs[i],
                runs[i].casefold(),
                t,
                f"Room {i}",
                cap,
                audience[runs[i]],
                None,
            )
    cls, prefs = {}, {}
    role_names = list(ROLES)
    for a in range(1, people + 1):
        role = rng.choices(role_names, list(ROLES.values()))[0]
        cls[a] = frozenset({"everyone", role})
        allowed = [t for t in titles if audience[t] in cls[a]]
        picks: list[str] = []
        while len(picks) < 3:
            t = rng.choices(allowed, [popularity[t] for t in allowed])[0]
            if t not in picks:
                picks.append(t)
        prefs[a] = {t.casefold(): r for r, t in enumerate(picks, start=1)}
    return lib.Problem(
        [(t, f"Slot {t + 1}") for t in range(slots)], infos, list(cls), cls, prefs, {}
    )


def serial_dictatorship(problem: Problem, seed: int) -> dict:
    """People in random order each take their best remaining choices, then any free seat."""
    rng = random.Random(seed)
    left = problem.remaining()
    runs = problem.runs()
    order = list(problem.attendees)
    rng.shuffle(order)
    placed: dict[tuple[int, int], tuple[int, str]] = {}
    have: dict[int, set[str]] = defaultdict(set)

    def take(aid: int, sid: int) -> None:
        s = problem.sessions[sid]
        placed[(aid, s.slot_id)] = (sid, "allocate")
        have[aid].add(s.workshop)
        left[sid] -= 1

    for aid in order:
        for w, _ in sorted(problem.prefs.get(aid, {}).items(), key=lambda kv: kv[1]):
            for sid in runs.get(w, []):
                s = problem.sessions[sid]
                if (
                    left[sid] > 0
                    and (aid, s.slot_id) not in placed
                    and s.audience in problem.cls[aid]
                    and w not in have[aid]
                ):
                    take(aid, sid)
                    break
    for aid in order:
        for t, _ in problem.slots:
            if (aid, t) in placed:
                continue
            free = [
                s
                for s in problem.open_sessions(t)
                if left[s.id] > 0 and s.audience in problem.cls[aid] and s.workshop not in have[aid]
            ]
            if free:
                take(aid, max(free, key=lambda s: left[s.id]).id)
    return placed


def baseline_module(rev: str = BASELINE) -> ModuleType:
    """The allocation module as it was at `rev`, imported under another name."""
    text = subprocess.run(
        ["git", "show", f"{rev}:bigconv/core/allocation.py"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    path = Path(tempfile.mkdtemp()) / "baseline_allocation.py"
    path.write_text(text, encoding="utf-8")
    spec = importlib.util.spec_from_file_location("baseline_allocation", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def broken_rules(problem: Problem, placements: dict) -> list[str]:
    """Why `placements` is not a valid allocation of `problem` (empty if it is)."""
    why = []
    counts: dict[int, int] = defaultdict(int)
    for aid in problem.attendees:
        got = [placements.get((aid, t)) for t, _ in problem.slots]
        if None in got:
            why.append(f"attendee {aid} has no seat in some slot")
            continue
        workshops = [problem.sessions[sid].workshop for sid, _ in got]
        if len(set(workshops)) < len(workshops):
            why.append(f"attendee {aid} has a workshop twice")
        for sid, _ in got:
            counts[sid] += 1
            if problem.sessions[sid].audience not in problem.cls[aid]:
                why.append(f"attendee {aid} is not admitted to session {sid}")
    why += [
        f"session {sid} over capacity"
        for sid, n in counts.items()
        if n > problem.sessions[sid].capacity
    ]
    return why


def row(name: str, seconds: str, problem: Problem, placements: dict) -> str:
    p = profile(problem, placements)
    n = max(1, len(problem.prefs))
    ranks = " ".join(f"{p.by_rank.get(r, 0) / n:7.1%}" for r in problem.ranks)
    return f"{name:34} {seconds:>9} {len(problem.prefs) - p.covered:>6} {ranks}"


def run(people: int, sessions: int, repeats: int, old: ModuleType) -> bool:
    """Time both solvers on one day, print the table; False if a check failed."""
    problem = generate(people, sessions)
    old_problem = generate(people, sessions, lib=old)
    new_times, old_times = [], []
    for i in range(repeats):  # alternating, so a busy moment falls on both
        t0 = time.perf_counter()
        result = solve(problem, seed=i)
        new_times.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        before = old.solve(old_problem, seed=i)
        old_times.append(time.perf_counter() - t0)
    t0 = time.perf_counter()
    hand = serial_dictatorship(problem, seed=1)
    t_hand = time.perf_counter() - t0
    new_med, old_med = statistics.median(new_times), statistics.median(old_times)
    ranks = " ".join(f"{_ordinal(r):>7}" for r in problem.ranks)
    print(
        f"\n{people} people x {sessions} sessions x {len(problem.slots)} slots, {repeats} runs each"
    )
    print(f"{'method':34} {'median s':>9} {'none':>6} {ranks}")
    print(row("coverage, then ranks (bigconv)", f"{new_med:.2f}", problem, result.placements))
    print(
        row(f"weighted score ({BASELINE}, baseline)", f"{old_med:.2f}", problem, before.placements)
    )
    print(row("serial dictatorship (by hand)", f"{t_hand:.2f}", problem, hand))
    print(f"time ratio to the weighted score, median over median: {new_med / old_med:.2f}x")
    target = "under a second" if people <= 1000 else "within 2x of the weighted score"
    met = new_med < 1.0 if people <= 1000 else new_med <= 2 * old_med
    print(f"target ({target}): {'met' if met else 'NOT MET'}")
    ok = True
    for name, placements in (("bigconv", result.placements), ("baseline", before.placements)):
        why = broken_rules(problem, placements)
        if why:
            print(f"CHECK FAILED: {name}: {why[:3]}")
            ok = False
    new_p, old_p = profile(problem, result.placements), profile(problem, before.placements)
    if new_p.covered < old_p.covered:
        print("CHECK FAILED: the weighted score gave more people a choice")
        ok = False
    print(
        f"checked: both allocations keep every rule; bigconv gives {new_p.covered - old_p.covered} "
        "more people one of their choices than the weighted score"
    )
    return ok


def _ordinal(rank: int) -> str:
    return {1: "1st", 2: "2nd", 3: "3rd"}.get(rank, f"{rank}th")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="CI-sized run")
    parser.add_argument("--baseline", default=BASELINE, help="revision of the old solver")
    args = parser.parse_args()
    old = baseline_module(args.baseline)
    ok = run(850, 60, 1 if args.quick else 5, old)
    if not args.quick:
        ok = run(10_000, 600, 3, old) and ok
    if not ok:
        sys.exit(1)


if __name__ == "__main__":
    main()
