"""Find attendees by any part of name, school, role or email: forgiving accents, case, apostrophes,
hyphens and small typos. An in-memory index rebuilt from the file whenever attendees change."""

from __future__ import annotations

import heapq
import re
import unicodedata
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import sqlite_utils
from rapidfuzz import fuzz, process

from bigconv.core.codes import normalise_code

MIN_QUERY = 2
# Letters that carry no combining accent to strip, spelled as people type them.
LETTERS = str.maketrans(
    {"ø": "o", "ß": "ss", "æ": "ae", "đ": "d", "ł": "l", "œ": "oe", "ı": "i", "þ": "th"}
)


def fold(text: str) -> str:
    """Lower-case, accents off, apostrophes dropped, hyphens and punctuation as spaces."""
    text = unicodedata.normalize("NFKD", text.casefold())
    out = []
    for ch in text:
        if unicodedata.combining(ch) or ch in "'’`´":
            continue
        out.append(ch if ch.isalnum() or ch == "@" else " ")
    return " ".join("".join(out).translate(LETTERS).split())


@dataclass(frozen=True)
class Person:
    id: int
    badge: str
    first_name: str
    last_name: str
    email: str
    school: str
    role: str

    @property
    def name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()


@dataclass(frozen=True)
class Match:
    """A search result with its check-in state read fresh from the database."""

    person: Person
    score: float
    checked_in_at: str | None = None
    checked_in_by: str | None = None


PERSON_SQL = "SELECT id, badge, first_name, last_name, email, school, role FROM attendees"


def tokens(text: str) -> list[str]:
    """Folded words of a school, role or email; digits dropped (j.smith2@ -> j, smith, ...)."""
    return re.sub(r"[\d@]+", " ", fold(text)).split()


class _Vocabulary:
    """Distinct words -> people who have them; finds every word containing a term at C speed."""

    def __init__(self, postings: dict[str, list[int]]):
        self.postings = postings
        self.words = sorted(postings)
        self.blob = "\n" + "\n".join(self.words) + "\n"
        self._by_initial: dict[str, list[str]] = {}

    def containing(self, term: str) -> list[str]:
        found = []
        pos = self.blob.find(term)
        while pos >= 0:
            start = self.blob.rfind("\n", 0, pos) + 1
            end = self.blob.find("\n", pos)
            found.append(self.blob[start:end])
            pos = self.blob.find(term, end)
        return found

    def near(self, term: str) -> list[tuple[str, float]]:
        """Words within a small typo of `term`, whole or as a prefix, with similarity 0-1."""
        best: dict[str, float] = {}
        for word, score, _ in process.extract(
            term, self.words, scorer=fuzz.ratio, limit=8, score_cutoff=75
        ):
            best[word] = score
        if len(term) >= 4:  # a typo in a word still being typed: "mckar" -> McCarthy
            same_initial = self._by_initial.setdefault(
                term[0], [w for w in self.words if w[0] == term[0]]
            )
            prefixes = [w[: len(term)] for w in same_initial]
            for _, score, i in process.extract(
                term, prefixes, scorer=fuzz.ratio, limit=8, score_cutoff=80
            ):
                word = same_initial[i]
                best[word] = max(best.get(word, 0), score * 0.95)
        return [(w, s / 100) for w, s in best.items()]


# How much a term scores by where it matched; a person's score is the sum over the query's terms.
WHOLE_NAME_WORD, NAME_PREFIX, IN_NAME, OTHER_PREFIX, OTHER = 4.0, 3.0, 2.0, 1.5, 1.0
INITIALS = 2.5  # "sk" for Sarah Khan: below a name that starts so, above one that holds it
TYPO = 0.5  # times the similarity: any exact match ranks above a typo match
# Where a term of several stands in the query. Among equally good matches, a name typed as
# written comes first: the query's first word starts the first name, its last word the surname
# ("s kh" lists Sarah Khan before Khalid Shah). Only an order: the score stays the same, so the
# desk still asks which one (bigconv/services/identify.py: never the wrong person).
FIRST, LAST = "first", "last"

Order = Callable[[], Sequence[int]]
"""Sort keys by index position, read after the index caught up with the file: among equally
good matches, the smaller key is listed first (the desk's order, bigconv/data/desk_order.py).
Each key ends in its position (`key & POSITION`), so that keys alone are sorted, in C."""
POSITION = (1 << 28) - 1  # small enough that keys stay one-digit ints, which compare fastest


class AttendeeIndex:
    """Folded words in memory, rebuilt when the attendees table changes (walk-ins, imports)."""

    def __init__(self, db: sqlite_utils.Database):
        self.db = db
        self._signature: tuple[Any, ...] | None = None
        self.people: list[Person] = []
        self.generation = 0  # one more whenever `people` is rebuilt (positions change)
        self.refresh()

    def _current_signature(self) -> tuple[Any, ...]:
        return tuple(
            self.db.execute(
                "SELECT max(id), (SELECT value FROM meta WHERE key = 'attendees_version') FROM attendees"
            ).fetchone()
        )

    def refresh(self) -> None:
        """Catch up with the file: add new attendees (walk-ins), or rebuild after any other change."""
        signature = self._current_signature()
        if signature == self._signature:
            return
        added = self._added_since(signature)
        if added is None:
            self._rebuild()
        else:
            for person in added:  # after everyone else: ties with them rank last
                self.people.append(person)
                self._add(len(self.people) - 1, person)
            self._vocabularies()
        self._signature = signature

    def _added_since(self, signature: tuple[Any, ...]) -> list[Person] | None:
        """The new people, if inserts were the only change since the last build; else None."""
        if self._signature is None or None in self._signature or None in signature:
            return None
        rows = self.db.execute(
            PERSON_SQL + " WHERE id > ? ORDER BY id", [self._signature[0]]
        ).fetchall()
        if int(signature[1]) - int(self._signature[1]) != len(rows):
            return None  # someone was also changed or removed
        return [Person(*row) for row in rows]

    def _rebuild(self) -> None:
        self.people = [
            Person(*row)
            for row in self.db.execute(PERSON_SQL + " ORDER BY last_name, first_name, id")
        ]
        self.generation += 1
        self._names: dict[str, list[int]] = defaultdict(list)
        # Where each name word is: a first name's words, a surname's (for IN_ORDER).
        self._placed: dict[str, dict[str, list[int]]] = {
            FIRST: defaultdict(list),
            LAST: defaultdict(list),
        }
        self._others: dict[str, list[int]] = defaultdict(list)
        self._joined: dict[str, list[int]] = defaultdict(list)
        self._initials: dict[str, list[int]] = defaultdict(list)
        for i, person in enumerate(self.people):
            self._add(i, person)
        self._vocabularies()

    def _add(self, i: int, person: Person) -> None:
        first, last = fold(person.first_name).split(), fold(person.last_name).split()
        words = first + last  # fold(person.name).split(), folded once
        names = set(words)
        for w in names:
            self._names[w].append(i)
        for where, part in ((FIRST, first), (LAST, last)):
            for w in set(part):
                self._placed[where][w].append(i)
        self._joined["".join(words)].append(i)
        if len(words) > 1:
            self._initials["".join(w[0] for w in words)].append(i)  # "sk": Sarah Khan
        for w in set(tokens(f"{person.school} {person.role} {person.email}")) - names:
            self._others[w].append(i)

    def _vocabularies(self) -> None:
        self.names = _Vocabulary(self._names)
        self.others = _Vocabulary(self._others)
        self.joined = _Vocabulary(self._joined)
        self.initials = _Vocabulary(self._initials)
        self.words_vocab = _Vocabulary({**self._others, **self._names})  # for typos

    def _term(
        self,
        term: str,
        fuzzy: bool,
        within: set[int] | None = None,
        place: str | None = None,
        in_place: set[int] | None = None,
    ) -> list[tuple[float, set[int]]]:
        """(score, people) groups for one term, best first, only people `within` if given.
        Given `place` (FIRST or LAST: where the term stands in a query of several words), the
        people whose first name (surname) starts with it are added to `in_place`."""
        groups: dict[float, set[int]] = defaultdict(set)

        def among(postings: Sequence[int]) -> Iterable[int]:
            # Intersecting in C keeps a one-letter second term cheap at 100,000 people.
            return postings if within is None else within.intersection(postings)

        def add(score: float, postings: Sequence[int]) -> None:
            groups[score].update(among(postings))

        placed = self._placed[place] if place and in_place is not None else {}
        for word in self.names.containing(term):
            exact, prefix = word == term, word.startswith(term)
            add(
                WHOLE_NAME_WORD if exact else NAME_PREFIX if prefix else IN_NAME,
                self.names.postings[word],
            )
            if prefix and word in placed and in_place is not None:
                in_place.update(among(placed[word]))
        if not any(groups.values()):  # "obrienmuller", "sarahkhan": across the words of a name
            for word in self.joined.containing(term):
                add(IN_NAME, self.joined.postings[word])
        if len(term) > 1:  # "sk", "sk khan": a name's initials
            for word in self.initials.containing(term):
                if word.startswith(term):
                    add(INITIALS, self.initials.postings[word])
        for word in self.others.containing(term):
            add(OTHER_PREFIX if word.startswith(term) else OTHER, self.others.postings[word])
        if not any(groups.values()) and fuzzy and len(term) >= 3:
            for word, similarity in self.words_vocab.near(term):
                add(TYPO * similarity, self.words_vocab.postings[word])
        return sorted((item for item in groups.items() if item[1]), reverse=True)

    def same_name(self, person: Person, *, refresh: bool = True) -> list[Person]:
        """Everyone known by this person's name, accents and case aside (themselves too);
        `refresh=False` right after a search, which caught up with the file already."""
        if refresh:
            self.refresh()
        return [self.people[i] for i in self._joined.get("".join(fold(person.name).split()), [])]

    def search(
        self, query: str, limit: int = 50, fuzzy: bool = True, order: Order | None = None
    ) -> list[tuple[Person, float]]:
        """Ranked people for a partial query; empty under MIN_QUERY characters. Equally good
        matches are listed with a name typed as written first (FIRST, LAST), then
        alphabetically, or by `order`'s keys if given."""
        terms = list(dict.fromkeys(re.sub("@", " ", fold(query)).split()))
        if len("".join(terms)) < MIN_QUERY:
            return []
        self.refresh()
        keys = order() if order else None
        if len(terms) == 1:
            return self._ranked_groups(self._term(terms[0], fuzzy), limit, keys)
        places = {terms[0]: FIRST, terms[-1]: LAST}
        per_term = []
        in_place: list[set[int]] = []
        candidates: set[int] | None = None
        for term in sorted(terms, key=len, reverse=True):  # the longest term narrows the most
            in_place.append(set())
            groups = self._term(term, fuzzy, candidates, places.get(term), in_place[-1])
            if not groups:
                return []
            per_term.append(groups)
            candidates = set().union(*(people for _, people in groups))
        if candidates is None:  # no terms: cannot be, MIN_QUERY characters make one
            return []
        totals = dict.fromkeys(candidates, 0.0)
        for groups in per_term:
            left = set(candidates)
            for score, people in groups:  # best group first: each person scores once per term
                hit = left & people
                left -= hit
                for i in hit:
                    totals[i] += score
        written = dict.fromkeys(candidates, 0)  # terms standing where they stand in the name
        for people in in_place:
            for i in people & candidates:
                written[i] -= 1
        place = keys or range(len(self.people))
        best = heapq.nsmallest(
            limit, totals.items(), key=lambda item: (-item[1], written[item[0]], place[item[0]])
        )
        return [(self.people[i], score) for i, score in best]

    def _ranked_groups(
        self, groups: list[tuple[float, set[int]]], limit: int, keys: Sequence[int] | None
    ) -> list[tuple[Person, float]]:
        out: list[tuple[Person, float]] = []
        seen: set[int] = set()
        for score, people in groups:
            fresh = people - seen
            seen |= fresh
            if keys is None:  # positions: alphabetical
                best = heapq.nsmallest(limit - len(out), fresh)
            else:
                first = heapq.nsmallest(limit - len(out), map(keys.__getitem__, fresh))
                best = [key & POSITION for key in first]
            out += [(self.people[i], score) for i in best]
            if len(out) >= limit:
                break
        return out


def checkin_states(db: sqlite_utils.Database, ids: list[int]) -> dict[int, tuple[str, str]]:
    """attendee id -> (at, station) for those checked in now."""
    if not ids:
        return {}
    marks = ",".join("?" * len(ids))
    rows = db.execute(
        f"SELECT attendee_id, at, station FROM checkins WHERE attendee_id IN ({marks})", ids
    )
    return {row[0]: (row[1], row[2]) for row in rows}


def search_attendees(
    db: sqlite_utils.Database,
    query: str,
    limit: int = 50,
    index: AttendeeIndex | None = None,
    order: Order | None = None,
) -> list[Match]:
    """Ranked matches for a desk query, each with its current check-in state; equally good
    matches in `order` (the desk's: bigconv/data/desk_order.py), else alphabetically."""
    index = index or AttendeeIndex(db)
    index.db = db  # a station that reconnected after a database problem passes its new connection
    found = index.search(query, limit, order=order)
    states = checkin_states(db, [p.id for p, _ in found])
    return [Match(p, score, *states.get(p.id, (None, None))) for p, score in found]


def find_badge(db: sqlite_utils.Database, text: str) -> Person | None:
    """The person whose badge code this is (as a scanner types it), or None."""
    code = normalise_code(text)
    if not code:
        return None
    row = db.execute(PERSON_SQL + " WHERE badge = ?", [code]).fetchone()
    return Person(*row) if row else None


def get_person(db: sqlite_utils.Database, attendee_id: int) -> Person | None:
    row = db.execute(PERSON_SQL + " WHERE id = ?", [attendee_id]).fetchone()
    return Person(*row) if row else None


def name_of(db: sqlite_utils.Database, attendee_id: int) -> str:
    """A person's name for a message; "attendee N" if they are not in the database (any more:
    a backup from before they were added was put back)."""
    person = get_person(db, attendee_id)
    return person.name if person else f"attendee {attendee_id}"


def lookup(db: sqlite_utils.Database, text: str, limit: int = 10) -> list[Match]:
    """Who `text` means, for scripts: a badge code or email, else exact matches, else near misses.

    Typo matches are only offered when nothing matches exactly, so a full name stays unique.
    """
    person = find_badge(db, text)
    if person is not None:
        return search_attendees_for([person], db)
    if "@" in text:  # email-shaped: it matches emails only, never names by their letters
        wanted = text.strip().casefold()
        rows = db.execute(PERSON_SQL + " WHERE lower(email) = ?", [wanted]).fetchall()
        if not rows:  # part of an address: "s.khan@", "@beta.sch.uk"
            pattern = (
                "%" + wanted.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
            )
            rows = db.execute(
                PERSON_SQL + " WHERE lower(email) LIKE ? ESCAPE '\\' ORDER BY lower(email) LIMIT ?",
                [pattern, limit],
            ).fetchall()
        return search_attendees_for([Person(*row) for row in rows], db)
    index = AttendeeIndex(db)
    found = index.search(text, limit, fuzzy=False) or index.search(text, limit)
    return search_attendees_for([p for p, _ in found], db)


def search_attendees_for(people: list[Person], db: sqlite_utils.Database) -> list[Match]:
    """Matches for these people with their current check-in state."""
    states = checkin_states(db, [p.id for p in people])
    return [Match(p, 1.0, *states.get(p.id, (None, None))) for p in people]
