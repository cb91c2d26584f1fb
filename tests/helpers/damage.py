"""Damage a real database file the way a flipped bit on a disk does, by parsing its pages.

This SQLite has no `sqlite_dbpage` (it needs SQLITE_ENABLE_DBPAGE_VTAB), so the pages are
found through `sqlite_master` and read straight from the file, after a checkpoint that moves
everything out of the -wal. Close every connection to the file first.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
import struct
from pathlib import Path

from bigconv.data import backup

LEAF_INDEX = 0x0A  # b-tree page types (https://sqlite.org/fileformat2.html#b_tree_pages)
LEAF_TABLE = 0x0D
_FIXED = {0: 0, 1: 1, 2: 2, 3: 3, 4: 4, 5: 6, 6: 8, 7: 8, 8: 0, 9: 0}  # serial type: bytes


def _varint(buf: bytes, i: int) -> tuple[int, int]:
    """SQLite's big-endian varint at `i`: (value, the offset after it)."""
    value = 0
    for n in range(9):
        byte = buf[i + n]
        if n == 8:
            return (value << 8) | byte, i + 9
        value = (value << 7) | (byte & 0x7F)
        if byte < 0x80:
            return value, i + n + 1
    raise AssertionError("unreachable")


def _body_size(serial_type: int) -> int:
    if serial_type >= 12:
        return (serial_type - 12) // 2
    return _FIXED[serial_type]


def page_of(path: Path, kind: str, name: str) -> tuple[int, int]:
    """(page number, page size) of the root page of the table or index `name`, with the
    file made whole first (every commit moved out of the -wal into the file)."""
    conn = sqlite3.connect(path)
    try:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()
        root = conn.execute(
            "SELECT rootpage FROM sqlite_master WHERE type = ? AND name = ?", [kind, name]
        ).fetchone()[0]
    finally:
        conn.close()
    size = struct.unpack(">H", Path(path).read_bytes()[16:18])[0]
    return root, 65536 if size == 1 else size


def flip_index_rowids(path: Path, index: str, entries: int = 2) -> list[tuple[int, int]]:
    """Flip the lowest bit of the rowid in `entries` cells of `index` (its root must be a
    leaf, as in a small database): each entry then points at another row. The b-tree stays
    well formed, so `PRAGMA quick_check` passes; `integrity_check` compares indexes with their
    tables and fails. Returns the (old, new) rowids."""
    root, size = page_of(path, "index", index)
    data = bytearray(Path(path).read_bytes())
    base = (root - 1) * size
    assert data[base] == LEAF_INDEX, f"{index}: root page {root} is not an index leaf"
    cells = struct.unpack(">H", data[base + 3 : base + 5])[0]
    flipped = []
    for n in range(cells):
        cell = base + struct.unpack(">H", data[base + 8 + 2 * n : base + 10 + 2 * n])[0]
        _payload, record = _varint(data, cell)
        header_size, at = _varint(data, record)
        types = []
        while at < record + header_size:
            serial_type, at = _varint(data, at)
            types.append(serial_type)
        if types[-1] != 1:  # the rowid is the record's last column; want a one-byte integer
            continue
        rowid_at = record + header_size + sum(map(_body_size, types[:-1]))
        old = data[rowid_at]
        data[rowid_at] ^= 1
        flipped.append((old, data[rowid_at]))
        if len(flipped) == entries:
            break
    assert len(flipped) == entries, f"{index}: only {len(flipped)} entries to damage"
    Path(path).write_bytes(data)
    return flipped


def junk_over_table(path: Path, table: str) -> None:
    """Write junk over the root page of `table`: damage no REINDEX can mend."""
    root, size = page_of(path, "table", table)
    with open(path, "r+b") as f:
        f.seek((root - 1) * size)
        assert f.read(1)[0] == LEAF_TABLE, f"{table}: root page {root} is not a table leaf"
        f.seek((root - 1) * size)
        f.write(bytes([0xAB]) * size)


def three_good(small_db, dest):
    """Three good backups of `small_db` in `dest`, a minute apart from 09:00, before the damage."""
    base = dt.datetime(2026, 11, 27, 9, 0, tzinfo=dt.UTC)
    return [backup.backup(small_db, dest, now=base + dt.timedelta(minutes=i)) for i in range(3)]
