"""Keys to the right person: how many keys the desk's clerk types before a person is listed first.

    python -m bench.keys            # every one of the sample day's 850 people
    python -m bench.keys --quick    # every 5th person

The sample day (sample_event.toml, its 850 staff, places allocated as `bigconv allocate` gives
them) at 08:40, before the opening plenary. Each person's name is typed one key at a time, in
three ways: as written ("Sarah Khan"), an initial and the surname ("S Khan"), and the initials
and the surname ("SK Khan"). After each key the desk's own search (search_attendees with the
desk's order, as the desk screen calls it) is read, and the keys counted until the person is

- first: the highlighted row, what Enter takes (after the desk asks, if others match as well);
- alone: first, and nobody else matches as well (Enter checks them in without asking);
- in the top 3: on screen near the top, where the clerk's eye goes.

Twice: for the first arrival of the morning (nobody in yet), and for the 500th (499 others in,
drawn at random with a fixed seed: each person is measured once, in one of three such
mornings). The baseline, in the same run, is what a desk without a ranking shows: a `LIKE`
list of the same text in alphabetical order, from the same two letters (it knows nobody's
arrival, so it is the same at any moment). Medians and p90s are over everyone measured (those
who never get there, whatever is typed, count as never); "never" counts them.
"""

from __future__ import annotations

import argparse
import datetime as dt
import math
import random
import shutil
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path

from bigconv.data import allocation, database
from bigconv.data.checkin import check_in, undo_checkin
from bigconv.data.desk_order import DeskOrder
from bigconv.data.search import MIN_QUERY, AttendeeIndex, Person, fold, search_attendees
from bigconv.services.identify import name_twins
from bigconv.services.setup import initialise, load

ROOT = Path(__file__).resolve().parent.parent
LIMIT = 30  # what the desk shows
MORNING = dt.datetime(2026, 11, 27, 8, 40, tzinfo=dt.UTC)  # 08:40 in London (GMT)
ARRIVAL = 500  # the later moment: this many minus one people already in
MORNINGS = 3  # each person is the 500th arrival in one of these (351 others still to come)
# The baseline is a measurement harness, not bigconv code, so its SQL lives here.
LIKE_SQL = (
    "SELECT id FROM attendees WHERE "
    "(first_name || ' ' || last_name || ' ' || school || ' ' || role || ' ' || email) LIKE ? "
    "ORDER BY last_name, first_name, id LIMIT 4"
)
STYLES: dict[str, Callable[[Person], str]] = {
    "first last": lambda p: f"{p.first_name} {p.last_name}",
    "f last": lambda p: f"{p.first_name[:1]} {p.last_name}",
    "fl last": lambda p: f"{''.join(w[0] for w in fold(p.name).split())} {p.last_name}",
}
GOALS = ("first", "alone", "top 3")

Keys = dict[str, int | None]  # goal -> keys typed until it was reached (None: never)
Listing = Callable[[str], tuple[list[int], bool]]  # text -> ids listed, and a tie at the top


def prepare(folder: Path) -> Path:
    """The sample day initialised in `folder`, everyone given places as allocate does."""
    for name in ("sample_event.toml", "sample_staff.csv"):
        shutil.copy(ROOT / name, folder / name)
    ctx = load(folder / "sample_event.toml", None)
    db = initialise(ctx).db
    allocation.write(db, allocation.allocate(db, ctx.event.audiences, seed=0), station="setup")
    db.close()
    return ctx.db_path


def typed(person_id: int, text: str, listing: Listing) -> Keys:
    """Type `text` one key at a time: the keys until each goal was first reached."""
    found: Keys = dict.fromkeys(GOALS)
    for k in range(1, len(text) + 1):
        if len(fold(text[:k]).replace(" ", "")) < MIN_QUERY:
            continue  # the desk lists nobody under two letters
        ids, tie = listing(text[:k])
        reached = {
            "first": ids[:1] == [person_id],
            "alone": ids[:1] == [person_id] and not tie,
            "top 3": person_id in ids[:3],
        }
        for goal, now in reached.items():
            if now and found[goal] is None:
                found[goal] = k
        if None not in found.values():
            break
    return found


def desk_listing(db, index: AttendeeIndex, order: DeskOrder) -> Listing:
    def listing(text: str) -> tuple[list[int], bool]:
        matches = search_attendees(db, text, LIMIT, index=index, order=order)
        tie = len(matches) > 1 and matches[1].score == matches[0].score
        return [m.person.id for m in matches], tie

    return listing


def like_listing(db) -> Listing:
    def listing(text: str) -> tuple[list[int], bool]:
        ids = [row[0] for row in db.execute(LIKE_SQL, [f"%{text}%"])]
        return ids, len(ids) > 1  # a list with no ranking: alone only if the only one

    return listing


def measure(people: Sequence[Person], listing: Listing) -> dict[str, list[Keys]]:
    return {
        style: [typed(p.id, write(p), listing) for p in people] for style, write in STYLES.items()
    }


def later_mornings(
    db, everyone: Sequence[Person], measured: Sequence[Person], seed: int
) -> list[tuple[list[int], list[Person]]]:
    """MORNINGS mornings: (the ARRIVAL - 1 people in, the measured people still to come)."""
    rng = random.Random(seed)
    order = list(measured)
    rng.shuffle(order)
    out = []
    for m in range(MORNINGS):
        coming = order[m::MORNINGS]
        ids = {p.id for p in coming}
        others = [p.id for p in everyone if p.id not in ids]
        out.append((rng.sample(others, ARRIVAL - 1), coming))
    return out


def at_500th(db_path: Path, everyone: Sequence[Person], measured: Sequence[Person]):
    """The desk's keys for each measured person as the 500th arrival of a random morning."""
    db = database.connect(db_path)
    index = AttendeeIndex(db)
    order = DeskOrder(index, lambda: MORNING)
    out: dict[str, list[Keys]] = {style: [] for style in STYLES}
    try:
        for arrived, coming in later_mornings(db, everyone, measured, seed=23):
            with database.immediate(db):  # the morning so far, one commit
                for i, attendee_id in enumerate(arrived):
                    at = MORNING - dt.timedelta(seconds=len(arrived) - i)
                    check_in(db, attendee_id, station=f"Desk {i % 4 + 1}", at=at)
            for style, keys in measure(coming, desk_listing(db, index, order)).items():
                out[style] += keys
            with database.immediate(db):  # back to nobody in, for the next morning
                for attendee_id in arrived:
                    undo_checkin(db, attendee_id, station="Bench", at=MORNING)
    finally:
        db.close()
    return out


def summary(keys: list[Keys], goal: str) -> tuple[str, str, int]:
    """Median and p90 keys over everyone (nearest rank; "never" if it falls among those who
    never get there), and how many never do."""
    got = sorted(k[goal] or math.inf for k in keys)

    def rank(q: float) -> str:
        value = got[max(0, math.ceil(q * len(got)) - 1)]
        return "never" if value == math.inf else f"{value:g}"

    return rank(0.5), rank(0.9), got.count(math.inf)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="every 5th person")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        db_path = prepare(Path(tmp))
        db = database.connect(db_path)
        index = AttendeeIndex(db)
        everyone = list(index.people)
        measured = everyone[:: 5 if args.quick else 1]
        first = measure(measured, desk_listing(db, index, DeskOrder(index, lambda: MORNING)))
        like = measure(measured, like_listing(db))
        twins = name_twins(measured, index.same_name)
        db.close()
        later = at_500th(db_path, everyone, measured)
    print(
        f"{len(measured)} of the sample day's {len(everyone)} people, each name typed one key "
        f"at a time; keys until the person is listed first, alone (first with no equal "
        f"match: no question), in the top 3. Desk: its search and order at 08:40; LIKE: the "
        f'same text, alphabetical. Medians and p90s over all of them ("never" if it falls among '
        f"those who never get there, whatever is typed); never: how many.\n"
    )
    head = " | ".join(f"{g} med | {g} p90 | {g} never" for g in GOALS)
    print(f"| typed | list | {head} |")
    print("|---|---|" + "---|" * 3 * len(GOALS))
    for style in STYLES:
        for label, keys in (
            ("desk, 1st arrival", first[style]),
            (f"desk, {ARRIVAL}th arrival", later[style]),
            ("LIKE, any time", like[style]),
        ):
            cells = " | ".join(" | ".join(map(str, summary(keys, g))) for g in GOALS)
            print(f"| {style} | {label} | {cells} |")
    never_alone = sum(k["alone"] is None for k in first["first last"])
    flagged = sum(p.id in twins for p in measured)
    print(
        f"\nName twins: {flagged} of these {len(measured)} people share their first and last "
        f"name with someone else registered; {never_alone} are never alone at the top on their "
        f"name as written (the desk asks which one), and the desk's rows flag all {flagged} "
        f"(' · name twin: check school', or what else tells them apart)."
    )


if __name__ == "__main__":
    main()
