"""Import staff lists the way schools export them, and ranked workshop choices with them."""

from __future__ import annotations

import contextlib
import csv
import io
import re
from dataclasses import dataclass, field
from pathlib import Path

import sqlite_utils

from bigconv.data import codes
from bigconv.data.store import immediate, iso, log
from bigconv.data.sync import match_leads
from bigconv.data.text import clean_line

FIELDS = ("first_name", "last_name", "name", "email", "school", "role", "staff_id", "badge")

# Header names seen in school exports, compared after lower-casing and dropping punctuation.
HEADERS: dict[str, tuple[str, ...]] = {
    "first_name": (
        "first name",
        "firstname",
        "forename",
        "forenames",
        "given name",
        "given names",
        "preferred name",
        "legal forename",
    ),
    "last_name": ("surname", "last name", "lastname", "family name", "legal surname"),
    "name": ("name", "full name", "fullname", "staff name", "display name"),
    "email": ("email", "e mail", "email address", "work email", "school email"),
    "school": ("school", "academy", "site", "school name", "establishment", "base", "location"),
    "role": ("role", "job title", "staff type", "position", "post", "job role", "category"),
    "staff_id": (
        "staff id",
        "staffid",
        "staff number",
        "employee id",
        "employee number",
        "payroll number",
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
    for i, h in enumerate(headers):
        key = _header_key(h)
        if i in fields.values() or i in choices.values():
            continue
        for name, aliases in HEADERS.items():
            if key in aliases and name not in fields:
                fields[name] = i
                break
        else:
            m = CHOICE_RE.match(key)
            if m:
                rank = int(m.group(1) or m.group(2))
                choices.setdefault(rank, i)
    return fields, choices


def _split_name(full: str) -> tuple[str, str]:
    if "," in full:  # "O'Brien-Müller, Zoë"
        last, _, first = full.partition(",")
        return first.strip(), last.strip()
    parts = full.split()
    if len(parts) == 1:
        return parts[0], ""
    return " ".join(parts[:-1]), parts[-1]


def _session_lookup(db) -> dict[str, int]:
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
    text = read_text(path)
    try:
        sample = text[:4096]
        dialect = csv.Sniffer().sniff(sample, delimiters=",;\t") if sample.strip() else csv.excel
    except csv.Error:
        dialect = csv.excel
    # The untrusted-text rule (data/text.py): every cell one clean line, whatever the file held.
    rows = [[clean_line(c) for c in row] for row in csv.reader(io.StringIO(text), dialect)]
    if not rows or not any(cell.strip() for cell in rows[0]):
        raise ImportError_(f"{path.name}: empty file, or no header row")
    headers = [h.strip() for h in rows[0]]
    fields, choices = map_columns(headers, overrides or {})
    people = "first_name" in fields or "name" in fields
    ident = [f for f in ("badge", "staff_id", "email") if f in fields]
    if not people and not (ident and choices):
        raise ImportError_(
            f"{path.name}: no name column found (looked for First name/Forename/Given name or Name; "
            f"columns are: {', '.join(headers)}); use --map COLUMN=first_name"
        )
    if people and "first_name" in fields and "last_name" not in fields and "name" not in fields:
        raise ImportError_(
            f"{path.name}: a first-name column but no surname column (looked for Surname/Last name/Family name; "
            f"columns are: {', '.join(headers)}); use --map COLUMN=last_name"
        )
    report = ImportReport(dry_run=dry_run)
    with contextlib.suppress(_DryRun):
        _import_rows(db, rows, fields, choices, people, report, station)
    return report


class _DryRun(Exception):
    """Raised inside the import transaction to roll it back after counting."""


def _import_rows(db, rows, fields, choices, people, report: ImportReport, station: str) -> None:
    with immediate(db):
        sessions = _session_lookup(db)
        seen: dict[str, int] = {}
        now = iso()
        for line, row in enumerate(rows[1:], start=2):
            if not any(cell.strip() for cell in row):
                continue
            cell = {f: (row[i].strip() if i < len(row) else "") for f, i in fields.items()}
            reason = _import_row(
                db, cell, row, choices, sessions, people, seen, line, now, report, station
            )
            if reason:
                report.rejected.append((line, reason))
        if people:
            match_leads(db)
        if report.dry_run:
            raise _DryRun


def _import_row(
    db, cell, row, choices, sessions, people, seen, line, now, report, station
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
    if key and key in seen:
        return f"same person as line {seen[key]} ({key})"
    existing = _find(db, badge, staff_id, email)
    preferences = []
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
            attendee_id = (
                db["attendees"].insert({**record, "source": "import", "created_at": now}).last_pk
            )
            report.imported += 1
            log(db, "attendee_imported", station=station, at=now, attendee_id=attendee_id)
        else:
            attendee_id = existing["id"]
            if badge and badge != existing["badge"]:
                record["badge"] = badge
            # Keep what the new file leaves blank.
            record = {k: v for k, v in record.items() if v}
            if any(existing[k] != v for k, v in record.items()):
                db["attendees"].update(attendee_id, record)
                report.updated += 1
                log(
                    db,
                    "attendee_updated",
                    station=station,
                    at=now,
                    attendee_id=attendee_id,
                    detail=record,
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


def _find(db, badge, staff_id, email) -> dict | None:
    """The existing attendee with this badge, staff ID or (unique) email, if any."""
    for where, value in (
        ("badge = ?", badge),
        ("staff_id = ?", staff_id),
        ("lower(email) = ?", email.casefold()),
    ):
        if value:
            rows = list(db["attendees"].rows_where(where, [value], limit=2))
            if len(rows) == 1:
                return rows[0]
    return None
