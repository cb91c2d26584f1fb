"""Workshop allocation: hard rules, known optima, brute force on tiny days, and the CLI."""

from __future__ import annotations

import itertools
import json
import random
import socket
from collections import Counter
from pathlib import Path

import pytest

from bigconv.core import allocation as solver
from bigconv.core.allocation import Infeasible
from bigconv.core.clock import iso
from bigconv.core.errors import AllocationError
from bigconv.data import allocation as al
from bigconv.data import database
from bigconv.services.setup import initialise, load
from tests.helpers.processes import run_cli

HEAD = """
[event]
name = "Allocation Test Day"
date = 2026-11-27
timezone = "Europe/London"

[attendees]
csv = "staff.csv"

[audiences]
teaching = ["Teacher"]

[[slots]]
label = "Plenary"
start = "09:00"
end = "09:30"
kind = "plenary"

[[slots]]
label = "Morning"
start = "10:00"
end = "11:00"

[[slots]]
label = "Afternoon"
start = "13:00"
end = "14:00"

[[rooms]]
name = "Hall"
capacity = 100

[[sessions]]
title = "Welcome"
room = "Hall"
slot = "Plenary"
"""


def make_day(tmp_path: Path, rooms: dict[str, int], sessions: list[dict], staff: list[str]) -> Path:
    """An event with the given rooms, workshop sessions and staff rows; returns the event file."""
    text = HEAD
    for name, cap in rooms.items():
        text += f'\n[[rooms]]\nname = "{name}"\ncapacity = {cap}\n'
    for s in sessions:
        text += "\n[[sessions]]\n" + "".join(
            f"{k} = {v}\n" if isinstance(v, int) else f'{k} = "{v}"\n' for k, v in s.items()
        )
    header = "Staff ID,Forename,Surname,Email,School,Job Title,Choice 1,Choice 2,Choice 3\n"
    (tmp_path / "staff.csv").write_text(header + "\n".join(staff) + "\n", encoding="utf-8")
    path = tmp_path / "day.toml"
    path.write_text(text, encoding="utf-8")
    initialise(load(path, None)).db.close()
    return path


def person(i: int, *choices: str, role: str = "Teacher", first: str | None = None) -> str:
    picks = list(choices) + [""] * (3 - len(choices))
    return f"S{i},{first or f'P{i}'},Surname{i},p{i}@x.sch.uk,School,{role}," + ",".join(picks)


def run(path: Path, **kwargs) -> solver.Allocation:
    event = load(path, None).event
    db = database.connect(path.with_suffix(".db"))
    try:
        return al.allocate(db, event.audiences, **kwargs)
    finally:
        db.close()


def ids_by_name(path: Path) -> dict[str, int]:
    db = database.connect(path.with_suffix(".db"))
    try:
        return {n: i for i, n in db.execute("SELECT id, first_name FROM attendees").fetchall()}
    finally:
        db.close()


def assert_valid(result: solver.Allocation) -> None:
    """Every hard rule: one seat per slot, capacity, audiences, never a workshop twice."""
    p = result.problem
    for aid in p.attendees:
        got = [p.sessions[result.placements[(aid, t)][0]] for t, _ in p.slots]
        assert [s.slot_id for s in got] == [t for t, _ in p.slots]
        # A lead may lead every run of their workshop, whoever it is for; as a participant,
        # nobody gets a workshop twice (nor one they lead) and the audience must admit them.
        joined = [
            p.sessions[sid]
            for sid, src in (result.placements[(aid, t)] for t, _ in p.slots)
            if src != "lead"
        ]
        led = {
            p.sessions[sid].workshop
            for sid, src in (result.placements[(aid, t)] for t, _ in p.slots)
            if src == "lead"
        }
        workshops = [s.workshop for s in joined]
        assert len(set(workshops)) == len(workshops) and not led & set(workshops), aid
        assert all(s.audience in p.cls[aid] for s in joined)
        assert not any(s.id in p.cancelled for s in got)
    for sid, n in result.counts().items():
        assert n <= p.sessions[sid].capacity


def one_slot_day(tmp_path, staff, caps=(("Room A", 1), ("Room B", 1), ("Room C", 5))):
    rooms = dict(caps)
    titles = {"Room A": "Alpha", "Room B": "Beta", "Room C": "Gamma"}
    sessions = [{"title": titles[r], "room": r, "slot": "Morning"} for r in rooms]
    sessions += [{"title": f"Later {r}", "room": r, "slot": "Afternoon"} for r in rooms]
    return make_day(tmp_path, rooms, sessions, staff)


def test_nobody_left_without_a_choice_when_it_can_be_helped(tmp_path):
    # Bea: Alpha, then Beta. Ada: only Alpha, as her 3rd choice (her 1st names the plenary,
    # which is not a workshop). Bea in Alpha is a first choice but leaves Ada with nothing;
    # coverage comes first, so Ada gets Alpha and Bea Beta.
    path = one_slot_day(
        tmp_path,
        [person(1, "Alpha", "Beta", first="Bea"), person(2, "Welcome", "", "Alpha", first="Ada")],
    )
    result = run(path)
    names = ids_by_name(path)
    assert_valid(result)
    morning = result.problem.slots[0][0]
    sess = result.problem.sessions
    assert sess[result.placements[(names["Ada"], morning)][0]].title == "Alpha"
    assert sess[result.placements[(names["Bea"], morning)][0]].title == "Beta"
    summary = solver.summarise(result)
    assert summary.profile == solver.Profile(covered=2, by_rank={1: 0, 2: 1, 3: 1})
    assert summary.none == 0


def test_first_choices_maximised_when_seats_are_short(tmp_path):
    # Four people all want Alpha (2 seats) first and Beta (2 seats) second: two get each.
    path = one_slot_day(
        tmp_path,
        [person(i, "Alpha", "Beta") for i in range(1, 5)],
        caps=(("Room A", 2), ("Room B", 2), ("Room C", 5)),
    )
    result = run(path)
    assert_valid(result)
    summary = solver.summarise(result)
    assert summary.profile == solver.Profile(covered=4, by_rank={1: 2, 2: 2})


def test_repeated_workshop_is_never_given_twice(tmp_path):
    rooms = {"Room A": 3, "Room B": 3}
    sessions = [
        {"title": "Phonics", "room": "Room A", "slot": "Morning"},
        {"title": "PHONICS ", "room": "Room A", "slot": "Afternoon"},  # same workshop
        {"title": "Oracy", "room": "Room B", "slot": "Morning"},
        {"title": "Wellbeing", "room": "Room B", "slot": "Afternoon"},
    ]
    path = make_day(tmp_path, rooms, sessions, [person(i, "Phonics") for i in range(1, 7)])
    result = run(path)
    assert_valid(result)
    # Six people want Phonics: three in each run, each of them once.
    summary = solver.summarise(result)
    assert summary.profile.by_rank == {1: 6} and summary.none == 0


def test_lead_is_placed_in_their_session_and_it_is_not_their_choice(tmp_path):
    rooms = {"Room A": 2, "Room B": 3}
    sessions = [
        {"title": "Phonics", "room": "Room A", "slot": "Morning", "lead": "Ada Surname1"},
        {"title": "Oracy", "room": "Room B", "slot": "Morning"},
        {"title": "Maths", "room": "Room A", "slot": "Afternoon"},
        {"title": "Art", "room": "Room B", "slot": "Afternoon"},
    ]
    staff = [
        person(1, "Phonics", "Maths", first="Ada"),
        person(2, "Phonics", first="Bo"),
        person(3, "Phonics", first="Cy"),
    ]
    path = make_day(tmp_path, rooms, sessions, staff)
    result = run(path)
    assert_valid(result)
    names = ids_by_name(path)
    morning, afternoon = (t for t, _ in result.problem.slots)
    phonics = next(s for s in result.problem.sessions.values() if s.title == "Phonics")
    assert result.placements[(names["Ada"], morning)] == (phonics.id, "lead")
    # The lead takes a seat: one of Bo and Cy gets Phonics, the other Oracy.
    assert result.counts()[phonics.id] == 2
    # Ada's choice of her own workshop does not count; her Maths choice does.
    assert result.problem.prefs[names["Ada"]] == {"maths": 2}
    maths = result.problem.sessions[result.placements[(names["Ada"], afternoon)][0]]
    assert maths.title == "Maths"


def test_audience_admits_only_listed_roles_case_insensitively(tmp_path):
    rooms = {"Room A": 5, "Room B": 5}
    sessions = [
        {"title": "Phonics", "room": "Room A", "slot": "Morning", "audience": "teaching"},
        {"title": "Oracy", "room": "Room B", "slot": "Morning"},
        {"title": "Maths", "room": "Room A", "slot": "Afternoon"},
        {"title": "Art", "room": "Room B", "slot": "Afternoon"},
    ]
    staff = [
        person(1, "Phonics", role="teacher", first="Ada"),
        person(2, "Phonics", role="Teaching Assistant", first="Bo"),
        person(3, "Phonics", role="Office Manager", first="Cy"),
    ]
    path = make_day(tmp_path, rooms, sessions, staff)
    result = run(path)
    assert_valid(result)
    names = ids_by_name(path)
    phonics = next(s for s in result.problem.sessions.values() if s.title == "Phonics")
    assert [a for (a, _), (sid, _) in result.placements.items() if sid == phonics.id] == [
        names["Ada"]
    ]


def test_infeasible_audience_is_reported_per_slot(tmp_path):
    rooms = {"Room A": 5, "Room B": 1}
    sessions = [
        {"title": "Phonics", "room": "Room A", "slot": "Morning", "audience": "teaching"},
        {"title": "Oracy", "room": "Room B", "slot": "Morning"},
        {"title": "Maths", "room": "Room A", "slot": "Afternoon"},
        {"title": "Art", "room": "Room B", "slot": "Afternoon"},
    ]
    staff = [person(i, role="Site Manager") for i in range(1, 4)]
    path = make_day(tmp_path, rooms, sessions, staff)
    with pytest.raises(Infeasible) as info:
        run(path)
    (short,) = info.value.shortfalls
    assert (short.slot, short.people, short.seats, short.seatable) == ("Morning", 3, 6, 1)
    assert "3 people admitted only to sessions for everyone: 1 seats" in str(info.value)


def test_cli_infeasible_exits_2_and_writes_nothing(tmp_path):
    rooms = {"Room A": 2, "Room B": 2}
    sessions = [
        {"title": "Phonics", "room": "Room A", "slot": "Morning"},
        {"title": "Oracy", "room": "Room B", "slot": "Morning"},
        {"title": "Maths", "room": "Room A", "slot": "Afternoon"},
        {"title": "Art", "room": "Room B", "slot": "Afternoon", "capacity": 1},
    ]
    path = make_day(tmp_path, rooms, sessions, [person(i) for i in range(1, 5)])
    db_file = path.with_suffix(".db")
    out = run_cli("allocate", path)
    assert out.returncode == 2, out.stderr
    assert "Traceback" not in out.stderr
    assert "Afternoon: 4 people to seat, 3 seats left, at most 3 can be seated" in out.stderr
    assert "Morning" not in out.stderr
    db = database.connect(db_file)
    assert db.execute("SELECT count(*) FROM allocations").fetchone()[0] == 0
    assert db.execute("SELECT count(*) FROM log WHERE action = 'allocated'").fetchone()[0] == 0
    db.close()


def test_rerun_keeps_people_present_in_their_session(tmp_path):
    rooms = {"Room A": 2, "Room B": 2}
    sessions = [
        {"title": "Phonics", "room": "Room A", "slot": "Morning"},
        {"title": "Oracy", "room": "Room B", "slot": "Morning"},
        {"title": "Maths", "room": "Room A", "slot": "Afternoon"},
        {"title": "Art", "room": "Room B", "slot": "Afternoon"},
    ]
    staff = [person(i, "Phonics", "Maths", first=f"N{i}") for i in range(1, 5)]
    path = make_day(tmp_path, rooms, sessions, staff)
    first = run(path)
    names = ids_by_name(path)
    morning = first.problem.slots[0][0]
    oracy = next(s for s in first.problem.sessions.values() if s.title == "Oracy")
    phonics = next(s for s in first.problem.sessions.values() if s.title == "Phonics")
    # Someone who was given Phonics walks into Oracy instead and is marked present there...
    moved = next(
        a for (a, t), (sid, _) in first.placements.items() if t == morning and sid == phonics.id
    )
    db = database.connect(path.with_suffix(".db"))
    db.execute(
        "INSERT INTO attendance_records (session_id, attendee_id, at, station) VALUES (?, ?, ?, ?)",
        [oracy.id, moved, iso(), "Room B"],
    )
    db.commit()
    db.close()
    again = run(path)
    assert_valid(again)
    # ...keeps that place, and the freed Phonics seat goes to someone who wanted it.
    assert again.placements[(moved, morning)] == (oracy.id, "present")
    assert again.counts()[phonics.id] == 2
    assert moved not in [a for (a, t), (s, _) in again.placements.items() if s == phonics.id]
    assert set(names.values()) == set(again.problem.attendees)


def test_same_seed_same_rosters_other_seeds_differ(tmp_path):
    # Nobody has choices: every allocation ties, so only the seed decides.
    rooms = {"Room A": 4, "Room B": 4, "Room C": 4}
    sessions = [
        {"title": f"{r} {slot}", "room": r, "slot": slot}
        for r in rooms
        for slot in ("Morning", "Afternoon")
    ]
    path = make_day(tmp_path, rooms, sessions, [person(i) for i in range(1, 9)])
    a, b = run(path, seed=7), run(path, seed=7)
    assert a.placements == b.placements
    others = {tuple(sorted(run(path, seed=s).placements.items())) for s in range(5)}
    assert len(others) > 1


def _tiny_problem(rng: random.Random) -> solver.Problem:
    """Four people, two slots, three sessions per slot, one workshop running twice."""
    titles = ["a", "b", "c", "d", "e"]
    layout = [(0, "a"), (0, "b"), (0, "c"), (1, "a"), (1, "d"), (1, "e")]
    sessions = {
        i: solver.SessionInfo(
            i, f"S{i}", t, t, slot, f"R{i}", rng.randint(1, 3), rng.choice(["everyone", "t"]), None
        )
        for i, (slot, t) in enumerate(layout, start=1)
    }
    cls = {
        a: frozenset({"everyone", "t"} if rng.random() < 0.6 else {"everyone"}) for a in range(4)
    }
    prefs = {a: {w: r for r, w in enumerate(rng.sample(titles, 3), start=1)} for a in range(4)}
    return solver.Problem([(0, "one"), (1, "two")], sessions, list(range(4)), cls, prefs, {})


def _brute_force(p: solver.Problem) -> tuple[int, ...] | None:
    """The best profile key (coverage, then choices met per rank) over every allocation."""
    options = [
        [
            (s1, s2)
            for s1 in p.open_sessions(0)
            for s2 in p.open_sessions(1)
            if s1.workshop != s2.workshop and {s1.audience, s2.audience} <= p.cls[a]
        ]
        for a in p.attendees
    ]
    best = None
    for combo in itertools.product(*options):
        use = Counter(s.id for pair in combo for s in pair)
        if any(n > p.sessions[sid].capacity for sid, n in use.items()):
            continue
        placements = {
            (a, t): (pair[t].id, "allocate")
            for a, pair in zip(p.attendees, combo, strict=True)
            for t in (0, 1)
        }
        value = solver.profile(p, placements).key(p.ranks)
        best = value if best is None else max(best, value)
    return best


# Seeds 99, 101, 110 and 120 are days where the counted seats cannot be handed out without a
# workshop twice, so the second model (a variable per person for repeated workshops) decides.
@pytest.mark.parametrize("seed", [*range(12), 99, 101, 110, 120])
def test_optimum_equals_brute_force_on_tiny_days(seed):
    p = _tiny_problem(random.Random(seed))
    best = _brute_force(p)
    if best is None:
        with pytest.raises(AllocationError):
            solver.solve(p, seed)
        return
    result = solver.solve(p, seed)
    assert_valid(result)
    assert solver.profile(p, result.placements).key(p.ranks) == best


def test_cli_refuses_to_overwrite_without_replace(tmp_path):
    path = one_slot_day(tmp_path, [person(i, "Alpha") for i in range(1, 4)])
    first = run_cli("allocate", path, "--station", "Office")
    assert first.returncode == 0, first.stderr
    assert "Wrote 6 places" in first.stdout
    db = database.connect(path.with_suffix(".db"))
    rows = db.execute("SELECT * FROM allocations ORDER BY 1, 2").fetchall()
    again = run_cli("allocate", path)
    assert again.returncode == 1
    assert "already exists (6 places)" in again.stderr and "--replace" in again.stderr
    assert db.execute("SELECT * FROM allocations ORDER BY 1, 2").fetchall() == rows
    dry = run_cli("allocate", path, "--dry-run", "--seed", "3")
    assert dry.returncode == 0 and "nothing was written" in dry.stdout
    replaced = run_cli("allocate", path, "--replace", "--seed", "3")
    assert replaced.returncode == 0, replaced.stderr
    assert "replacing 6" in replaced.stdout
    assert db.execute("SELECT count(*) FROM allocations_replaced").fetchone()[0] == 6
    log = db.execute("SELECT station, detail FROM log WHERE action = 'allocated'").fetchall()
    assert [row[0] for row in log] == ["Office", socket.gethostname()]
    # The profile, as optimised: one of the three wanting Alpha's one seat gets it.
    detail = json.loads(log[0][1])
    assert (detail["covered"], detail["by_rank"], detail["none"]) == (1, {"1": 1}, 2)
    assert '"replaced": 6' in log[1][1]
    db.close()


def test_cancel_below_moves_people_out_of_tiny_sessions(tmp_path):
    rooms = {"Room A": 4, "Room B": 4, "Room C": 4}
    sessions = [
        {"title": "Phonics", "room": "Room A", "slot": "Morning"},
        {"title": "Oracy", "room": "Room B", "slot": "Morning"},
        {"title": "Niche", "room": "Room C", "slot": "Morning", "min_size": 3},
        {"title": "Maths", "room": "Room A", "slot": "Afternoon"},
        {"title": "Art", "room": "Room B", "slot": "Afternoon"},
    ]
    staff = [person(1, "Niche", first="Nia")] + [person(i, "Phonics", "Oracy") for i in range(2, 8)]
    path = make_day(tmp_path, rooms, sessions, staff)
    plain = solver.summarise(run(path))
    assert [(s.title, n) for s, n in plain.small] == [("Niche", 1)]
    assert any("Under its minimum of 3: Niche" in line for line in solver.describe(plain))
    result = run(path, cancel_below=2)
    assert_valid(result)
    assert [s.title for s in result.cancelled] == ["Niche"]
    assert "Niche" not in {
        result.problem.sessions[sid].title for sid, _ in result.placements.values()
    }
    assert any(
        line.startswith("Cancelled: Niche") for line in solver.describe(solver.summarise(result))
    )


def test_sample_day_allocates_everyone(sample_event):
    out = run_cli("allocate", sample_event)
    assert out.returncode == 0, out.stderr
    assert "got their 1st choice" in out.stdout and "Wrote 2550 places" in out.stdout
    db = database.connect(sample_event.with_suffix(".db"))
    per_slot = db.execute(
        """SELECT count(DISTINCT a.attendee_id), count(*) FROM allocations a
           JOIN sessions s ON s.id = a.session_id JOIN slots t ON t.id = s.slot_id
           GROUP BY t.id"""
    ).fetchall()
    assert per_slot == [(850, 850)] * 3
    over = db.execute(
        """SELECT count(*) FROM sessions s JOIN rooms r ON r.id = s.room_id
           WHERE (SELECT count(*) FROM allocations a WHERE a.session_id = s.id)
                 > coalesce(s.capacity, r.capacity)"""
    ).fetchone()[0]
    assert over == 0
    twice = db.execute(
        """SELECT count(*) FROM (SELECT a.attendee_id FROM allocations a
           JOIN sessions s ON s.id = a.session_id
           GROUP BY a.attendee_id, lower(s.title)
           HAVING count(*) > 1 AND sum(a.source = 'lead') < count(*))"""
    ).fetchone()[0]
    assert twice == 0
    db.close()


def test_cli_lead_of_two_sessions_in_one_slot_exits_2(tmp_path):
    rooms = {"Room A": 3, "Room B": 3}
    sessions = [
        {"title": "Phonics", "room": "Room A", "slot": "Morning", "lead": "Ada Surname1"},
        {"title": "Oracy", "room": "Room B", "slot": "Morning", "lead": "Ada Surname1"},
        {"title": "Maths", "room": "Room A", "slot": "Afternoon"},
    ]
    path = make_day(tmp_path, rooms, sessions, [person(1, first="Ada"), person(2)])
    out = run_cli("allocate", path)
    assert out.returncode == 2
    assert "Ada Surname1 leads both 'Phonics'" in out.stderr
    assert "and 'Oracy'" in out.stderr and "in the same slot" in out.stderr
    assert "Traceback" not in out.stderr


def test_sample_day_same_seed_same_rosters(sample_event):
    event = load(sample_event, None).event
    db = database.connect(sample_event.with_suffix(".db"))
    first = al.allocate(db, event.audiences, seed=5)
    second = al.allocate(db, event.audiences, seed=5)
    db.close()
    assert_valid(first)
    assert first.placements == second.placements


def chain_day(tmp_path: Path) -> Path:
    """A chain of one-seat sessions in which everyone can get one of their choices.

    Morning: one-seat sessions A0 to A5, and Filler (6 seats) that nobody chose. Ada's only
    workshop choice is A0, as her 3rd (her 1st names the plenary, not a workshop). P1 to P5
    want A(i-1) first and A(i) second. Giving everyone a choice means Ada takes A0 and each of
    P1 to P5 moves one along to their 2nd choice.
    """
    rooms = {f"Room {i}": 1 for i in range(6)} | {"Room F": 6}
    sessions = [{"title": f"A{i}", "room": f"Room {i}", "slot": "Morning"} for i in range(6)]
    sessions += [
        {"title": "Filler", "room": "Room F", "slot": "Morning"},
        {"title": "Later", "room": "Room F", "slot": "Afternoon"},
    ]
    staff = [person(0, "Welcome", "", "A0", first="Ada")]
    staff += [person(i, f"A{i - 1}", f"A{i}", first=f"P{i}") for i in range(1, 6)]
    return make_day(tmp_path, rooms, sessions, staff)


def test_chain_everyone_gets_a_choice_before_ranks(tmp_path):
    """Coverage first: all six get a choice (Ada her 3rd, P1 to P5 their 2nd).

    The old objective (3**(K-r) per choice met, 27 lost per person with none) preferred
    P1 to P5 in their 1st choices and Ada with nothing: 5 x 9 - 27 = 18 against 5 x 3 + 1 = 16.
    """
    path = chain_day(tmp_path)
    result = run(path)
    assert_valid(result)
    names = ids_by_name(path)
    morning = result.problem.slots[0][0]
    got = {
        n: result.problem.sessions[result.placements[(aid, morning)][0]].title
        for n, aid in names.items()
    }
    assert got == {"Ada": "A0", "P1": "A1", "P2": "A2", "P3": "A3", "P4": "A4", "P5": "A5"}
    summary = solver.summarise(result)
    assert summary.profile == solver.Profile(covered=6, by_rank={1: 0, 2: 5, 3: 1})
    assert summary.none == 0


def test_cli_dry_run_prints_the_profile_in_the_order_it_was_optimised(tmp_path):
    """The lines README's "Allocating workshops" shows for the chain day."""
    out = run_cli("allocate", chain_day(tmp_path), "--dry-run")
    assert out.returncode == 0, out.stderr
    assert out.stdout.splitlines()[:7] == [
        "6 people; 6 gave choices.",
        "  got at least one of their choices:         6 (100%)",
        "  got their 1st choice:                      0 (0%)",
        "  got their 2nd choice:                      5 (83%)",
        "  got their 3rd choice:                      1 (17%)",
        "  got none of their choices:                 0 (0%)",
        "Morning: 6 seated in 7 sessions, 12 seats (50% full)",
    ]
