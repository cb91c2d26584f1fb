"""The append-only action log: every staff action, with its station and UTC time."""

from __future__ import annotations

import json
from typing import Any

import sqlite_utils

from bigconv.core.text import clean, clean_field, clean_value

PHONE_STATION = "phone"  # the station name of everything a phone does


def log(
    db: sqlite_utils.Database,
    action: str,
    *,
    station: str,
    at: str,
    attendee_id: int | None = None,
    session_id: int | None = None,
    detail: dict[str, Any] | str | None = None,
) -> None:
    """Append one row to the action log (call inside the action's transaction). The station's
    name and the detail may hold what someone typed: stored as the text rule cleans them."""
    if isinstance(detail, dict):
        detail = json.dumps(clean_value(detail), ensure_ascii=False, sort_keys=True)
    elif isinstance(detail, str):
        detail = clean(detail)
    station = clean_field(station, one_line=True)
    db.execute(
        "INSERT INTO log (at, station, action, attendee_id, session_id, detail) VALUES (?, ?, ?, ?, ?, ?)",
        [at, station, action, attendee_id, session_id, detail],
    )
