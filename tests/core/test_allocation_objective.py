"""What the allocation optimises, checked against independent computations.

Coverage (people with at least one choice met) is compared with a maximum bipartite matching on
one-slot days; the whole profile (coverage, then first choices, second choices, ...) with a
brute force over every allocation of tiny days of two slots.
"""

from __future__ import annotations

import itertools
from collections import Counter

import numpy as np
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from scipy import sparse
from scipy.sparse.csgraph import maximum_bipartite_matching

from bigconv.core import allocation as solver
from bigconv.core.allocation import Problem, SessionInfo

SETTINGS = settings(
    max_examples=60,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
ALL = frozenset({"everyone", "teaching"})
SOME = frozenset({"everyone"})


def session(sid: int, title: str, slot: int, capacity: int, audience: str = "everyone"):
    return SessionInfo(sid, f"S{sid}", title, title, slot, f"R{sid}", capacity, audience, None)


# --- one slot: coverage equals a maximum matching of people to chosen seats ---


@st.composite
def one_slot_days(draw) -> Problem:
    """Up to 8 people, up to 5 chosen sessions of 1 to 3 seats, and a spare room for all."""
    n = draw(st.integers(1, 8))
    m = draw(st.integers(1, 5))
    sessions = {
        i: session(
            i, f"w{i}", 0, draw(st.integers(1, 3)), draw(st.sampled_from(["everyone", "teaching"]))
        )
        for i in range(1, m + 1)
    }
    sessions[m + 1] = session(m + 1, "spare", 0, n)  # nobody chooses it: everyone has a seat
    cls = {a: draw(st.sampled_from([ALL, SOME])) for a in range(n)}
    prefs = {}
    for a in range(n):
        picks = draw(st.lists(st.integers(1, m), max_size=3, unique=True))
        prefs[a] = {f"w{i}": r for r, i in enumerate(picks, start=1)}
    return Problem([(0, "one")], sessions, list(range(n)), cls, prefs, {})


def chain_day() -> Problem:
    """The chain (tests/data/test_allocate.py, chain_day): person 0 wants w0 only, as a 3rd
    choice; person i wants w(i-1) first and w(i) second; the weighted score left person 0 out."""
    sessions = {i + 1: session(i + 1, f"w{i}", 0, 1) for i in range(6)}
    sessions[7] = session(7, "spare", 0, 6)
    prefs = {0: {"w0": 3}} | {i: {f"w{i - 1}": 1, f"w{i}": 2} for i in range(1, 6)}
    return Problem([(0, "one")], sessions, list(range(6)), dict.fromkeys(range(6), ALL), prefs, {})


def matched(p: Problem) -> int:
    """Maximum matching: people -> one seat each of the sessions they chose and are admitted to."""
    seats = [s for s in p.open_sessions(0) for _ in range(s.capacity) if s.workshop != "spare"]
    rows, cols = [], []
    for a in p.attendees:
        for j, s in enumerate(seats):
            if s.workshop in p.prefs[a] and s.audience in p.cls[a]:
                rows.append(a)
                cols.append(j)
    graph = sparse.csr_array(
        (np.ones(len(rows)), (rows, cols)), shape=(len(p.attendees), max(1, len(seats)))
    )
    return int((maximum_bipartite_matching(graph, perm_type="column") >= 0).sum())


@SETTINGS
@given(one_slot_days())
@example(chain_day())
def test_coverage_equals_a_maximum_matching(p):
    result = solver.solve(p)
    assert solver.profile(p, result.placements).covered == matched(p)


# --- two slots: the whole profile equals a brute force over every allocation ---


@st.composite
def two_slot_days(draw) -> Problem:
    """3 or 4 people, 2 slots of 2 or 3 sessions, workshop 'a' running in both, maybe a lead."""
    layout = [(0, "a"), (0, "b"), (1, "a"), (1, "c")]
    layout += draw(st.sampled_from([[], [(0, "d")], [(1, "e")], [(0, "d"), (1, "e")]]))
    sessions = {
        i: session(
            i, w, t, draw(st.integers(1, 3)), draw(st.sampled_from(["everyone", "teaching"]))
        )
        for i, (t, w) in enumerate(layout, start=1)
    }
    n = draw(st.integers(3, 4))
    cls = {a: draw(st.sampled_from([ALL, SOME])) for a in range(n)}
    titles = sorted({w for _, w in layout})
    prefs = {
        a: {w: r for r, w in enumerate(draw(st.permutations(titles))[: draw(st.integers(0, 3))], 1)}
        for a in range(n)
    }
    fixed = {}
    if draw(st.booleans()):  # person 0 leads session 2 (workshop b) in slot 0
        fixed[(0, 0)] = (2, "lead")
        prefs[0].pop("b", None)
    return Problem([(0, "one"), (1, "two")], sessions, list(range(n)), cls, prefs, fixed)


def brute_force(p: Problem) -> tuple[int, ...] | None:
    """The best profile key over every allocation that keeps the rules (None: there is none)."""

    def options(a: int) -> list[tuple[SessionInfo, ...]]:
        per_slot = [
            [p.sessions[p.fixed[(a, t)][0]]] if (a, t) in p.fixed else p.open_sessions(t)
            for t, _ in p.slots
        ]
        return [
            pair
            for pair in itertools.product(*per_slot)
            if pair[0].workshop != pair[1].workshop
            and all(s.audience in p.cls[a] for t, s in enumerate(pair) if (a, t) not in p.fixed)
        ]

    best = None
    for combo in itertools.product(*(options(a) for a in p.attendees)):
        use = Counter(s.id for pair in combo for s in pair)
        if any(k > p.sessions[sid].capacity for sid, k in use.items()):
            continue
        placements = {
            (a, t): p.fixed.get((a, t), (s.id, "allocate"))
            for a, pair in zip(p.attendees, combo, strict=True)
            for t, s in enumerate(pair)
        }
        key = solver.profile(p, placements).key(p.ranks)
        best = key if best is None else max(best, key)
    return best


def first_against_seconds_day() -> Problem:
    """One-seat sessions x0 to x4 in slot one, spare seats in both slots. P0 wants x0 1st and x4
    2nd; Qi wants x(i-1) 2nd and x(i) 3rd. P0 in x0 is one 1st choice and four 3rd choices; P0
    in x4 moves every Q up to their 2nd. The weighted score (9, 3, 1) took the five 2nd choices,
    15 against 13; the profile takes the 1st choice."""
    sessions = {i + 1: session(i + 1, f"x{i}", 0, 1) for i in range(5)}
    sessions |= {6: session(6, "spare", 0, 5), 7: session(7, "later", 1, 5)}
    prefs = {0: {"x0": 1, "x4": 2}} | {i: {f"x{i - 1}": 2, f"x{i}": 3} for i in range(1, 5)}
    people = list(range(5))
    return Problem(
        [(0, "one"), (1, "two")], sessions, people, dict.fromkeys(people, ALL), prefs, {}
    )


@SETTINGS
@given(two_slot_days())
@example(first_against_seconds_day())
def test_profile_is_the_brute_force_optimum(p):
    """Most people given a choice, then most 1st choices, then 2nd, 3rd (a lexicographic max)."""
    best = brute_force(p)
    if best is None:
        return
    result = solver.solve(p)
    assert solver.profile(p, result.placements).key(p.ranks) == best


def test_summary_says_who_got_none_though_a_choice_had_a_seat_for_them():
    """Two people want the one seat of w1 and nothing else: one gets it, the other none,
    though it had a seat for them. A third wants only w2, for teaching staff, and is not."""
    sessions = {1: session(1, "w1", 0, 1), 2: session(2, "w2", 0, 3, "teaching")}
    sessions[3] = session(3, "spare", 0, 3)
    cls = {0: ALL, 1: ALL, 2: SOME}
    prefs = {0: {"w1": 1}, 1: {"w1": 1}, 2: {"w2": 1}}
    p = Problem([(0, "one")], sessions, [0, 1, 2], cls, prefs, {})
    summary = solver.summarise(solver.solve(p))
    assert (summary.profile.covered, summary.none_open, summary.none_closed) == (1, 1, 1)
    assert solver.describe(summary)[:6] == [
        "3 people; 3 gave choices.",
        "  got at least one of their choices:         1 (33%)",
        "  got their 1st choice:                      1 (33%)",
        "  got none of their choices:                 2 (67%)",
        "    though one had a seat for them:          1 (33%)",
        "    none had a seat for them:                1 (33%)",
    ]
