"""The append-only action log: every staff action, with its station and UTC time."""

from __future__ import annotations

import json

import sqlite_utils


def log(
    db: sqlite_utils.Database,
    action: str,
    *,
    station: str,
    at: str,
    attendee_id: int | None = None,
    session_id: int | None = None,
    detail: dict | str | None = None,
) -> None:
    """Append one row to the action log (call inside the action's transaction)."""
    if isinstance(detail, dict):
        detail = json.dumps(detail, ensure_ascii=False, sort_keys=True)
    db.execute(
        "INSERT INTO log (at, station, action, attendee_id, session_id, detail) VALUES (?, ?, ?, ?, ?, ?)",
        [at, station, action, attendee_id, session_id, detail],
    )
