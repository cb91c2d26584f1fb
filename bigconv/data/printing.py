"""What printed material needs from the database: badge rows, and the phone address the
posters and session QR codes were made for (so a station can say when they are stale)."""

from __future__ import annotations

from dataclasses import dataclass

import sqlite_utils

from bigconv.data.database import immediate
from bigconv.data.meta import meta_record, set_meta_record

PRINTED_ADDRESS = "printed_address"  # meta key: {"url": ..., "at": UTC ISO, "by": command}


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


@dataclass(frozen=True)
class PrintedAddress:
    """The phone address on the posters and session QR codes, and when they were made."""

    url: str
    at: str
    by: str


def record_printed_address(db: sqlite_utils.Database, url: str, *, at: str, by: str) -> None:
    """Remember that posters and QR codes for `url` were made (by the command `by`)."""
    with immediate(db):
        set_meta_record(db, PRINTED_ADDRESS, {"url": url, "at": at, "by": by})


def printed_address(db: sqlite_utils.Database) -> PrintedAddress | None:
    """The address the posters and QR codes were last made for; None if none were made."""
    data = meta_record(db, PRINTED_ADDRESS)
    try:
        return PrintedAddress(str(data["url"]), str(data["at"]), str(data["by"])) if data else None
    except KeyError:
        return None
