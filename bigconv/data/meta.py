"""Settings kept in the file itself: the `meta` table of keys and values."""

from __future__ import annotations

import sqlite_utils


def get_meta(db: sqlite_utils.Database, key: str, default: str | None = None) -> str | None:
    """The value stored under `key`, or `default`."""
    row = db.execute("SELECT value FROM meta WHERE key = ?", [key]).fetchone()
    return row[0] if row else default


def set_meta(db: sqlite_utils.Database, key: str, value: str) -> None:
    """Store `value` under `key`, replacing what was there."""
    db.execute(
        "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
        [key, value],
    )
