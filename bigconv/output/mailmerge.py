"""The mail merge: one CSV row per person with their commitments and their personal link,
for the organiser's own mail program to send."""

from __future__ import annotations

from pathlib import Path

from bigconv.data.export import write_rows
from bigconv.data.followup import Issued

MAIL_COLUMNS = ("email", "first_name", "last_name", "school", "commitments", "link")


def link_url(base: str, token: str) -> str:
    return f"{base.rstrip('/')}/me/{token}"


def write_mail_merge(issued: list[Issued], base: str, path: Path) -> int:
    """One row per person: email, first name, their commitments in words, their link."""
    rows = (
        (
            item.person.email,
            item.person.first_name,
            item.person.last_name,
            item.person.school,
            "; ".join(c.in_words() for c in item.commitments),
            link_url(base, item.token),
        )
        for item in issued
    )
    return write_rows(path, MAIL_COLUMNS, rows)
