"""Find attendees by any part of name, school, role or email: forgiving accents, case, apostrophes,
hyphens and small typos. An in-memory index rebuilt from the file whenever attendees change."""

from __future__ import annotations

import bisect
import unicodedata
from dataclasses import dataclass

import sqlite_utils
from rapidfuzz import fuzz, process

from bigconv.data.codes import normalise_code

MIN_QUERY = 2


def fold(text: str) -> str:
    """Lower-case, accents off, apostrophes dropped, hyphens and punctuation as spaces."""
    text = unicodedata.normalize("NFKD", text.casefold())
    out = []
    for ch in text:
        if unicodedata.combining(ch) or ch in "'’`´":
            continue
        out.append(ch if ch.isalnum() or ch == "@" else " ")
    return " ".join("".join(out).replace("ø", "o").replace("ß", "ss").replace("æ", "ae").split())


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


class AttendeeIndex:
    """Folded names in memory, rebuilt when the attendees table changes (walk-ins, imports)."""

    def __init__(self, db: sqlite_utils.Database):
        self.db = db
        self._signature: tuple | None = None
        self.people: list[Person] = []
        self.refresh()

    def _current_signature(self) -> tuple:
        return tuple(
            self.db.execute(
                "SELECT count(*), max(id), (SELECT value FROM meta WHERE key = 'attendees_version') FROM attendees"
            ).fetchone()
        )

    def refresh(self) -> None:
        """Rebuild if anyone changed attendees since the last build."""
        signature = self._current_signature()
        if signature == self._signature:
            return
        self._signature = signature
        self.people = [
            Person(*row)
            for row in self.db.execute(PERSON_SQL + " ORDER BY last_name, first_name, id")
        ]
        self.names = [fold(p.name) for p in self.people]
        self.others = [fold(f"{p.school} {p.role} {p.email}") for p in self.people]
        # One big string lets str.find (C speed) locate candidates for the longest term.
        self.blob = ""
        self.starts: list[int] = []
        parts = []
        pos = 0
        for name, other in zip(self.names, self.others, strict=True):
            self.starts.append(pos)
            entry = f"{name} | {name.replace(' ', '')} | {other}\n"
            parts.append(entry)
            pos += len(entry)
        self.blob = "".join(parts)

    def _candidates(self, term: str) -> list[int]:
        found: list[int] = []
        start = 0
        while True:
            at = self.blob.find(term, start)
            if at < 0:
                return found
            index = bisect.bisect_right(self.starts, at) - 1
            found.append(index)
            end = self.starts[index + 1] if index + 1 < len(self.starts) else len(self.blob)
            start = end

    def search(self, query: str, limit: int = 50) -> list[tuple[Person, float]]:
        """Ranked people for a partial query; empty under MIN_QUERY characters."""
        terms = fold(query).split()
        if len("".join(terms)) < MIN_QUERY:
            return []
        self.refresh()
        longest = max(terms, key=len)
        scored = []
        for i in self._candidates(longest):
            entry = self.blob[
                self.starts[i] : (
                    self.starts[i + 1] if i + 1 < len(self.starts) else len(self.blob)
                )
            ]
            if all(t in entry for t in terms):
                scored.append((self._score(i, terms), i))
        scored.sort(key=lambda pair: (-pair[0], pair[1]))
        results = [(self.people[i], score) for score, i in scored[:limit]]
        if len(results) < 5 and len(longest) >= 3:
            results += self._fuzzy(
                " ".join(terms), {p.id for p, _ in results}, limit - len(results)
            )
        return results

    def _score(self, i: int, terms: list[str]) -> float:
        words = self.names[i].split()
        score = 0.0
        for t in terms:
            if t in words:
                score += 4
            elif any(w.startswith(t) for w in words):
                score += 3
            elif t in self.names[i] or t in self.names[i].replace(" ", ""):
                score += 2
            else:
                score += 1  # school, role or email
        return score

    def _fuzzy(self, text: str, exclude: set[int], limit: int) -> list[tuple[Person, float]]:
        """Small typos: best name matches by edit similarity, below every exact match."""
        hits = process.extract(
            text, self.names, scorer=fuzz.WRatio, limit=limit + len(exclude), score_cutoff=80
        )
        out = []
        for _name, similarity, i in hits:
            person = self.people[i]
            if person.id not in exclude and len(out) < limit:
                out.append((person, similarity / 100))
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
