"""Workshop allocation from ranked choices: an exact MILP solved by HiGHS (scipy), then explained.

The model (README, "Allocating workshops"): every attendee gets exactly one session in every
workshop slot. A choice names a session; sessions with the same title (case-insensitive) are
one *workshop*, which may run in several slots, and a choice is met by any run of it.

What is optimised, in order (lexicographically, each stage exact): first the number of people
with choices who get at least one of them (coverage); then, among allocations with that
coverage, the number of first choices met; then second choices; and so on to the last rank.
Each stage is one HiGHS solve with `mip_rel_gap` 0 whose status and dual bound are checked;
its optimum is then a constraint of the next stage ("at least that many"). No weights: a
weighted score has to trade one person's only choice against others' first choices. Coverage
is first tried at its bound (every `none` column held at 0, no dense row): the first rank stage
finding an allocation proves it, and only otherwise is coverage solved as a stage.

Exact and small: an attendee gets a 0/1 variable only for the sessions of the workshops they
chose. The other seats are worth nothing to them, so they are only counted, per session and
per audience class (people whose roles admit them to the same sessions). Handing those seats
out afterwards can only fail on "never the same workshop twice" for a workshop that runs more
than once; then the model is solved again with a variable per person for those workshops.
Either way the optimum is exact: the counted model is a relaxation (every true allocation is
one of its solutions, with the same coverage and ranks), so when its lexicographic optimum can
be handed out it is the true one; `_check_profile` confirms the handed-out rosters score it.

Over 400 lines because the model, its solver calls and the plain-English account of the result
are one piece of reasoning.
"""

from __future__ import annotations

import warnings
from collections import defaultdict
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np
import numpy.typing as npt
from scipy import sparse
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse.csgraph import maximum_flow

from bigconv.core.errors import AllocationError
from bigconv.core.figures import percent_text

Placement = tuple[int, str]  # (session id, source: "allocate", "lead" or "present")
Placements = dict[tuple[int, int], Placement]  # (attendee, slot) -> placement
Audiences = frozenset[str]  # the audiences that admit a person: their class
Values = npt.NDArray[np.float64]  # the solver's value for each column


@dataclass(frozen=True)
class SessionInfo:
    id: int
    code: str
    title: str
    workshop: str  # the folded title shared by every run of a workshop
    slot_id: int
    room: str
    capacity: int
    audience: str
    min_size: int | None


@dataclass(frozen=True)
class SlotShortfall:
    slot: str
    people: int  # people still to seat in the slot
    seats: int  # seats left in the slot
    seatable: int  # most people who can be seated, given the audiences
    detail: tuple[str, ...] = ()


class Infeasible(AllocationError):
    """More people than seats somewhere; `shortfalls` has the numbers per slot."""

    def __init__(self, message: str, shortfalls: list[SlotShortfall]):
        super().__init__(message)
        self.shortfalls = shortfalls


@dataclass
class Problem:
    """Everything the allocation depends on (read from the file by data.allocation.load_problem)."""

    slots: list[tuple[int, str]]  # workshop slots (id, label), in time order
    sessions: dict[int, SessionInfo]
    attendees: list[int]
    cls: dict[int, frozenset[str]]  # attendee -> audiences that admit them
    prefs: dict[int, dict[str, int]]  # attendee -> workshop -> best rank
    fixed: dict[tuple[int, int], Placement]  # (attendee, slot) -> placement kept as it is
    cancelled: frozenset[int] = frozenset()

    @cached_property
    def ranks(self) -> list[int]:
        """Every rank anyone gave, in order (the stages after coverage)."""
        return sorted({r for p in self.prefs.values() for r in p.values()})

    def open_sessions(self, slot_id: int) -> list[SessionInfo]:
        return [
            s for s in self.sessions.values() if s.slot_id == slot_id and s.id not in self.cancelled
        ]

    def open_sessions_all(self) -> list[SessionInfo]:
        return [s for s in self.sessions.values() if s.id not in self.cancelled]

    def runs(self) -> dict[str, list[int]]:
        out: dict[str, list[int]] = defaultdict(list)
        for s in self.sessions.values():
            if s.id not in self.cancelled:
                out[s.workshop].append(s.id)
        return out

    def remaining(self) -> dict[int, int]:
        """Seats left in each open session once the kept places are counted."""
        left = {sid: s.capacity for sid, s in self.sessions.items() if sid not in self.cancelled}
        for sid, _ in self.fixed.values():
            if sid in left:
                left[sid] -= 1
        return {sid: max(0, n) for sid, n in left.items()}


@dataclass
class Allocation:
    """A full allocation: one placement per attendee per workshop slot."""

    problem: Problem
    placements: dict[tuple[int, int], Placement]
    seed: int = 0
    cancelled: list[SessionInfo] = field(default_factory=list)

    def counts(self) -> dict[int, int]:
        n: dict[int, int] = defaultdict(int)
        for sid, _ in self.placements.values():
            n[sid] += 1
        return n

    def participants(self) -> dict[int, int]:
        n: dict[int, int] = defaultdict(int)
        for sid, source in self.placements.values():
            if source != "lead":
                n[sid] += 1
        return n


def workshop_key(title: str) -> str:
    return " ".join(title.casefold().split())


def shortfalls(problem: Problem) -> list[SlotShortfall]:
    """Slots where not everyone can be seated (capacity and audiences), with the numbers."""
    left = problem.remaining()
    out = []
    for slot_id, label in problem.slots:
        need: dict[frozenset[str], int] = defaultdict(int)
        for aid in problem.attendees:
            if (aid, slot_id) not in problem.fixed:
                need[problem.cls[aid]] += 1
        open_ = problem.open_sessions(slot_id)
        people, seats = sum(need.values()), sum(left[s.id] for s in open_)
        seatable = _max_seated(need, open_, left)
        if seatable < people:
            detail = tuple(
                f"{n} people admitted only to sessions for {_audience_names(c)}: "
                f"{sum(left[s.id] for s in open_ if s.audience in c)} seats"
                for c, n in sorted(need.items(), key=lambda kv: sorted(kv[0]))
                if n > sum(left[s.id] for s in open_ if s.audience in c)
            )
            out.append(SlotShortfall(label, people, seats, seatable, detail))
    return out


def _audience_names(c: frozenset[str]) -> str:
    return " and ".join(sorted(c - {"everyone"}) + ["everyone"])


def _max_seated(need: dict[Audiences, int], open_: list[SessionInfo], left: dict[int, int]) -> int:
    """Maximum flow: audience classes -> sessions they may attend -> seats."""
    classes = list(need)
    n = 2 + len(classes) + len(open_)
    rows: list[int] = []
    cols: list[int] = []
    caps: list[int] = []

    def edge(start: int, end: int, capacity: int) -> None:
        rows.append(start)
        cols.append(end)
        caps.append(capacity)

    for i, c in enumerate(classes):
        edge(0, 1 + i, need[c])
        for j, s in enumerate(open_):
            if s.audience in c:
                edge(1 + i, 1 + len(classes) + j, need[c])
    for j, s in enumerate(open_):
        edge(1 + len(classes) + j, n - 1, left[s.id])
    graph = sparse.csr_matrix(
        (np.array(caps, dtype=np.int32), (rows, cols)), shape=(n, n), dtype=np.int32
    )
    return int(maximum_flow(graph, 0, n - 1).flow_value)


class _Model:
    """Columns and rows of the MILP, built as sparse triplets."""

    def __init__(self) -> None:
        self.upper: list[float] = []
        self.integral: list[int] = []
        self.entries: tuple[list[int], list[int], list[float]] = ([], [], [])
        self.lower_b: list[float] = []
        self.upper_b: list[float] = []

    def column(self, upper: float, integral: bool = True) -> int:
        self.upper.append(upper)
        self.integral.append(int(integral))
        return len(self.upper) - 1

    def row(self, cols: list[int], lo: float, hi: float) -> None:
        r = len(self.lower_b)
        self.entries[0].extend([r] * len(cols))
        self.entries[1].extend(cols)
        self.entries[2].extend([1.0] * len(cols))
        self.lower_b.append(lo)
        self.upper_b.append(hi)

    def solve(self, cost: Values) -> Any:
        """scipy's `milp` result (an OptimizeResult) for minimising `cost`."""
        a = sparse.csr_array(
            (self.entries[2], (self.entries[0], self.entries[1])),
            shape=(len(self.lower_b), len(self.upper)),
        )
        with warnings.catch_warnings():
            # scipy passes options it does not know to HiGHS as they are, and says so.
            warnings.filterwarnings("ignore", "Unrecognized options", RuntimeWarning)
            return milp(
                cost,
                integrality=np.array(self.integral),
                bounds=Bounds(0, np.array(self.upper)),
                constraints=LinearConstraint(a, self.lower_b, self.upper_b)
                if self.lower_b
                else None,
                options={
                    # Every stage counts people or choices, a whole number: no gap is accepted.
                    "mip_rel_gap": 0.0,
                    # A heuristic run before the root LP: at 10,000 people it took half of each
                    # stage and found nothing the root did not (an optimum is proven either way).
                    "mip_heuristic_run_feasibility_jump": False,
                },
            )


def solve(problem: Problem, seed: int = 0) -> Allocation:
    """The lexicographically best allocation (coverage, then ranks); ties broken by `seed`."""
    short = shortfalls(problem)
    if short:
        raise Infeasible(_shortfall_text(short), short)
    rng = np.random.default_rng(seed)
    people = [problem.attendees[i] for i in rng.permutation(len(problem.attendees))]
    # First with every unchosen seat counted per class: if those seats can then be handed out
    # without anyone taking a workshop twice, this relaxation's optimum is the true optimum;
    # otherwise solve again with a variable per person for each workshop that runs twice.
    for per_person_repeats in (False, True):
        model = _build(problem, people, per_person_repeats)
        values, best = model.solve_stages()
        placements = _decode(problem, values, model.x, model.g, people)
        if placements is not None:
            _check_profile(problem, placements, model, best)
            return Allocation(problem, placements, seed)
    raise AllocationError("internal error: the exact model could not be completed")


class _Built(_Model):
    x: list[tuple[int, int, int]]  # (column, attendee, session)
    g: list[tuple[int, Audiences, int]]  # (column, class, session): seats counted per class
    none: list[int]  # per person who could get a choice: 1 if they get none (continuous)
    by_rank: dict[int, list[int]]  # rank -> the x columns of choices of that rank
    ranks: list[int]  # every rank given (a stage each, even with no column)

    def stages(self) -> list[tuple[list[int], int]]:
        """(columns, sense) per stage: fewest people with none, then most of each rank."""
        return [(self.none, 1)] + [(self.by_rank.get(r, []), -1) for r in self.ranks]

    def solve_stages(self) -> tuple[Values, list[int]]:
        """Each stage's proven optimum, kept as a constraint of the next: the last solution, the optima.

        Coverage first tries its bound, everyone who could get a choice given one (every `none`
        column held at 0): the next stage finding an allocation proves it. Only if none exists
        is coverage solved as a stage of its own (usually the costliest, and a dense row).
        """
        if self.none:
            kept = (len(self.lower_b), len(self.entries[0]))
            self._hold_none(0.0)
            try:
                values, best = self._run(self.stages()[1:])
                return values, [0, *best]
            except _NoneFits:
                self._hold_none(1.0)
                self._drop_rows_after(*kept)
        return self._run(self.stages())

    def _hold_none(self, upper: float) -> None:
        for col in self.none:
            self.upper[col] = upper

    def _drop_rows_after(self, rows: int, entries: int) -> None:
        del self.lower_b[rows:], self.upper_b[rows:]
        for part in self.entries:
            del part[entries:]

    def _run(self, stages: list[tuple[list[int], int]]) -> tuple[Values, list[int]]:
        n = len(self.upper)
        values: Values = np.zeros(n)
        best: list[int] = []
        solved = False
        for cols, sense in stages:
            if not cols:
                best.append(0)
                continue
            cost: Values = np.zeros(n)
            cost[cols] = sense
            values, optimum = self._solve_exactly(cost)
            solved = True
            best.append(sense * optimum)
            # "No worse than that" (half a unit of slack: the sum is a whole number).
            if sense > 0:
                self.row(cols, 0, optimum + 0.5)
            else:
                self.row(cols, sense * optimum - 0.5, np.inf)
        if n and not solved:  # no stage had a column: any allocation that keeps the rules
            values, _ = self._solve_exactly(np.zeros(n))
        return values, best

    def _solve_exactly(self, cost: Values) -> tuple[Values, int]:
        res = self.solve(cost)
        if res.x is None:
            raise (_NoneFits if res.status == 2 else AllocationError)(
                "no allocation meets every rule: each slot has seats enough, but the workshops "
                "that run more than once cannot be shared out without someone taking one twice "
                f"({res.message})"
            )
        optimum = round(res.fun)
        # Optimal means proven: status 0 and a dual bound that leaves no better whole number.
        if res.status != 0 or abs(res.fun - optimum) > 1e-6 or res.mip_dual_bound <= optimum - 0.5:
            raise AllocationError(f"internal error: a stage was not solved exactly ({res.message})")
        values: Values = res.x
        return values, optimum


class _NoneFits(AllocationError):
    """The model has no solution (with every `none` held at 0: not everyone can have a choice)."""


def _build(problem: Problem, people: list[int], per_person_repeats: bool) -> _Built:
    """The MILP: x per person for chosen (and maybe repeated) workshops, g per class and session."""
    left = problem.remaining()
    repeated = {w for w, sids in problem.runs().items() if len(sids) > 1}
    individual = repeated if per_person_repeats else set()
    held = _held(problem)
    m = _Built()
    m.x, m.g, m.none, m.by_rank, m.ranks = [], [], [], defaultdict(list), problem.ranks
    by_session: dict[int, list[int]] = defaultdict(list)
    by_class_slot: dict[tuple[Audiences, int], list[int]] = defaultdict(list)
    need: dict[tuple[Audiences, int], int] = defaultdict(int)
    open_by_slot = {t: problem.open_sessions(t) for t, _ in problem.slots}
    runs = {w: [problem.sessions[sid] for sid in sids] for w, sids in problem.runs().items()}
    for aid in people:
        prefs, c, mine = problem.prefs.get(aid, {}), problem.cls[aid], held[aid]
        chosen: list[int] = []
        by_slot: dict[int, list[int]] = defaultdict(list)
        by_workshop: dict[str, list[int]] = defaultdict(list)
        free = set()
        for t, _ in problem.slots:
            if (aid, t) not in problem.fixed:
                need[(c, t)] += 1
                free.add(t)
        wanted = [w for w in prefs if w in runs] + sorted(individual - set(prefs))
        for w in wanted:
            if w in mine:
                continue
            for s in runs[w]:
                if s.slot_id not in free or s.audience not in c:
                    continue
                col = m.column(1)
                m.x.append((col, aid, s.id))
                for group in (by_slot[s.slot_id], by_session[s.id], by_class_slot[(c, s.slot_id)]):
                    group.append(col)
                by_workshop[w].append(col)
                if w in prefs:
                    chosen.append(col)
                    m.by_rank[prefs[w]].append(col)
        for cols in [*by_slot.values(), *by_workshop.values()]:
            if len(cols) > 1:
                m.row(cols, 0, 1)
        if chosen and not any(w in prefs for w in _fixed_workshops(problem, aid)):
            z = m.column(1, integral=False)
            m.none.append(z)
            m.row([*chosen, z], 1, np.inf)
    for (c, t), n in need.items():
        cols = list(by_class_slot.get((c, t), []))
        for s in open_by_slot[t]:
            if s.audience in c and s.workshop not in individual and left[s.id] > 0:
                col = m.column(left[s.id])
                m.g.append((col, c, s.id))
                by_session[s.id].append(col)
                cols.append(col)
        m.row(cols, n, n)
    for sid, cols in by_session.items():
        m.row(cols, 0, left[sid])
    return m


def _check_profile(
    problem: Problem, placements: Placements, model: _Built, best: list[int]
) -> None:
    """The rosters handed out have exactly the stages' optima (what makes the relaxation exact)."""
    fixed = profile(problem, problem.fixed)  # places kept as they are count as they stand
    expected = Profile(
        fixed.covered + len(model.none) - best[0],
        {r: fixed.by_rank.get(r, 0) + n for r, n in zip(problem.ranks, best[1:], strict=True)},
    )
    if profile(problem, placements) != expected:
        raise AllocationError("internal error: the rosters do not meet the proven optimum")


def _held(problem: Problem) -> dict[int, set[str]]:
    held: dict[int, set[str]] = defaultdict(set)
    for (aid, _), (sid, _) in problem.fixed.items():
        held[aid].add(problem.sessions[sid].workshop)
    return held


def _fixed_workshops(problem: Problem, aid: int) -> list[str]:
    return [
        problem.sessions[problem.fixed[(aid, t)][0]].workshop
        for t, _ in problem.slots
        if (aid, t) in problem.fixed and problem.fixed[(aid, t)][1] != "lead"
    ]


def _decode(
    problem: Problem,
    values: Values,
    x: list[tuple[int, int, int]],
    g: list[tuple[int, Audiences, int]],
    people: list[int],
) -> Placements | None:
    """Placements from the solution; None if the counted seats cannot be handed out."""
    placements = dict(problem.fixed)
    held = _held(problem)
    for col, aid, sid in x:
        if values[col] > 0.5:
            s = problem.sessions[sid]
            placements[(aid, s.slot_id)] = (sid, "allocate")
            held[aid].add(s.workshop)
    seats: dict[tuple[Audiences, int], list[int]] = defaultdict(list)
    for col, c, sid in g:
        seats[(c, problem.sessions[sid].slot_id)].extend([sid] * round(values[col]))
    waiting: dict[tuple[Audiences, int], list[int]] = defaultdict(list)
    for aid in people:  # already in seeded order
        for t, _ in problem.slots:
            if (aid, t) not in placements:
                waiting[(problem.cls[aid], t)].append(aid)
    for t, _ in problem.slots:
        for c in {c for c, slot in waiting if slot == t}:
            if not _hand_out(problem, seats[(c, t)], waiting[(c, t)], held, placements):
                return None
    return placements


def _hand_out(
    problem: Problem,
    sids: list[int],
    aids: list[int],
    held: dict[int, set[str]],
    placements: Placements,
) -> bool:
    """Give each waiting person one of the counted seats, never a workshop they already have."""
    runs = problem.runs()
    # Seats of workshops that run more than once first, while the choice of people is widest.
    sids = sorted(sids, key=lambda sid: len(runs[problem.sessions[sid].workshop]) == 1)
    free = list(aids)
    for sid in sids:
        w = problem.sessions[sid].workshop
        pick = next((i for i, aid in enumerate(free) if w not in held[aid]), None)
        if pick is None:
            return False
        aid = free.pop(pick)
        held[aid].add(w)
        placements[(aid, problem.sessions[sid].slot_id)] = (sid, "allocate")
    return not free


def _shortfall_text(short: list[SlotShortfall]) -> str:
    lines = ["not enough seats: nothing was allocated."]
    for s in short:
        lines.append(
            f"  {s.slot}: {s.people} people to seat, {s.seats} seats left, "
            f"at most {s.seatable} can be seated"
        )
        lines.extend(f"    {d}" for d in s.detail)
    return "\n".join(lines)


@dataclass(frozen=True)
class Profile:
    """What the solver optimises, in order: `covered`, then `by_rank` from rank 1 down."""

    covered: int  # people with choices who got at least one of them
    by_rank: dict[int, int]  # rank -> choices of that rank met (a person's ranks differ)

    def key(self, ranks: list[int]) -> tuple[int, ...]:
        """For comparing allocations: the larger key is the better allocation."""
        return (self.covered, *(self.by_rank.get(r, 0) for r in ranks))


def profile(problem: Problem, placements: Placements) -> Profile:
    """Coverage and choices met per rank, for any (even partial) set of placements."""
    covered = 0
    by_rank = dict.fromkeys(problem.ranks, 0)
    for aid in problem.attendees:
        got = _ranks_met(problem, placements, aid)
        covered += bool(got)
        for r in got:
            by_rank[r] += 1
    return Profile(covered, by_rank)


def _ranks_met(problem: Problem, placements: Placements, aid: int) -> list[int]:
    prefs = problem.prefs.get(aid, {})
    ranks = []
    for t, _ in problem.slots:
        sid, source = placements.get((aid, t), (None, ""))
        if sid is not None and source != "lead" and problem.sessions[sid].workshop in prefs:
            ranks.append(prefs[problem.sessions[sid].workshop])
    return ranks


def _choice_open(problem: Problem, aid: int, left: dict[int, int], held: set[str]) -> bool:
    """Whether some run of one of their choices has a seat for them, before anyone is placed."""
    runs = problem.runs()
    return any(
        (aid, s.slot_id) not in problem.fixed and s.audience in problem.cls[aid] and left[sid] > 0
        for w in problem.prefs.get(aid, {})
        if w not in held
        for sid in runs.get(w, [])
        for s in [problem.sessions[sid]]
    )


@dataclass
class Summary:
    """The numbers people ask about an allocation."""

    people: int
    with_choices: int
    profile: Profile
    none_open: int  # got none of their choices, though one had a seat for them
    none_closed: int  # got none: none of their choices had a seat for them
    slot_fill: list[tuple[str, int, int, int]]  # (slot, seated, seats, sessions)
    sessions: int  # sessions that run (not cancelled)
    full: list[SessionInfo]
    small: list[tuple[SessionInfo, int]]  # nearly empty or under min_size: (session, participants)
    cancelled: list[SessionInfo]

    @property
    def none(self) -> int:
        """People with choices who got none of them."""
        return self.none_open + self.none_closed


def summarise(result: Allocation) -> Summary:
    p = result.problem
    left, held = p.remaining(), _held(p)
    none_open = none_closed = 0
    for aid in p.attendees:
        if p.prefs.get(aid) and not _ranks_met(p, result.placements, aid):
            if _choice_open(p, aid, left, held[aid]):
                none_open += 1
            else:
                none_closed += 1
    counts, part = result.counts(), result.participants()
    fill = []
    for t, label in p.slots:
        open_ = p.open_sessions(t)
        fill.append(
            (
                label,
                sum(counts.get(s.id, 0) for s in open_),
                sum(s.capacity for s in open_),
                len(open_),
            )
        )
    open_all = p.open_sessions_all()
    full = [s for s in open_all if counts.get(s.id, 0) >= s.capacity]
    small = [(s, part.get(s.id, 0)) for s in open_all if _nearly_empty(s, part.get(s.id, 0))]
    return Summary(
        len(p.attendees),
        sum(1 for aid in p.attendees if p.prefs.get(aid)),
        profile(p, result.placements),
        none_open,
        none_closed,
        fill,
        len(open_all),
        full,
        small,
        result.cancelled,
    )


def _ordinal(n: int) -> str:
    if n % 100 in (11, 12, 13):
        return f"{n}th"
    return f"{n}{ {1: 'st', 2: 'nd', 3: 'rd'}.get(n % 10, 'th') }"


def _nearly_empty(s: SessionInfo, participants: int) -> bool:
    """Under the session's min_size, or (without one) under a fifth of its seats."""
    if s.min_size:
        return participants < s.min_size
    return participants < max(1, s.capacity // 5)


def describe(summary: Summary) -> list[str]:
    """The summary as lines of plain text: the profile in the order it was optimised, then rooms."""
    n = summary.with_choices or 1

    def line(text: str, count: int) -> str:
        return f"  {text + ':':<38}{count:>6} ({percent_text(count, n)})"

    lines = [f"{summary.people} people; {summary.with_choices} gave choices."]
    lines.append(line("got at least one of their choices", summary.profile.covered))
    for rank, count in summary.profile.by_rank.items():
        lines.append(line(f"got their {_ordinal(rank)} choice", count))
    lines.append(line("got none of their choices", summary.none))
    if summary.none:
        lines.append(line("  though one had a seat for them", summary.none_open))
        lines.append(line("  none had a seat for them", summary.none_closed))
    for label, seated, seats, count in summary.slot_fill:
        lines.append(
            f"{label}: {seated} seated in {count} sessions, {seats} seats ({100 * seated / max(seats, 1):.0f}% full)"
        )
    if summary.full:
        codes = ", ".join(s.code for s in summary.full)
        lines.append(f"Full: {len(summary.full)} of {summary.sessions} sessions ({codes})")
    for s, k in summary.small:
        why = f"under its minimum of {s.min_size}" if s.min_size else "nearly empty"
        lines.append(f"{why.capitalize()}: {s.title} ({s.code}), {k} of {s.capacity}")
    for s in summary.cancelled:
        lines.append(f"Cancelled: {s.title} ({s.code}) in {s.room}")
    return lines
