"""Everyone's CPD record: the certificates page and the CSVs of sessions attended, sessions led
and commitments with their follow-up answers."""

from __future__ import annotations

from pathlib import Path

from bigconv.data.cpd import CpdRecord
from bigconv.output.templates import render

PERSON_COLUMNS = ("badge", "first_name", "last_name", "email", "school", "role")
CPD_COLUMNS = (
    *PERSON_COLUMNS,
    "session_code",
    "session_title",
    "leads",
    "room",
    "slot",
    "date",
    "starts",
    "ends",
    "minutes",
    "present_at",
    "next_step",
)


def write_cpd_csv(records: list[CpdRecord], path: Path) -> int:
    """One row per person and session attended (UTF-8 with BOM, for Excel); returns rows."""
    from bigconv.data.export import write_rows

    rows = (
        (
            r.badge,
            r.first_name,
            r.last_name,
            r.email,
            r.school,
            r.role,
            s.code,
            s.title,
            s.leads,
            s.room,
            s.slot,
            f"{s.start:%Y-%m-%d}",
            f"{s.start:%H:%M}",
            f"{s.end:%H:%M}",
            s.minutes,
            f"{s.present_at:%H:%M}",
            s.next_step,
        )
        for r in records
        for s in r.sessions
    )
    return write_rows(path, CPD_COLUMNS, rows)


def render_certificates(records: list[CpdRecord], *, event: str, date: str, venue: str) -> str:
    """One printable page per person (CSS page breaks), all in one HTML file."""
    return render("certificates.html", records=records, event=event, date=date, venue=venue)


FOLLOWUP_COLUMNS = (
    "kind",
    *PERSON_COLUMNS,
    "session_code",
    "session_title",
    "minutes_led",
    "will_try",
    "when_where",
    "round",
    "tried",
    "what_happened",
)


def write_cpd_followups_csv(records: list[CpdRecord], path: Path) -> int:
    """Sessions led, and named commitments with each follow-up answer: one row each."""
    from bigconv.data.export import write_rows

    rows: list[tuple[object, ...]] = []
    for r in records:
        who = (r.badge, r.first_name, r.last_name, r.email, r.school, r.role)
        rows += [("led", *who, x.code, x.title, x.minutes, "", "", "", "", "") for x in r.led]
        for c, answers in r.commitments:
            what = (c.code, c.title, "", c.try_text, c.when_where)
            rows += [
                ("commitment", *who, *what, label, a.tried_words, a.happened)
                for label, a in answers
            ] or [("commitment", *who, *what, "", "", "")]
    return write_rows(path, FOLLOWUP_COLUMNS, rows)
