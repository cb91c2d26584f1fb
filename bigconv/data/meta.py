"""Settings kept in the file itself: the `meta` table of keys and values."""

from __future__ import annotations

import json
from typing import Any

import sqlite_utils

from bigconv.core.text import clean


def get_meta(db: sqlite_utils.Database, key: str, default: str | None = None) -> str | None:
    """The value stored under `key`, or `default`."""
    row = db.execute("SELECT value FROM meta WHERE key = ?", [key]).fetchone()
    return row[0] if row else default


def set_meta(db: sqlite_utils.Database, key: str, value: str) -> None:
    """Store `value` under `key`, replacing what was there (as the text rule cleans it: an
    event's name, a base URL, a passcode are all typed by someone)."""
    value = clean(value)
    db.execute(
        "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
        [key, value],
    )


def set_meta_record(db: sqlite_utils.Database, key: str, record: dict[str, Any]) -> None:
    """Store a small record (JSON) under `key`, replacing what was there."""
    set_meta(db, key, json.dumps(record))


def meta_record(db: sqlite_utils.Database, key: str) -> dict[str, Any] | None:
    """The record stored under `key` by `set_meta_record`; None if none, or not readable."""
    value = get_meta(db, key)
    try:
        data = json.loads(value) if value else None
    except ValueError:
        return None
    return data if isinstance(data, dict) and data else None
