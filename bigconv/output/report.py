"""After the day: the report, one self-contained HTML page with inline SVG charts."""

from __future__ import annotations

from markupsafe import Markup

from bigconv.data.impact import MIN_GROUP
from bigconv.data.impact import RANKS as RANK_LABELS
from bigconv.data.report import Report, SessionReport
from bigconv.output import svg
from bigconv.output.templates import render


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
    return render(
        "report.html",
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
