"""Import staff lists the way schools export them, and ranked workshop choices with them.

Over 400 lines because a school's export comes in many shapes (encodings, headers, staff codes)
and the identity rule that decides "same person" must see them all in one place.
"""

from __future__ import annotations

import contextlib
import csv
import io
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlite_utils

from bigconv.core import codes
from bigconv.core.clock import iso
from bigconv.core.text import clean_field, clean_line
from bigconv.data.database import immediate, insert
from bigconv.data.log import log
from bigconv.data.search import fold
from bigconv.data.sync import match_leads

FIELDS = ("first_name", "last_name", "name", "email", "school", "role", "staff_id", "badge")

# Header names seen in school exports (SIMS, Arbor, Bromcom staff reports among them), compared
# after lower-casing and dropping punctuation. Earlier names win when a file has several for
# one field: the name a person goes by ("Preferred Forename", "Known As") before the legal one.
HEADERS: dict[str, tuple[str, ...]] = {
    "first_name": (
        "preferred forename",
        "preferred first name",
        "preferred given name",
        "known as",
        "preferred name",
        "first name",
        "firstname",
        "forename",
        "forenames",
        "given name",
        "given names",
        "legal forename",
        "legal forenames",
        "legal first name",
    ),
    "last_name": (
        "preferred surname",
        "preferred last name",
        "surname",
        "last name",
        "lastname",
        "family name",
        "legal surname",
        "legal last name",
    ),
    "name": ("name", "full name", "fullname", "staff name", "display name", "staff member"),
    "email": (
        "work email",
        "work email address",
        "school email",
        "school email address",
        "email",
        "e mail",
        "email address",
        "primary email",
        "personal email",
    ),
    "school": (
        "school",
        "school name",
        "academy",
        "academy name",
        "establishment",
        "establishment name",
        "site",
        "site name",
        "base",
        "location",
    ),
    "role": (
        "role",
        "staff role",
        "job title",
        "post title",
        "post",
        "position",
        "job role",
        "staff type",
        "staff category",
        "category",
    ),
    "staff_id": (
        "staff id",
        "staffid",
        "staff code",
        "staff number",
        "staff no",
        "employee id",
        "employee number",
        "employee no",
        "payroll number",
        "payroll no",
        "person id",
        "id",
    ),
    "badge": ("badge", "badge code", "badge id"),
}
CHOICE_RE = re.compile(
    r"^(?:choice|preference|pref|workshop|option)\s*(\d+)$|^(\d+)(?:st|nd|rd|th)?\s*(?:choice|preference)$"
)


class ImportError_(Exception):
    """The file cannot be imported at all (unreadable, no usable columns); nothing was changed."""


@dataclass
class ImportReport:
    imported: int = 0
    updated: int = 0
    unchanged: int = 0
    preferences: int = 0
    rejected: list[tuple[int, str]] = field(default_factory=list)
    # (line, "possible duplicate of ..."): rows that might be someone already known, not added
    possible_duplicates: list[tuple[int, str]] = field(default_factory=list)
    dry_run: bool = False


def read_text(path: Path) -> str:
    """Decode UTF-8 (with or without a BOM), else Windows-1252 as Excel saves it."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ImportError_(f"{path.name}: cannot read: {exc.strerror}") from None
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    return raw.decode("latin-1")


def _header_key(text: str) -> str:
    return " ".join(re.sub(r"[^a-z0-9]+", " ", text.casefold()).split())


def map_columns(
    headers: list[str], overrides: dict[str, str]
) -> tuple[dict[str, int], dict[int, int]]:
    """Field -> column index, and choice rank -> column index."""
    fields: dict[str, int] = {}
    choices: dict[int, int] = {}
    by_key = {_header_key(h): i for i, h in enumerate(headers)}
    for column, target in overrides.items():
        if _header_key(column) not in by_key:
            raise ImportError_(
                f"--map {column}={target}: no column {column!r} (columns: {', '.join(headers)})"
            )
        index = by_key[_header_key(column)]
        m = re.fullmatch(r"choice(\d+)", target)
        if m:
            choices[int(m.group(1))] = index
        elif target in FIELDS:
            fields[target] = index
        else:
            raise ImportError_(
                f"--map {column}={target}: unknown field {target!r} (fields: {', '.join(FIELDS)}, choice1, choice2, ...)"
            )
    best: dict[str, tuple[int, int]] = {}  # field -> (alias priority, column)
    for i, h in enumerate(headers):
        key = _header_key(h)
        if i in fields.values() or i in choices.values():
            continue
        for name, aliases in HEADERS.items():
            if key in aliases:
                if name not in fields and (name not in best or aliases.index(key) < best[name][0]):
                    best[name] = (aliases.index(key), i)
                break
        else:
            m = CHOICE_RE.match(key)
            if m:
                rank = int(m.group(1) or m.group(2))
                choices.setdefault(rank, i)
    fields.update({name: column for name, (_, column) in best.items()})
    return fields, choices


def describe_columns(headers: list[str], fields: dict[str, int], choices: dict[int, int]) -> str:
    """Which columns were read as which field, and which were not used, for error messages."""
    used = {i: f for f, i in fields.items()} | {i: f"choice{r}" for r, i in choices.items()}
    matched = [f"{headers[i]!r} as {used[i]}" for i in sorted(used)]
    unused = [repr(h) for i, h in enumerate(headers) if i not in used and h]
    return f"columns read: {', '.join(matched) or 'none'}; not used: {', '.join(unused) or 'none'}"


def _split_name(full: str) -> tuple[str, str]:
    if "," in full:  # "O'Brien-Müller, Zoë"
        last, _, first = full.partition(",")
        return first.strip(), last.strip()
    parts = full.split()
    if len(parts) == 1:
        return parts[0], ""
    return " ".join(parts[:-1]), parts[-1]


def _session_lookup(db: sqlite_utils.Database) -> dict[str, int]:
    """Code or title (case-insensitive) -> session id; a repeated workshop's title -> its first run."""
    out: dict[str, int] = {}
    rows = db.execute(
        "SELECT s.id, s.code, s.title FROM sessions s JOIN slots t ON t.id = s.slot_id ORDER BY t.starts_at, s.position"
    ).fetchall()
    for sid, _code, title in rows:
        out.setdefault(" ".join(title.casefold().split()), sid)
    for sid, code, _ in rows:
        out[code.upper()] = sid
    return out


def import_csv(
    db: sqlite_utils.Database,
    path: Path,
    *,
    overrides: dict[str, str] | None = None,
    dry_run: bool = False,
    station: str = "import",
) -> ImportReport:
    """Import people (and their choices) or a choices-only file; re-imports update, never duplicate."""
    station = clean_field(station, one_line=True)  # typed by someone: the text rule
    text = read_text(path)
    try:
        sample = text[:4096]
        dialect = csv.Sniffer().sniff(sample, delimiters=",;\t") if sample.strip() else csv.excel
    except csv.Error:
        dialect = csv.excel
    # The untrusted-text rule (core/text.py): every cell one clean line, whatever the file held.
    rows = [[clean_line(c) for c in row] for row in csv.reader(io.StringIO(text), dialect)]
    if not rows or not any(cell.strip() for cell in rows[0]):
        raise ImportError_(f"{path.name}: empty file, or no header row")
    headers = [h.strip() for h in rows[0]]
    fields, choices = map_columns(headers, overrides or {})
    people = "first_name" in fields or "name" in fields
    ident = [f for f in ("badge", "staff_id", "email") if f in fields]
    if not people and not (ident and choices):
        raise ImportError_(
            f"{path.name}: no name column found (looked for Preferred Forename/Known As/"
            f"First name/Forename/Legal Forename/Given name or Name; "
            f"{describe_columns(headers, fields, choices)}); use --map COLUMN=first_name"
        )
    if people and "first_name" in fields and "last_name" not in fields and "name" not in fields:
        raise ImportError_(
            f"{path.name}: a first-name column but no surname column (looked for Preferred "
            f"Surname/Surname/Last name/Family name/Legal Surname; "
            f"{describe_columns(headers, fields, choices)}); use --map COLUMN=last_name"
        )
    report = ImportReport(dry_run=dry_run)
    with contextlib.suppress(_DryRun):
        _import_rows(
            db, rows, fields, choices, people, report, station, _fallbacks(headers, fields)
        )
    return report


class _DryRun(Exception):
    """Raised inside the import transaction to roll it back after counting."""


def _fallbacks(headers: list[str], fields: dict[str, int]) -> dict[str, list[int]]:
    """For each field, the other columns that could be it, best first: a blank "Known As"
    falls back to "Forename", then "Legal Forename"."""
    out: dict[str, list[int]] = {}
    for name, column in fields.items():
        aliases = HEADERS.get(name, ())
        others = [
            (aliases.index(_header_key(h)), i)
            for i, h in enumerate(headers)
            if i != column and _header_key(h) in aliases and i not in fields.values()
        ]
        if others:
            out[name] = [i for _, i in sorted(others)]
    return out


def _cells(
    row: list[str], fields: dict[str, int], fallbacks: dict[str, list[int]]
) -> dict[str, str]:
    def get(i: int) -> str:
        return row[i].strip() if i < len(row) else ""

    cell = {f: get(i) for f, i in fields.items()}
    for f, columns in fallbacks.items():
        for i in columns:
            if cell[f]:
                break
            cell[f] = get(i)
    return cell


def _import_rows(
    db: sqlite_utils.Database,
    rows: list[list[str]],
    fields: dict[str, int],
    choices: dict[int, int],
    people: bool,
    report: ImportReport,
    station: str,
    fallbacks: dict[str, list[int]] | None = None,
) -> None:
    with immediate(db):
        sessions = _session_lookup(db)
        seen: dict[str, int] = {}
        names = _NameIndex(db)
        now = iso()
        for line, row in enumerate(rows[1:], start=2):
            if not any(cell.strip() for cell in row):
                continue
            cell = _cells(row, fields, fallbacks or {})
            reason = _import_row(
                db, cell, row, choices, sessions, people, seen, names, line, now, report, station
            )
            if reason:
                report.rejected.append((line, reason))
        if people:
            match_leads(db)
        if report.dry_run:
            raise _DryRun


def _import_row(
    db: sqlite_utils.Database,
    cell: dict[str, str],
    row: list[str],
    choices: dict[int, int],
    sessions: dict[str, int],
    people: bool,
    seen: dict[str, int],
    names: _NameIndex,
    line: int,
    now: str,
    report: ImportReport,
    station: str,
) -> str | None:
    if people:
        first, last = cell.get("first_name", ""), cell.get("last_name", "")
        if not first and cell.get("name"):
            first, last = _split_name(cell["name"])
        if not first:
            return "no first name"
    email = cell.get("email", "").strip()
    if email and not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", email):
        return f"not an email address: {email!r}"
    badge = codes.normalise_code(cell.get("badge", "")) or None
    if badge and not re.fullmatch(r"[A-Z0-9]{3,20}", badge):
        return f"badge {cell['badge']!r} must be 3-20 letters and digits"
    staff_id = cell.get("staff_id") or None
    key = badge or staff_id or email.casefold() or None
    if key is None and people:  # no identifier at all: the name and school are the identity
        key = f"{fold(first)} {fold(last)} @ {fold(cell.get('school', ''))}"
    if key and key in seen:
        return f"same person as line {seen[key]} ({key})"
    existing = _find(db, badge, staff_id, email)
    if existing is None and people:
        existing, doubt = names.identify(
            first, last, cell.get("school", ""), badge, staff_id, email
        )
        if doubt:
            report.possible_duplicates.append((line, doubt))
            return None
    preferences: list[tuple[int, int]] = []
    for rank in sorted(choices):
        value = row[choices[rank]].strip() if choices[rank] < len(row) else ""
        if not value:
            continue
        sid = sessions.get(value.upper()) or sessions.get(" ".join(value.casefold().split()))
        if sid is None:
            return f"choice {rank}: no session with code or title {value!r}"
        if sid in [p[1] for p in preferences]:
            return f"choice {rank}: {value!r} is already an earlier choice"
        preferences.append((rank, sid))
    if not people:
        if existing is None:
            return f"no attendee with {' / '.join(x for x in (badge, staff_id, email) if x)}"
        attendee_id = existing["id"]
    else:
        record = {
            "first_name": first,
            "last_name": last,
            "email": email,
            "school": cell.get("school", ""),
            "role": cell.get("role", ""),
            "staff_id": staff_id,
        }
        if existing is None:
            record["badge"] = badge or codes.badge_code(
                lambda c: (
                    db.execute("SELECT 1 FROM attendees WHERE badge = ?", [c]).fetchone()
                    is not None
                ),
            )
            if db.execute("SELECT 1 FROM attendees WHERE badge = ?", [record["badge"]]).fetchone():
                return f"badge {record['badge']} already belongs to someone else"
            attendee_id = insert(db, "attendees", {**record, "source": "import", "created_at": now})
            names.add(attendee_id, line)
            report.imported += 1
            log(db, "attendee_imported", station=station, at=now, attendee_id=attendee_id)
        else:
            attendee_id = existing["id"]
            if badge and badge != existing["badge"]:
                record["badge"] = badge
            # Keep what the new file leaves blank.
            record = {k: v for k, v in record.items() if v}
            if any(existing[k] != v for k, v in record.items()):
                db.table("attendees").update(attendee_id, record)
                report.updated += 1
                was = {k: existing[k] for k, v in record.items() if existing[k] != v}
                log(
                    db,
                    "attendee_updated",
                    station=station,
                    at=now,
                    attendee_id=attendee_id,
                    detail={**record, "was": was},  # the old values stay in the log
                )
            else:
                report.unchanged += 1
    if key:
        seen[key] = line
    current = db.execute(
        "SELECT rank, session_id FROM preferences WHERE attendee_id = ? ORDER BY rank",
        [attendee_id],
    ).fetchall()
    if preferences and [tuple(p) for p in current] != preferences:
        if current:  # the old choices are kept, with when and why
            db.execute(
                "INSERT INTO preferences_replaced"
                " (attendee_id, session_id, rank, replaced_at, reason, station)"
                " SELECT attendee_id, session_id, rank, ?, 'new choices imported', ?"
                " FROM preferences WHERE attendee_id = ?",
                [now, station, attendee_id],
            )
            log(
                db,
                "preferences_replaced",
                station=station,
                at=now,
                attendee_id=attendee_id,
                detail={"old": [sid for _, sid in current], "new": [sid for _, sid in preferences]},
            )
        db.execute("DELETE FROM preferences WHERE attendee_id = ?", [attendee_id])
        for rank, sid in preferences:
            db.execute(
                "INSERT INTO preferences (attendee_id, session_id, rank) VALUES (?, ?, ?)",
                [attendee_id, sid, rank],
            )
        report.preferences += 1
        if not people:
            report.updated += 1
    return None


def known_as(
    db: sqlite_utils.Database,
    *,
    first_name: str,
    last_name: str,
    school: str = "",
    email: str = "",
    staff_id: str | None = None,
    badge: str | None = None,
) -> list[int]:
    """Who already registered these details are, by the import's identity rule: the id of the
    one they are (the same badge, staff ID or email; or the same name and school, nothing saying
    otherwise), else the ids of those they may be (the same name, same or no school), else none."""
    found = _find(db, badge, staff_id, email)
    if found is None:
        found, near = _NameIndex(db).candidates(
            first_name, last_name, school, badge, staff_id, email
        )
        if found is None:
            return [row["id"] for row in near]
    return [found["id"]]


def _find(
    db: sqlite_utils.Database, badge: str | None, staff_id: str | None, email: str
) -> dict[str, Any] | None:
    """The existing attendee with this badge, staff ID or (unique) email, if any."""
    for where, value in (
        ("badge = ?", badge),
        ("staff_id = ?", staff_id),
        ("lower(email) = ?", email.casefold()),
    ):
        if value:
            rows = list(db.table("attendees").rows_where(where, [value], limit=2))
            if len(rows) == 1:
                return rows[0]
    return None


class _NameIndex:
    """Attendees by folded full name, to tell whether a row without a matching badge, staff ID
    or email is someone already known (same name and school) or only might be."""

    def __init__(self, db: sqlite_utils.Database):
        self.db = db
        self._by_name: dict[str, list[int]] | None = None  # read when first needed
        self.lines: dict[int, int] = {}  # attendee id -> line of this file that added them

    @property
    def by_name(self) -> dict[str, list[int]]:
        if self._by_name is None:
            self._by_name = {}
            for aid, first, last in self.db.execute(
                "SELECT id, first_name, last_name FROM attendees"
            ):
                self._by_name.setdefault(_full(first, last), []).append(aid)
        return self._by_name

    def add(self, attendee_id: int, line: int) -> None:
        self.lines[attendee_id] = line
        if self._by_name is None:
            return  # the first read will find them in the table
        row = self.db.execute(
            "SELECT first_name, last_name FROM attendees WHERE id = ?", [attendee_id]
        ).fetchone()
        self._by_name.setdefault(_full(*row), []).append(attendee_id)

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
        ids = self.by_name.get(_full(first, last), [])
        if not ids:
            return None, []
        marks = ", ".join("?" for _ in ids)
        rows = list(self.db.table("attendees").rows_where(f"id IN ({marks})", ids, order_by="id"))
        mine = {"badge": badge, "staff_id": staff_id, "email": email.casefold() or None}
        # A different badge or staff ID on both sides: certainly someone else.
        rows = [r for r in rows if not _differs(r, mine, ("badge", "staff_id"))]
        if not rows:
            return None, []
        same_school = [r for r in rows if fold(r["school"]) == fold(school)]
        agree = [r for r in same_school if not _differs(r, mine, ("email",))]
        if len(agree) == 1:
            return agree[0], []
        # Empty: the same name at another school, another person.
        return None, agree or same_school or [r for r in rows if not r["school"] or not school]

    def describe(self, row: dict[str, Any]) -> str:
        details = ", ".join(x for x in (row["badge"], row["school"], row["email"]) if x)
        where = f", line {self.lines[row['id']]}" if row["id"] in self.lines else ""
        return f"{row['first_name']} {row['last_name']} ({details}){where}"


def _full(first: str, last: str) -> str:
    return fold(f"{first} {last}")


def _differs(row: dict[str, Any], mine: dict[str, str | None], keys: tuple[str, ...]) -> bool:
    for key in keys:
        theirs = row[key].casefold() if key == "email" and row[key] else row[key]
        if mine[key] and theirs and mine[key] != theirs:
            return True
    return False
