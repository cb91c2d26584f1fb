"""Import staff lists the way schools export them, and ranked workshop choices with them.

How an import runs, so that the phones and the desks keep writing while it does:

1. The file is read whole (`staff_file.read_table`: encoding, separator, line ends, the text
   rule): a file that cannot be read is refused before the database is touched.
2. The people and choices known are read once, in one read transaction (no lock: WAL readers
   never stop a writer), and every row is matched and checked in memory (`staff_identity`):
   rejected rows, possible duplicates and new badge codes are all known before the first write.
   Each lookup is a dictionary's, so the cost grows with the file, not with its square.
3. What the rows change is written in short transactions of `BATCH_ROWS` rows each
   (`database.immediate`, about 5 ms), each followed by a pause as long as it held the lock
   (at most 50 ms):
   SQLite's busy handler makes a waiting writer sleep between looks (1 ms at first, up to
   100 ms), so without pauses the next batch would always come first. Before each batch, under
   the lock, the attendees' version (`meta.attendees_version`, kept by triggers) must be what
   the last batch left: if another program added or changed someone meanwhile (a walk-in), the
   rows not yet written are matched again against the table as it now is, so nobody is
   imported twice.
4. Sessions' leads are linked to the people now known: worked out before the lock, written
   in one more short transaction (`_link_leads`).

All or nothing to the user: whatever a row can get wrong is found in steps 1 and 2, so a bad
file changes nothing. Only the machine can stop step 3 half-way (a full disk, a power cut, the
file restored under it, another program holding the write lock past the busy timeout): then the rows before stay in and the message says so; importing the
same file again finishes it, since a re-import updates and never duplicates.

Over 400 lines because the three steps share one plan (`_Action`, `_Planner`) that must stay
in step: the file is read in `staff_file.py` and who is who decided in `staff_identity.py`.
"""

from __future__ import annotations

import re
import sqlite3
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlite_utils

from bigconv.core import codes
from bigconv.core.clock import iso
from bigconv.core.errors import StoreError
from bigconv.core.text import clean_field
from bigconv.data.database import describe, immediate, row_id
from bigconv.data.log import log
from bigconv.data.staff_file import ImportError_ as ImportError_
from bigconv.data.staff_file import StaffTable, cells, describe_columns, fallbacks, read_table
from bigconv.data.staff_file import map_columns as map_columns
from bigconv.data.staff_identity import People, fold, school_codes
from bigconv.data.sync import set_leads, wanted_leads

BATCH_ROWS = 100  # rows written per transaction: about 5 ms of the write lock
EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
UPDATABLE = ("first_name", "last_name", "email", "school", "role", "staff_id", "badge")


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


@dataclass
class _Action:
    """What one row of the file does: planned in memory, written later."""

    line: int
    kind: str  # insert, update, unchanged, choices (a choices-only row), reject, doubt
    reason: str = ""  # why rejected, or who it might be
    attendee_id: int = 0  # the person (for an insert: a number of the plan's own until written)
    record: dict[str, Any] = field(default_factory=dict)  # insert: the row; update: what is set
    was: dict[str, Any] = field(default_factory=dict)  # update: the values replaced
    preferences: list[tuple[int, int]] | None = None  # new (rank, session) choices, if changed
    current: list[tuple[int, int]] = field(default_factory=list)  # the choices they replace

    @property
    def writes(self) -> bool:
        return self.kind in ("insert", "update") or self.preferences is not None


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


@dataclass
class _Columns:
    """How the file's columns are read."""

    fields: dict[str, int]
    choices: dict[int, int]
    fallbacks: dict[str, list[int]]
    people: bool  # names in it (else a choices-only file)
    school_codes: bool  # its staff IDs are school staff codes (staff_identity.school_codes)


def _columns(path: Path, table: StaffTable, overrides: dict[str, str]) -> _Columns:
    headers = table.headers
    fields, choices = map_columns(headers, overrides)
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
    backup = fallbacks(headers, fields)
    staff = (cells(row, fields, backup).get("staff_id", "") for _, row in table.rows)
    return _Columns(fields, choices, backup, people, school_codes(staff, "school" in fields))


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
    table = read_table(path)
    columns = _columns(path, table, overrides or {})
    now = iso()
    plan, version = _plan(db, table, columns)
    if not dry_run:
        plan, version = _write(db, path, table, columns, plan, version, station, now)
        if columns.people:
            _link_leads(db, version)
    return _report(plan, dry_run)


def _link_leads(db: sqlite_utils.Database, version: str) -> None:
    """Sessions' leads linked to the people now known: worked out before the lock (it reads
    everyone), written under it unless someone else changed the attendees meanwhile."""
    for _ in range(3):
        wanted = wanted_leads(db)
        with immediate(db):
            if _attendees_version(db) == version:
                set_leads(db, wanted)
                return
            version = _attendees_version(db)
    with immediate(db):  # the attendees keep changing: work it out under the lock, once
        set_leads(db, wanted_leads(db))


def _report(plan: list[_Action], dry_run: bool) -> ImportReport:
    report = ImportReport(dry_run=dry_run)
    for action in plan:
        if action.kind == "reject":
            report.rejected.append((action.line, action.reason))
        elif action.kind == "doubt":
            report.possible_duplicates.append((action.line, action.reason))
        elif action.kind == "insert":
            report.imported += 1
        elif action.kind == "update" or (action.kind == "choices" and action.preferences):
            report.updated += 1
        elif action.kind == "unchanged":
            report.unchanged += 1
        if action.preferences is not None:
            report.preferences += 1
    return report


def _attendees_version(db: sqlite_utils.Database) -> str:
    row = db.execute("SELECT value FROM meta WHERE key = 'attendees_version'").fetchone()
    return str(row[0]) if row else ""


def _plan(
    db: sqlite_utils.Database, table: StaffTable, columns: _Columns
) -> tuple[list[_Action], str]:
    """Every row's action, against the table as one read transaction sees it; and the
    attendees' version that reading saw."""
    inside = db.conn.in_transaction  # init imports inside its own transaction
    if not inside:
        db.conn.execute("BEGIN")  # one snapshot for the reads (a reader takes no lock)
    try:
        version = _attendees_version(db)
        sessions = _session_lookup(db)
        known = People.read(db, school_codes=columns.school_codes)
        chosen: dict[int, list[tuple[int, int]]] = {}
        for aid, rank, sid in db.execute(
            "SELECT attendee_id, rank, session_id FROM preferences ORDER BY attendee_id, rank"
        ):
            chosen.setdefault(aid, []).append((rank, sid))
    finally:
        if not inside:
            db.conn.execute("COMMIT")
    planner = _Planner(columns, sessions, known, chosen)
    return [planner.row(line, row) for line, row in table.rows], version


class _Planner:
    """Decides each row's action, in file order, remembering what earlier rows did."""

    def __init__(
        self,
        columns: _Columns,
        sessions: dict[str, int],
        known: People,
        chosen: dict[int, list[tuple[int, int]]],
    ):
        self.columns, self.sessions, self.known, self.chosen = columns, sessions, known, chosen
        self.seen: dict[str, int] = {}  # identity key -> the line that had it
        self.next_id = -1  # planned people's own numbers, until written

    def row(self, line: int, row: list[str]) -> _Action:
        reason = ""
        try:
            return self._row(line, row)
        except _Rejected as exc:
            reason = str(exc)
        return _Action(line, "reject", reason)

    def _row(self, line: int, row: list[str]) -> _Action:
        columns, cell = self.columns, cells(row, self.columns.fields, self.columns.fallbacks)
        first = last = ""
        if columns.people:
            first, last = cell.get("first_name", ""), cell.get("last_name", "")
            if not first and cell.get("name"):
                first, last = _split_name(cell["name"])
            if not first:
                raise _Rejected("no first name")
        email, school = cell.get("email", "").strip(), cell.get("school", "")
        if email and not EMAIL.fullmatch(email):
            raise _Rejected(f"not an email address: {email!r}")
        badge = codes.normalise_code(cell.get("badge", "")) or None
        if badge and not re.fullmatch(r"[A-Z0-9]{3,20}", badge):
            raise _Rejected(f"badge {cell['badge']!r} must be 3-20 letters and digits")
        staff_id = cell.get("staff_id") or None
        key, label = self._key(badge, staff_id, email, first, last, school)
        if key and key in self.seen:
            raise _Rejected(f"same person as line {self.seen[key]} ({label})")
        existing = self.known.find(badge, staff_id, school, email)
        if existing is None and columns.people:
            existing, doubt = self.known.identify(first, last, school, badge, staff_id, email)
            if doubt:
                return _Action(line, "doubt", doubt)
        preferences = self._choices(row)
        if not columns.people:
            if existing is None:
                found = " / ".join(x for x in (badge, staff_id, email) if x)
                raise _Rejected(f"no attendee with {found}")
            action = _Action(line, "choices", attendee_id=existing["id"])
        else:
            record = {
                "first_name": first,
                "last_name": last,
                "email": email,
                "school": school,
                "role": cell.get("role", ""),
                "staff_id": staff_id,
            }
            action = self._person(line, record, badge, existing)
        if key:
            self.seen[key] = line
        current = self.chosen.get(action.attendee_id, [])
        if preferences and current != preferences:
            action.preferences, action.current = preferences, current
            self.chosen[action.attendee_id] = preferences
        return action

    def _key(
        self,
        badge: str | None,
        staff_id: str | None,
        email: str,
        first: str,
        last: str,
        school: str,
    ) -> tuple[str | None, str]:
        """The row's identity within the file, and how a message names it."""
        if badge:
            return badge, badge
        if staff_id:
            if self.columns.school_codes:
                return f"{staff_id} @ {fold(school)}", f"{staff_id} at {school}"
            return staff_id, staff_id
        if email:
            return email.casefold(), email.casefold()
        if self.columns.people:  # no identifier at all: the name and school are the identity
            key = f"{fold(first)} {fold(last)} @ {fold(school)}"
            return key, key
        return None, ""

    def _choices(self, row: list[str]) -> list[tuple[int, int]]:
        preferences: list[tuple[int, int]] = []
        for rank in sorted(self.columns.choices):
            column = self.columns.choices[rank]
            value = row[column].strip() if column < len(row) else ""
            if not value:
                continue
            sid = self.sessions.get(value.upper()) or self.sessions.get(
                " ".join(value.casefold().split())
            )
            if sid is None:
                raise _Rejected(f"choice {rank}: no session with code or title {value!r}")
            if sid in [p[1] for p in preferences]:
                raise _Rejected(f"choice {rank}: {value!r} is already an earlier choice")
            preferences.append((rank, sid))
        return preferences

    def _person(
        self,
        line: int,
        record: dict[str, Any],
        badge: str | None,
        existing: dict[str, Any] | None,
    ) -> _Action:
        known = self.known
        if existing is None:
            if badge and known.badge_taken(badge):
                raise _Rejected(f"badge {badge} already belongs to someone else")
            record["badge"] = badge or codes.badge_code(known.badge_taken)
            attendee_id, self.next_id = self.next_id, self.next_id - 1
            known.put({"id": attendee_id, **record}, line)
            return _Action(line, "insert", attendee_id=attendee_id, record=record)
        if badge and badge != existing["badge"]:
            record["badge"] = badge
        record = {k: v for k, v in record.items() if v}  # keep what the new file leaves blank
        was = {k: existing[k] for k, v in record.items() if existing[k] != v}
        if not was:
            return _Action(line, "unchanged", attendee_id=existing["id"])
        known.put({**known.drop(existing["id"]), **record})
        return _Action(line, "update", attendee_id=existing["id"], record=record, was=was)


class _Rejected(Exception):
    """Why a row is not imported (its line is added by the planner)."""


class _Moved(Exception):
    """Another program changed the attendees since they were read: match the rest again."""


def _write(
    db: sqlite_utils.Database,
    path: Path,
    table: StaffTable,
    columns: _Columns,
    plan: list[_Action],
    version: str,
    station: str,
    now: str,
) -> tuple[list[_Action], str]:
    """Write the plan in batches; returns each row's action as done (some matched again) and
    the attendees' version the last batch left."""
    done: dict[int, _Action] = {}  # line -> action written
    while True:
        todo = [a for a in plan if a.writes and a.line not in done]
        try:
            version = _write_batches(db, todo, version, station, now, done)
            break
        except _Moved:
            fresh, version = _plan(db, table, columns)
            plan = [done.get(a.line, a) for a in fresh]
        except (sqlite3.Error, StoreError) as exc:
            if not done:
                raise  # nothing was written: the error as it is
            total = sum(a.writes for a in plan)
            why = describe(exc) if isinstance(exc, sqlite3.Error) else str(exc)
            raise StoreError(
                f"{path.name}: stopped after {len(done)} of {total} rows were saved ({why}); "
                "import the same file again to finish (a re-import updates, never duplicates)"
            ) from None
    return [done.get(a.line, a) for a in plan], version


def _write_batches(
    db: sqlite_utils.Database,
    todo: list[_Action],
    version: str,
    station: str,
    now: str,
    done: dict[int, _Action],
) -> str:
    for start in range(0, len(todo), BATCH_ROWS):
        began = time.perf_counter()
        with immediate(db):
            if _attendees_version(db) != version:
                raise _Moved
            for action in todo[start : start + BATCH_ROWS]:
                _apply(db, action, station, now)
            version = _attendees_version(db)
        done.update((a.line, a) for a in todo[start : start + BATCH_ROWS])
        if not db.conn.in_transaction:  # (init imports inside its own transaction)
            # SQLite lets a waiting writer look again only after a sleep (1 to 100 ms): leave
            # the lock free as long as the batch held it, so a look finds it free half the time.
            time.sleep(min(time.perf_counter() - began, 0.05))
    return version


def _apply(db: sqlite_utils.Database, action: _Action, station: str, now: str) -> None:
    if action.kind == "insert":
        row = {**action.record, "source": "import", "created_at": now}
        names = ", ".join(row)
        marks = ", ".join("?" for _ in row)
        cursor = db.execute(f"INSERT INTO attendees ({names}) VALUES ({marks})", list(row.values()))
        action.attendee_id = row_id(cursor.lastrowid, "attendees")
        log(db, "attendee_imported", station=station, at=now, attendee_id=action.attendee_id)
    elif action.kind == "update":
        assigns = ", ".join(f"{k} = ?" for k in action.record if k in UPDATABLE)
        values = [v for k, v in action.record.items() if k in UPDATABLE]
        db.execute(f"UPDATE attendees SET {assigns} WHERE id = ?", [*values, action.attendee_id])
        log(
            db,
            "attendee_updated",
            station=station,
            at=now,
            attendee_id=action.attendee_id,
            detail={**action.record, "was": action.was},  # the old values stay in the log
        )
    if action.preferences is not None:
        _replace_choices(db, action, station, now)


def _replace_choices(db: sqlite_utils.Database, action: _Action, station: str, now: str) -> None:
    attendee_id, current = action.attendee_id, action.current
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
            detail={
                "old": [sid for _, sid in current],
                "new": [sid for _, sid in action.preferences or []],
            },
        )
    db.execute("DELETE FROM preferences WHERE attendee_id = ?", [attendee_id])
    db.conn.executemany(
        "INSERT INTO preferences (attendee_id, session_id, rank) VALUES (?, ?, ?)",
        [(attendee_id, sid, rank) for rank, sid in action.preferences or []],
    )


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
    known = People.around(db, first_name, last_name, badge, staff_id, email)
    found = known.find(badge, staff_id, school, email)
    if found is None:
        found, near = known.candidates(first_name, last_name, school, badge, staff_id, email)
        if found is None:
            return [row["id"] for row in near]
    return [found["id"]]
