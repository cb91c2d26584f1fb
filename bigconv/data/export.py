"""The tables and views organisers need, as CSV files that spreadsheets open correctly.

Ids stay (scripts join on them), but for the phones' device ids (a code per file instead,
`phone_code`), and beside them each file carries what a person opening it in Excel needs: the
attendee's name and school beside `attendee_id`, the session's code, title and room beside
`session_id`, the room's name beside `room_id`, and each stored UTC time again in the event's
local time (`at_local` beside `at`).
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import zoneinfo
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlite_utils

from bigconv.core.clock import parse_iso
from bigconv.core.text import clean, for_spreadsheet
from bigconv.data.meta import get_meta
from bigconv.data.passcode import SECRET_META

# What organisers get, one CSV each: the day's records, as the README's table of the
# schema describes them. A table or view that is neither here nor in INTERNAL fails a test,
# so a new one is a decision, not an accident.
EXPORTED = frozenset(
    {
        "rooms",
        "slots",
        "sessions",
        "session_leads",
        "attendees",
        "preferences",
        "preferences_replaced",
        "allocations",
        "allocations_replaced",
        "checkins",
        "checkin_records",
        "attendance",
        "attendance_records",
        "reactions",
        "reaction_kinds",
        "reaction_totals",
        "feedback",
        "commitments",
        "personal_links",
        "followup_rounds",
        "followup_answers",
        "barriers_addressed",
        "log",
        "meta",  # without the secret rows (`_write`)
    }
)

# What stays in the file (CSVs get shared, and these mean nothing in a spreadsheet), and why.
INTERNAL = {
    "_sqlite_migrations": "the schema steps applied to this file",
    "reaction_devices": "each phone's first tap per kind, kept for the figures (device ids)",
    "reaction_minutes": "per-minute tallies kept for the charts; reactions.csv has every tap",
    "reaction_minute_devices": "each phone once per minute, kept for the charts (device ids)",
    "link_devices": "which phone opened whose link: beside feedback.csv it would name the "
    "anonymous feedback's authors",
    "staff_sessions": "logins to the staff stations (their ids and addresses)",
    "places_expected": "the screens' rule for whom a session still expects, worked out from "
    "allocations.csv and attendance.csv",
    "write_keys": "each phone's device id beside the keys it retried with",
}


@dataclass(frozen=True)
class Exported:
    name: str
    path: Path
    rows: int


def exportable(db: sqlite_utils.Database) -> list[str]:
    """The tables, then the views, organisers get a CSV of (`EXPORTED`) that this file has."""
    tables = [t for t in db.table_names() if t in EXPORTED]
    return sorted(tables) + sorted(v for v in db.view_names() if v in EXPORTED)


def write_rows(path: str | Path, columns: Iterable[str], rows: Iterable[Iterable[object]]) -> int:
    """A CSV that Excel opens correctly (UTF-8 with BOM), every cell through `text.for_spreadsheet`;
    returns the number of rows written (the header not counted)."""
    count = 0
    with Path(path).open("w", encoding="utf-8-sig", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(columns)
        for row in rows:
            writer.writerow([for_spreadsheet(v) for v in row])
            count += 1
    return count


def plain_cell(value: object) -> object:
    """`--raw`: formulas left as they are, but never a control character or bidi override."""
    return clean(value) if isinstance(value, str) else value


def export_csv(
    db: sqlite_utils.Database,
    out_dir: str | Path,
    *,
    raw: bool = False,
    tz: dt.tzinfo | None = None,
) -> list[Exported]:
    """Write one UTF-8 (with BOM) CSV per table and view, all from one read snapshot; local
    times in `tz`, else the event's time zone as stored."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    done = []
    # One read transaction: every file shows the same moment, while stations keep writing.
    db.execute("BEGIN")
    try:
        readable = Readable(db, tz or _event_tz(db))
        for name in exportable(db):
            path = out_dir / f"{name}.csv"
            done.append(Exported(name, path, _write(db, name, path, raw, readable)))
    finally:
        db.execute("COMMIT")
    return done


def _event_tz(db: sqlite_utils.Database) -> dt.tzinfo:
    try:
        return zoneinfo.ZoneInfo(get_meta(db, "timezone") or "UTC")
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return dt.UTC


# (column index, the columns added after it, a cell's value -> the added cells)
Extra = tuple[int, list[str], Callable[[Any], list[str]]]


class Readable:
    """The columns added beside ids and UTC times, read once per export."""

    def __init__(self, db: sqlite_utils.Database, tz: dt.tzinfo):
        self.tz = tz
        self.people = {
            r[0]: (f"{r[1]} {r[2]}".strip(), r[3])
            for r in db.execute("SELECT id, first_name, last_name, school FROM attendees")
        }
        self.sessions = {
            r[0]: tuple(r[1:])
            for r in db.execute(
                "SELECT s.id, s.code, s.title, r.name FROM sessions s"
                " JOIN rooms r ON r.id = s.room_id"
            )
        }
        self.rooms = {r[0]: r[1] for r in db.execute("SELECT id, name FROM rooms")}

    def extras(self, columns: list[str]) -> list[Extra]:
        """(column index, added column names, value -> added values) for each column that
        gets readable company."""
        out: list[Extra] = []
        for i, column in enumerate(columns):
            if column == "attendee_id":
                out.append((i, ["attendee_name", "attendee_school"], self._person))
            elif column == "session_id":
                names = ["session_code", "session_title", "session_room"]
                out.append((i, names, self._session))
            elif column == "room_id":
                out.append((i, ["room_name"], lambda v: [self.rooms.get(v, "")]))
            elif column == "at" or column.endswith("_at"):
                out.append((i, [f"{column}_local"], self._local))
        return out

    def _person(self, value: Any) -> list[str]:
        return list(self.people.get(value, ("", "")))

    def _session(self, value: Any) -> list[str]:
        return list(self.sessions.get(value, ("", "", "")))

    def _local(self, value: Any) -> list[str]:
        if not isinstance(value, str) or not value:
            return [""]
        try:
            moment = parse_iso(value)
        except ValueError:
            return [""]
        if moment.tzinfo is None:
            return [""]
        return [f"{moment.astimezone(self.tz):%Y-%m-%d %H:%M:%S}"]


def phone_code(table: str, device: object) -> object:
    """A phone's code in `table`'s CSV: the same for its rows in that file, another in any
    other file, and never its device id. commitments.csv names who made a commitment from a
    phone; with the ids themselves it would name who sent that phone's anonymous feedback.
    The ids are random (a cookie), so a code cannot be traced back or matched across files."""
    if not isinstance(device, str) or not device:
        return device
    return hashlib.sha256(f"{table}\0{device}".encode()).hexdigest()[:16]


def _with_extras(row: Iterable[Any], extras: list[Extra]) -> list[Any]:
    out: list[Any] = []
    added = {i: fn for i, _, fn in extras}
    for i, value in enumerate(row):
        out.append(value)
        if i in added:
            out.extend(added[i](value))
    return out


def _write(db: sqlite_utils.Database, name: str, path: Path, raw: bool, readable: Readable) -> int:
    quoted = '"' + name.replace('"', '""') + '"'
    order = ""
    if name in db.table_names():
        order = " ORDER BY " + ", ".join(
            '"' + k.replace('"', '""') + '"' for k in db.table(name).pks
        )
    where, params = "", []
    if name == "meta":  # CSVs get shared: never the staff passcode or the session secret
        where = f" WHERE key NOT IN ({', '.join('?' for _ in SECRET_META)})"
        params = list(SECRET_META)
    cursor = db.execute(f"SELECT * FROM {quoted}{where}{order}", params)
    count = 0
    # utf-8-sig writes a byte-order mark, without which Excel reads UTF-8 as Windows-1252.
    with path.open("w", encoding="utf-8-sig", newline="") as f:
        writer = csv.writer(f)
        columns = [d[0] for d in cursor.description]
        extras = readable.extras(columns) if name != "meta" else []
        header = list(columns)
        for i, added, _ in reversed(extras):
            header[i + 1 : i + 1] = added
        writer.writerow(header)
        phone = columns.index("device") if "device" in columns else None
        for row in cursor:
            if phone is not None:
                row = (*row[:phone], phone_code(name, row[phone]), *row[phone + 1 :])
            row = _with_extras(row, extras)
            writer.writerow(
                [plain_cell(v) for v in row] if raw else [for_spreadsheet(v) for v in row]
            )
            count += 1
    return count
