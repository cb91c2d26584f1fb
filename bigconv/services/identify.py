"""Who did they mean? Typed text or a scanned badge, to One person, Ambiguous or Unknown.

The one rule behind the desk's and the rooms' search box (bigconv/tui/widgets/person_picker.py)
and the `checkin`, `undo-checkin` and `attend` commands: never record the wrong person.

- A badge code is that person; at a station, so is a badge at the end of the text (a scan
  landing after half-typed letters). Text in the shape of a badge code that is nobody's is
  refused, never searched for as a name.
- At a station a person sees the list of matches and which one is highlighted: that one, unless
  another is as good a match and they have neither moved the highlight nor been warned. (The
  desk lists equal matches in its own order, bigconv/data/desk_order.py: who is likely at the
  desk now first. That moves the highlight's default, never whether it asks.)
- A script sees no list: the only match, or the only one whose whole name is the text and that
  no other matches as well; anything else is Ambiguous, with the candidates.

Outcomes carry a machine `code`; the front ends word them.

Two people can look alike on a screen (the same name at the same school): `tell_apart` says
what to show beside each to tell them apart; `name_twins` says who shares their name with
anyone registered, and what to check. (Whether a walk-in is someone registered is the
import's identity rule, `known_as` in bigconv/data/attendees.py, applied by the walk-in itself.)
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import sqlite_utils

from bigconv.core.codes import ALPHABET, BADGE_PREFIX, normalise_code
from bigconv.data.attendance import looks_like_badge
from bigconv.data.search import (
    MIN_QUERY,
    AttendeeIndex,
    Match,
    Person,
    find_badge,
    fold,
    lookup,
    search_attendees,
)

ONE, AMBIGUOUS = "one", "ambiguous"
TOO_SHORT, UNKNOWN_BADGE, NO_MATCH = "too_short", "unknown_badge", "no_match"
BY_BADGE, BY_SCAN, BY_NAME = "badge", "scan", "name"
LIMIT = 50  # matches a script's text is looked up among
# A scan landing after half-typed text: the badge is at the end ("sarBC7KQ2M").
BADGE_AT_END = re.compile(rf"({BADGE_PREFIX}[{ALPHABET}]{{5}})$")


@dataclass(frozen=True)
class One:
    """The text means this person: by BY_BADGE, BY_SCAN (a badge after typing) or BY_NAME."""

    person: Person
    via: str
    code: str = ONE


@dataclass(frozen=True)
class Ambiguous:
    """More than one person it could be, best first: the front end shows them and asks."""

    matches: tuple[Match, ...]
    code: str = AMBIGUOUS


@dataclass(frozen=True)
class Unknown:
    """Nobody: `code` is TOO_SHORT, UNKNOWN_BADGE (badge-shaped, nobody's) or NO_MATCH."""

    code: str


Outcome = One | Ambiguous | Unknown


@dataclass(frozen=True)
class Shown:
    """What a person at a station sees: the matches listed for `text`, best first, the row
    highlighted, and whether they chose that row (moved the highlight, or were warned)."""

    text: str
    matches: Sequence[Match]
    row: int = 0
    chosen: bool = False


def long_enough(text: str) -> bool:
    """Enough letters to search by (MIN_QUERY, not counting spaces)."""
    return len(fold(text).replace(" ", "")) >= MIN_QUERY


def as_good_as(matches: Sequence[Match], row: int) -> list[Match]:
    """The matches scoring as well as the one at `row`, itself included."""
    score = matches[row].score
    return [m for m in matches if m.score == score]


def identify(
    db: sqlite_utils.Database,
    text: str,
    *,
    shown: Callable[[], Shown] | None = None,
    limit: int = LIMIT,
) -> Outcome:
    """Who `text` means. At a station `shown` gives what the person sees (asked for only once
    the text is not a badge); None from a script."""
    text = text.strip()
    if (person := find_badge(db, text)) is not None:
        return One(person, BY_BADGE)
    end = BADGE_AT_END.search(normalise_code(text)) if shown is not None else None
    if end and (person := find_badge(db, end.group(1))) is not None:
        return One(person, BY_SCAN)
    if looks_like_badge(text):
        return Unknown(UNKNOWN_BADGE)
    if not long_enough(text):
        return Unknown(TOO_SHORT)
    if shown is not None:
        return _seen(text, shown())
    return _unseen(db, text, lookup(db, text, limit=limit), limit)


def _seen(text: str, shown: Shown) -> Outcome:
    if shown.text.strip() != text:
        raise ValueError(f"the list shown is for {shown.text!r}, not {text!r}")
    if not shown.matches:
        return Unknown(NO_MATCH)
    equal = as_good_as(shown.matches, shown.row)
    if len(equal) > 1 and not shown.chosen:
        return Ambiguous(tuple(equal))
    return One(shown.matches[shown.row].person, BY_NAME)


def _unseen(db: sqlite_utils.Database, text: str, found: list[Match], limit: int) -> Outcome:
    if not found:
        return Unknown(NO_MATCH)
    if len(found) == 1:
        return One(found[0].person, BY_NAME)
    exact = [m for m in found if fold(m.person.name) == fold(text)]
    if len(exact) == 1:
        # The whole name, unless someone else matches as well ("Ada Lovelace-Smith").
        scored = search_attendees(db, text, limit, index=AttendeeIndex(db))
        mine = [m.score for m in scored if m.person.id == exact[0].person.id]
        if mine and sum(m.score >= mine[0] for m in scored) == 1:
            return One(exact[0].person, BY_NAME)
    return Ambiguous(tuple(found))


TELLS = ("role", "email", "badge")
"""What may tell two people of one name and school apart, in the order it is shown: the role,
then what they can say (their email), then what is on their badge (always unique)."""
SHORT_TELLS = ("role", "badge")
"""The same where an email would not fit."""


@dataclass(frozen=True)
class Tell:
    """What tells a person apart from their look-alikes: `field` (role, email or badge) and
    its `text`."""

    field: str
    text: str


def look_alike_key(person: Person) -> tuple[str, str]:
    """People with the same key look alike in a list: the same name at the same school."""
    return fold(person.name), fold(person.school)


def tell_apart(people: Sequence[Person], fields: Sequence[str] = TELLS) -> dict[int, Tell]:
    """For each of `people` who looks like another of them, by id: the first of `fields` whose
    value differs between every one of those look-alikes (the badge always does). People who
    look like nobody else here are left out: nothing more is needed to tell them apart."""
    groups: dict[tuple[str, str], list[Person]] = {}
    for person in people:
        groups.setdefault(look_alike_key(person), []).append(person)
    tells: dict[int, Tell] = {}
    for group in groups.values():
        tells.update(_told_apart(group, fields))
    return tells


def name_twins(
    people: Sequence[Person],
    same_name: Callable[[Person], Sequence[Person]],
    fields: Sequence[str] = TELLS,
) -> dict[int, Tell]:
    """For each of `people` who has a name twin (`same_name`, AttendeeIndex.same_name: someone
    else registered with their first and last name, whatever their school), by id: what tells
    them apart from all of their twins, the school first, then as `tell_apart` does."""
    tells: dict[int, Tell] = {}
    for person in people:
        if person.id not in tells:
            tells.update(_told_apart(same_name(person), ("school", *fields)))
    return {p.id: tells[p.id] for p in people if p.id in tells}


def _told_apart(group: Sequence[Person], fields: Sequence[str]) -> dict[int, Tell]:
    """The first of `fields` whose value differs between every one of `group` (else the badge),
    for each of them; nothing if the group is one person."""
    if len({p.id for p in group}) < 2:
        return {}
    field = next((f for f in fields if _all_differ(group, f)), "badge")
    return {p.id: Tell(field, getattr(p, field)) for p in group}


def _all_differ(group: Sequence[Person], field: str) -> bool:
    values = [fold(getattr(p, field)) for p in group]
    return all(values) and len(set(values)) == len(values)
