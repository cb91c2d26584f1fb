"""What printed material needs from the database: badge rows."""

from __future__ import annotations

from dataclasses import dataclass

import sqlite_utils


@dataclass(frozen=True)
class BadgeRow:
    badge: str
    first_name: str
    last_name: str
    school: str


def badge_rows(db: sqlite_utils.Database) -> list[BadgeRow]:
    """Every attendee's badge, by school then surname (how desks hand out badge sheets)."""
    rows = db.execute(
        "SELECT badge, first_name, last_name, school FROM attendees"
        " ORDER BY school COLLATE NOCASE, last_name COLLATE NOCASE, first_name COLLATE NOCASE, id"
    ).fetchall()
    return [BadgeRow(*row) for row in rows]
