"""After the day: the HTML report and CPD certificates (rendering only; queries live in data/)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import jinja2
from markupsafe import Markup

from bigconv.data.cpd import CpdRecord
from bigconv.data.impact import MIN_GROUP
from bigconv.data.impact import RANKS as RANK_LABELS
from bigconv.data.report import Report, SessionReport
from bigconv.report import svg
from bigconv.web.render import plain

_env = jinja2.Environment(
    loader=jinja2.PackageLoader("bigconv.report", "templates"),
    autoescape=True,  # every comment, name and title is escaped
    finalize=plain,  # ... and cleaned of control characters and bidi overrides
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)


def hours(minutes: int) -> str:
    h, m = divmod(minutes, 60)
    return f"{h} h {m:02d} min" if h else f"{m} min"


def longdate(iso_date: str) -> str:
    """`2026-11-27` as `Friday 27 November 2026` (left as is if it is not a date)."""
    try:
        day = dt.date.fromisoformat(iso_date)
    except ValueError:
        return iso_date
    return f"{day:%A} {day.day} {day:%B %Y}"


def mean_rating(ratings: list[int]) -> str:
    total = sum(ratings)
    return f"{sum((i + 1) * n for i, n in enumerate(ratings)) / total:.1f}" if total else "–"


def tally(texts) -> list[tuple[str, int]]:
    """Identical answers once each with how many gave them (case and spaces ignored), in order."""
    counts: dict[str, list] = {}
    for text in texts:
        key = " ".join(text.split()).casefold()
        if key:
            counts.setdefault(key, [text.strip(), 0])[1] += 1
    return [(text, n) for text, n in counts.values()]


def money(amount: float) -> str:
    """1,234 for whole amounts, 1,234.50 otherwise."""
    return f"{amount:,.0f}" if amount == int(amount) else f"{amount:,.2f}"


_env.filters.update(money=money)
_env.filters.update(hours=hours, longdate=longdate, mean_rating=mean_rating, tally=tally)


def arrivals_chart(report: Report) -> Markup:
    points = [
        (f"{t:%H:%M}", [(n, svg.BLUE, f"{t:%H:%M}: {n} arrived")]) for t, n in report.arrivals
    ]
    every = max(1, len(points) // 12)
    return svg.columns(points, label="Check-ins per 10 minutes", label_every=every)


def timeline_chart(report: Report, session: SessionReport, colours: dict[str, str]) -> Markup:
    labels = {k.key: k.label for k in report.kinds}
    order = {key: i for i, key in enumerate(labels)}  # stacked in the event file's order
    points = []
    for t, counter in session.timeline:
        kinds = sorted(counter, key=lambda kind: (order.get(kind, len(order)), kind))
        parts = [
            (counter[k], colours.get(k, svg.MUTED), f"{t:%H:%M} {labels.get(k, k)}: {counter[k]}")
            for k in kinds
        ]
        points.append((f"{t:%H:%M}", parts))
    every = max(1, len(points) // 6)
    return svg.columns(
        points, label="Reactions per 5 minutes", width=460, height=130, label_every=every
    )


def rating_chart(ratings: list[int], width: int = 260) -> Markup:
    rows = [(f"{i}★", ratings[i - 1]) for i in range(5, 0, -1)]
    return svg.hbars(rows, label="Ratings", width=width)


def render_report(report: Report, impact=None) -> str:
    """The whole report as one self-contained HTML page (with `impact`, a
    bigconv.data.impact.Impact, the evidence chain and the day's cost too)."""
    colours = svg.kind_colours([(k.key, k.negative) for k in report.kinds])
    return _env.get_template("report.html").render(
        r=report,
        impact=impact,
        ranks=RANK_LABELS,
        min_group=MIN_GROUP,
        colours=colours,
        swatch=svg.swatch,
        arrivals_chart=arrivals_chart(report),
        timeline_chart=lambda s: timeline_chart(report, s, colours),
        rating_chart=rating_chart,
        capacity_bar=svg.capacity_bar,
    )


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
    return _env.get_template("certificates.html").render(
        records=records, event=event, date=date, venue=venue
    )


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

    rows = []
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
