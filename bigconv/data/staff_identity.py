"""Who is who among the people known: the import's identity rule, held in memory.

A row is the person known with the same badge code, else the same staff ID, else the same email
(ignoring case), each only if exactly one person has it. A staff ID that is a school's staff
code (`school_codes`: SIMS and Bromcom give three letters, unique only within one school) is the
same only together with the same school. Else the person with the same name and school (ignoring
case, accents and punctuation) whom no badge, staff ID or email contradicts; several, or one at
no school, are only who the row might be.

Every lookup is a dictionary lookup, so matching a file costs the same for its last row as for
its first, whatever names repeat (the import reads the table once: `People.read`).
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Iterable
from typing import Any

import sqlite_utils

from bigconv.data.search import fold as _fold

COLUMNS = ("id", "badge", "first_name", "last_name", "email", "school", "role", "staff_id")
# A staff ID this short is a school's staff code (SIMS, Bromcom: three letters by default).
SCHOOL_CODE = re.compile(r"[A-Za-z0-9]{1,4}")


def school_codes(staff_ids: Iterable[str], has_school: bool) -> bool:
    """True if a file's staff IDs are school staff codes: it has a school column and every staff
    ID in it is at most four letters or digits. Then a staff ID names a person only together with
    the school (JSM at Alpha and JSM at Beta are two people)."""
    given = [s for s in staff_ids if s]
    return has_school and bool(given) and all(SCHOOL_CODE.fullmatch(s) for s in given)


# Names and schools repeat down a staff list: each is folded once (fold costs ~20 µs).
fold = functools.lru_cache(maxsize=1 << 16)(_fold)


def full_name(first: str, last: str) -> str:
    return fold(f"{first} {last}")


class People:
    """The people known, indexed by every key the identity rule looks up."""

    def __init__(self, rows: Iterable[dict[str, Any]], *, school_codes: bool = False):
        self.school_codes = school_codes
        self.rows: dict[int, dict[str, Any]] = {}
        self.lines: dict[int, int] = {}  # id -> the line of this file that added them
        # key -> ids (a dict as an ordered set: a person leaves it in one step)
        self._keys: dict[tuple[Any, ...], dict[int, None]] = {}
        for row in rows:
            self.put(row)

    @classmethod
    def read(cls, db: sqlite_utils.Database, *, school_codes: bool = False) -> People:
        """Everyone in the attendees table, in one query."""
        query = f"SELECT {', '.join(COLUMNS)} FROM attendees ORDER BY id"
        return cls(
            (dict(zip(COLUMNS, r, strict=True)) for r in db.execute(query)),
            school_codes=school_codes,
        )

    @classmethod
    def around(
        cls,
        db: sqlite_utils.Database,
        first: str,
        last: str,
        badge: str | None,
        staff_id: str | None,
        email: str,
    ) -> People:
        """Only those these details could be (the same name, badge, staff ID or email): what one
        walk-in is checked against, without indexing everyone."""
        name = full_name(first, last)
        ids = {
            aid
            for aid, f, la in db.execute("SELECT id, first_name, last_name FROM attendees")
            if full_name(f, la) == name
        }
        ids.update(
            aid
            for (aid,) in db.execute(
                "SELECT id FROM attendees WHERE badge = ? OR staff_id = ? OR lower(email) = ?",
                [badge, staff_id, email.casefold() or None],
            )
        )
        query = f"SELECT {', '.join(COLUMNS)} FROM attendees WHERE id IN (SELECT value FROM json_each(?)) ORDER BY id"
        rows = db.execute(query, [json.dumps(sorted(ids))])
        return cls(dict(zip(COLUMNS, r, strict=True)) for r in rows)

    def _row_keys(self, row: dict[str, Any]) -> list[tuple[Any, ...]]:
        name, school, staff = (
            full_name(row["first_name"], row["last_name"]),
            fold(row["school"]),
            row["staff_id"],
        )
        keys: list[tuple[Any, ...]] = [("name", name, school), ("named", name)]
        keys.append(("name+staff", name, school, staff) if staff else ("name-staff", name, school))
        if row["badge"]:
            keys.append(("badge", row["badge"]))
        if staff:
            keys += [("staff", staff), ("staff@", staff, school)]
        if row["email"]:
            keys.append(("email", row["email"].casefold()))
        return keys

    def put(self, row: dict[str, Any], line: int | None = None) -> None:
        """Add a person (a row of the table, or one this file adds, with its line)."""
        self.rows[row["id"]] = row
        if line is not None:
            self.lines[row["id"]] = line
        for key in self._row_keys(row):
            self._keys.setdefault(key, {})[row["id"]] = None

    def drop(self, attendee_id: int) -> dict[str, Any]:
        row = self.rows.pop(attendee_id)
        for key in self._row_keys(row):
            del self._keys[key][attendee_id]
        return row

    def _ids(self, *key: Any) -> list[int]:
        return list(self._keys.get(key, ()))

    def badge_taken(self, badge: str) -> bool:
        return bool(self._ids("badge", badge))

    def find(
        self, badge: str | None, staff_id: str | None, school: str, email: str
    ) -> dict[str, Any] | None:
        """The one person with this badge, else staff ID (with the school, for school codes),
        else email, if any."""
        staff_key = ("staff@", staff_id, fold(school)) if self.school_codes else ("staff", staff_id)
        for value, key in (
            (badge, ("badge", badge)),
            (staff_id, staff_key),
            (email, ("email", email.casefold())),
        ):
            if value:
                ids = self._ids(*key)
                if len(ids) == 1:
                    return self.rows[ids[0]]
        return None

    def identify(
        self,
        first: str,
        last: str,
        school: str,
        badge: str | None,
        staff_id: str | None,
        email: str,
    ) -> tuple[dict[str, Any] | None, str | None]:
        """(the person this row is, None) or (None, why it might be someone known) or (None, None)."""
        found, near = self.candidates(first, last, school, badge, staff_id, email)
        if found is not None or not near:
            return found, None
        return None, "possible duplicate of " + "; ".join(self.describe(r) for r in near[:3]) + (
            ": not added (give a staff ID, email or badge code that tells them apart,"
            " or correct the row)"
        )

    def _named(self, name: str, school: str, mine: dict[str, str | None]) -> list[dict[str, Any]]:
        """Those of this name at this school whom no badge or staff ID contradicts, by id."""
        if mine["staff_id"]:  # the same staff ID, or none: however many share the name
            ids = self._ids("name+staff", name, school, mine["staff_id"])
            ids = ids + self._ids("name-staff", name, school)
        else:
            ids = self._ids("name", name, school)
        rows = (self.rows[i] for i in sorted(ids))
        return [r for r in rows if not _differs(r, mine, ("badge", "staff_id"))]

    def candidates(
        self,
        first: str,
        last: str,
        school: str,
        badge: str | None,
        staff_id: str | None,
        email: str,
    ) -> tuple[dict[str, Any] | None, list[dict[str, Any]]]:
        """(the person these details are, []) or (None, those they might be) or (None, [])."""
        name = full_name(first, last)
        mine = {"badge": badge, "staff_id": staff_id, "email": email.casefold() or None}
        same_school = self._named(name, fold(school), mine)
        agree = [r for r in same_school if not _differs(r, mine, ("email",))]
        if len(agree) == 1:
            return agree[0], []
        if agree or same_school:
            return None, agree or same_school
        # The same name at another school is another person; one side without a school may be.
        if school:
            return None, self._named(name, "", mine)
        schools = {fold(self.rows[i]["school"]) for i in self._ids("named", name)}
        return None, sorted(
            (r for s in schools if s for r in self._named(name, s, mine)), key=lambda r: r["id"]
        )

    def describe(self, row: dict[str, Any]) -> str:
        details = ", ".join(x for x in (row["badge"], row["school"], row["email"]) if x)
        where = f", line {self.lines[row['id']]}" if row["id"] in self.lines else ""
        return f"{row['first_name']} {row['last_name']} ({details}){where}"


def _differs(row: dict[str, Any], mine: dict[str, str | None], keys: tuple[str, ...]) -> bool:
    for key in keys:
        theirs = row[key].casefold() if key == "email" and row[key] else row[key]
        if mine[key] and theirs and mine[key] != theirs:
            return True
    return False
