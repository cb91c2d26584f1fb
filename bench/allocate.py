"""Allocation benchmark: exact MILP against serial dictatorship and an independent formulation.

    python -m bench.allocate            # 850 x 60 x 3 and 10,000 x 600 x 3
    python -m bench.allocate --quick    # CI-sized: 850 x 60 x 3 only, one repeat

Instances are generated with preferences skewed the way real ones are (a few workshops most
people want), some workshops running twice, and sessions restricted to teaching or support staff.
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from collections import defaultdict

import numpy as np
from scipy import sparse
from scipy.optimize import Bounds, LinearConstraint, milp

from bigconv.core.allocation import Problem, SessionInfo, score, solve

ROLES = {"teaching": 0.6, "support": 0.4}


def generate(people: int, sessions: int, slots: int = 3, seed: int = 1) -> Problem:
    """A random day: `sessions` sessions over `slots` slots, about 8% spare seats per slot."""
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
            infos[i + 1] = SessionInfo(
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
    return Problem([(t, f"Slot {t + 1}") for t in range(slots)], infos, list(cls), cls, prefs, {})


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


def full_formulation(problem: Problem) -> tuple[float, float]:
    """Independent exact model: a variable per person per admissible session, explicit y and z."""
    sessions = problem.open_sessions_all()
    runs = problem.runs()
    cost, upper, integral = [], [], []
    rows, cols, vals, lo, hi = [], [], [], [], []

    def column(c: float, u: float, whole: bool) -> int:
        cost.append(c), upper.append(u), integral.append(int(whole))
        return len(cost) - 1

    def row(entries: list[tuple[int, float]], low: float, high: float) -> None:
        r = len(lo)
        for col, v in entries:
            rows.append(r), cols.append(col), vals.append(v)
        lo.append(low), hi.append(high)

    per_session: dict[int, list[int]] = defaultdict(list)
    firsts: list[int] = []  # y columns of first choices
    for aid in problem.attendees:
        mine: dict[int, int] = {}
        for s in sessions:
            if s.audience in problem.cls[aid]:
                mine[s.id] = column(0.0, 1, True)
                per_session[s.id].append(mine[s.id])
        for t, _ in problem.slots:
            row([(c, 1.0) for sid, c in mine.items() if problem.sessions[sid].slot_id == t], 1, 1)
        for sids in runs.values():
            if len(sids) > 1:
                row([(mine[sid], 1.0) for sid in sids if sid in mine], 0, 1)
        ys = []
        for w, rank in problem.prefs.get(aid, {}).items():
            y = column(-problem.weight(rank), 1, False)
            ys.append(y)
            if rank == 1:
                firsts.append(y)
            row(
                [(y, 1.0)] + [(mine[sid], -1.0) for sid in runs.get(w, []) if sid in mine],
                -np.inf,
                0,
            )
        if ys:
            z = column(problem.none_penalty, 1, False)
            row([(z, 1.0)] + [(y, 1.0) for y in ys], 1, np.inf)
    for sid, cs in per_session.items():
        row([(c, 1.0) for c in cs], 0, problem.sessions[sid].capacity)
    a = sparse.csr_array((vals, (rows, cols)), shape=(len(lo), len(cost)))
    res = milp(
        np.array(cost),
        integrality=np.array(integral),
        bounds=Bounds(0, np.array(upper)),
        constraints=LinearConstraint(a, lo, hi),
        options={"mip_rel_gap": 1e-9},
    )
    # The score counts people with choices and none met as -penalty, y and z count the same.
    got_first = sum(res.x[y] > 0.5 for y in firsts)
    return -res.fun, got_first / max(1, len(problem.prefs))


def first_share(problem: Problem, placements) -> float:
    firsts = sum(
        1
        for aid, prefs in problem.prefs.items()
        if any(
            prefs.get(problem.sessions[placements[(aid, t)][0]].workshop) == 1
            for t, _ in problem.slots
            if (aid, t) in placements
        )
    )
    return firsts / max(1, len(problem.prefs))


def run(people: int, sessions: int, repeats: int, check: bool) -> None:
    problem = generate(people, sessions)
    times = []
    for i in range(repeats):
        t0 = time.perf_counter()
        result = solve(problem, seed=i)
        times.append(time.perf_counter() - t0)
    ours = score(problem, result.placements)
    t0 = time.perf_counter()
    base = serial_dictatorship(problem, seed=1)
    t_base = time.perf_counter() - t0
    unseated = len(problem.attendees) * len(problem.slots) - len(base)
    base_score = score(problem, base)
    print(f"\n{people} people x {sessions} sessions x {len(problem.slots)} slots")
    print(f"{'method':34} {'median s':>9} {'score':>8} {'vs exact':>9} {'1st choice':>11}")
    print(
        f"{'bigconv (aggregated MILP)':34} {statistics.median(times):9.2f} {ours:8d} {'':>9} "
        f"{first_share(problem, result.placements):10.1%}"
    )
    print(
        f"{'serial dictatorship (baseline)':34} {t_base:9.2f} {base_score:8d} "
        f"{base_score / ours:9.3f} {first_share(problem, base):10.1%}"
        + (f"  ({unseated} places left unfilled)" if unseated else "")
    )
    if check:
        t0 = time.perf_counter()
        exact, share = full_formulation(problem)
        t_full = time.perf_counter() - t0
        print(
            f"{'independent full MILP':34} {t_full:9.2f} {exact:8.0f} {exact / ours:9.3f} "
            f"{share:10.1%}"
        )
        print("equal to the independent optimum" if round(exact) == ours else "MISMATCH")
    print(
        f"time ratios to the baseline: bigconv {statistics.median(times) / max(t_base, 1e-9):.0f}x"
        + (f", independent model {t_full / max(t_base, 1e-9):.0f}x" if check else "")
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="CI-sized run")
    parser.add_argument("--no-check", action="store_true", help="skip the independent model")
    args = parser.parse_args()
    run(850, 60, 1 if args.quick else 5, check=not args.no_check)
    if not args.quick:
        run(10_000, 600, 1, check=not args.no_check)


if __name__ == "__main__":
    main()
