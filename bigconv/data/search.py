"""Find attendees by any part of name, school, role or email: forgiving accents, case, apostrophes,
hyphens and small typos. An in-memory index rebuilt from the file whenever attendees change."""

from __future__ import annotations

import heapq
import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass

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
TYPO = 0.5  # times the similarity: any exact match ranks above a typo match


class AttendeeIndex:
    """Folded words in memory, rebuilt when the attendees table changes (walk-ins, imports)."""

    def __init__(self, db: sqlite_utils.Database):
        self.db = db
        self._signature: tuple | None = None
        self.people: list[Person] = []
        self.refresh()

    def _current_signature(self) -> tuple:
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

    def _added_since(self, signature: tuple) -> list[Person] | None:
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
        self._names: dict[str, list[int]] = defaultdict(list)
        self._others: dict[str, list[int]] = defaultdict(list)
        self._joined: dict[str, list[int]] = defaultdict(list)
        for i, person in enumerate(self.people):
            self._add(i, person)
        self._vocabularies()

    def _add(self, i: int, person: Person) -> None:
        words = fold(person.name).split()
        for w in set(words):
            self._names[w].append(i)
        self._joined["".join(words)].append(i)
        for w in set(tokens(f"{person.school} {person.role} {person.email}")) - set(words):
            self._others[w].append(i)

    def _vocabularies(self) -> None:
        self.names = _Vocabulary(self._names)
        self.others = _Vocabulary(self._others)
        self.joined = _Vocabulary(self._joined)
        self.words_vocab = _Vocabulary({**self._others, **self._names})  # for typos

    def _term(
        self, term: str, fuzzy: bool, within: set[int] | None = None
    ) -> list[tuple[float, set[int]]]:
        """(score, people) groups for one term, best first, only people `within` if given."""
        groups: dict[float, set[int]] = defaultdict(set)

        def add(score: float, postings: list[int]) -> None:
            # Intersecting in C keeps a one-letter second term cheap at 100,000 people.
            groups[score].update(postings if within is None else within.intersection(postings))

        for word in self.names.containing(term):
            exact, prefix = word == term, word.startswith(term)
            add(
                WHOLE_NAME_WORD if exact else NAME_PREFIX if prefix else IN_NAME,
                self.names.postings[word],
            )
        if not any(groups.values()):  # "obrienmuller", "sarahkhan": across the words of a name
            for word in self.joined.containing(term):
                add(IN_NAME, self.joined.postings[word])
        for word in self.others.containing(term):
            add(OTHER_PREFIX if word.startswith(term) else OTHER, self.others.postings[word])
        if not any(groups.values()) and fuzzy and len(term) >= 3:
            for word, similarity in self.words_vocab.near(term):
                add(TYPO * similarity, self.words_vocab.postings[word])
        return sorted((item for item in groups.items() if item[1]), reverse=True)

    def search(self, query: str, limit: int = 50, fuzzy: bool = True) -> list[tuple[Person, float]]:
        """Ranked people for a partial query; empty under MIN_QUERY characters."""
        terms = list(dict.fromkeys(re.sub("@", " ", fold(query)).split()))
        if len("".join(terms)) < MIN_QUERY:
            return []
        self.refresh()
        if len(terms) == 1:
            return self._ranked_groups(self._term(terms[0], fuzzy), limit)
        per_term = []
        candidates: set[int] | None = None
        for term in sorted(terms, key=len, reverse=True):  # the longest term narrows the most
            groups = self._term(term, fuzzy, candidates)
            if not groups:
                return []
            per_term.append(groups)
            candidates = set().union(*(people for _, people in groups))
        totals = dict.fromkeys(candidates, 0.0)
        for groups in per_term:
            left = set(candidates)
            for score, people in groups:  # best group first: each person scores once per term
                hit = left & people
                left -= hit
                for i in hit:
                    totals[i] += score
        best = heapq.nsmallest(limit, totals.items(), key=lambda item: (-item[1], item[0]))
        return [(self.people[i], score) for i, score in best]

    def _ranked_groups(self, groups, limit: int) -> list[tuple[Person, float]]:
        out: list[tuple[Person, float]] = []
        seen: set[int] = set()
        for score, people in groups:
            fresh = people - seen
            seen |= fresh
            out += [(self.people[i], score) for i in heapq.nsmallest(limit - len(out), fresh)]
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
    db: sqlite_utils.Database, query: str, limit: int = 50, index: AttendeeIndex | None = None
) -> list[Match]:
    """Ranked matches for a desk query, each with its current check-in state."""
    index = index or AttendeeIndex(db)
    index.db = db  # a station that reconnected after a database problem passes its new connection
    found = index.search(query, limit)
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
