"""Every table and view as a CSV file that spreadsheets open correctly."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import sqlite_utils

from bigconv.data.staff import SECRET_META
from bigconv.data.text import clean

# Excel runs a cell that starts with one of these as a formula (CSV injection);
# text typed on a phone must stay text.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class Exported:
    name: str
    path: Path
    rows: int


def exportable(db: sqlite_utils.Database) -> list[str]:
    """Tables and views worth a CSV: all but full-text-search indexes and their shadow tables."""
    tables = db.table_names()
    fts = [t for t in tables if (db[t].virtual_table_using or "").upper().startswith("FTS")]
    keep = [t for t in tables if not any(t == f or t.startswith(f + "_") for f in fts)]
    return sorted(keep) + sorted(db.view_names())


def safe_cell(value):
    """Text cleaned by the untrusted-text rule; if it would start a spreadsheet formula, with a
    leading apostrophe; other values as they are."""
    if isinstance(value, str):
        value = clean(value)
        if value.startswith(FORMULA_START):
            return "'" + value
    return value


def plain_cell(value):
    """`--raw`: formulas left as they are, but never a control character or bidi override."""
    return clean(value) if isinstance(value, str) else value


def export_csv(
    db: sqlite_utils.Database, out_dir: str | Path, *, raw: bool = False
) -> list[Exported]:
    """Write one UTF-8 (with BOM) CSV per table and view, all from one read snapshot."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    done = []
    # One read transaction: every file shows the same moment, while stations keep writing.
    db.execute("BEGIN")
    try:
        for name in exportable(db):
            path = out_dir / f"{name}.csv"
            done.append(Exported(name, path, _write(db, name, path, raw)))
    finally:
        db.execute("COMMIT")
    return done


def _write(db: sqlite_utils.Database, name: str, path: Path, raw: bool) -> int:
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
        writer.writerow([d[0] for d in cursor.description])
        for row in cursor:
            writer.writerow([plain_cell(v) for v in row] if raw else [safe_cell(v) for v in row])
            count += 1
    return count
