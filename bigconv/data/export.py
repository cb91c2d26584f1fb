"""Every table and view as a CSV file that spreadsheets open correctly.

Ids stay (scripts join on them), and beside them each file carries what a person opening it in
Excel needs: the attendee's name and school beside `attendee_id`, the session's code, title
and room beside `session_id`, the room's name beside `room_id`, and each stored UTC time again
in the event's local time (`at_local` beside `at`).
"""

from __future__ import annotations

import csv
import datetime as dt
import zoneinfo
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import sqlite_utils

from bigconv.core.clock import parse_iso
from bigconv.core.text import clean, for_spreadsheet
from bigconv.data.meta import get_meta
from bigconv.data.passcode import SECRET_META

# Tables that stay in the file (CSVs get shared): each phone's device id beside the keys it
# retried with (bigconv/data/writekeys.py). The secret `meta` rows are left out in `_write`.
NOT_EXPORTED = frozenset({"write_keys"})


@dataclass(frozen=True)
class Exported:
    name: str
    path: Path
    rows: int


def exportable(db: sqlite_utils.Database) -> list[str]:
    """Tables and views worth a CSV: all but full-text-search indexes and their shadow tables,
    and the tables `NOT_EXPORTED`."""
    tables = [t for t in db.table_names() if t not in NOT_EXPORTED]
    fts = [t for t in tables if (db[t].virtual_table_using or "").upper().startswith("FTS")]
    keep = [t for t in tables if not any(t == f or t.startswith(f + "_") for f in fts)]
    return sorted(keep) + sorted(db.view_names())


def write_rows(path: str | Path, columns, rows) -> int:
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


def plain_cell(value):
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

    def extras(self, columns: list[str]) -> list[tuple[int, list[str], Callable]]:
        """(column index, added column names, value -> added values) for each column that
        gets readable company."""
        out = []
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

    def _person(self, value) -> list[str]:
        return list(self.people.get(value, ("", "")))

    def _session(self, value) -> list[str]:
        return list(self.sessions.get(value, ("", "", "")))

    def _local(self, value) -> list[str]:
        if not isinstance(value, str) or not value:
            return [""]
        try:
            moment = parse_iso(value)
        except ValueError:
            return [""]
        if moment.tzinfo is None:
            return [""]
        return [f"{moment.astimezone(self.tz):%Y-%m-%d %H:%M:%S}"]


def _with_extras(row, extras) -> list:
    out = []
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
        order = " ORDER BY " + ", ".join('"' + k.replace('"', '""') + '"' for k in db[name].pks)
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
        for row in cursor:
            row = _with_extras(row, extras)
            writer.writerow(
                [plain_cell(v) for v in row] if raw else [for_spreadsheet(v) for v in row]
            )
            count += 1
    return count
