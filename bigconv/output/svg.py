"""Small inline SVG charts: no scripts, no external assets, every label escaped."""

from __future__ import annotations

from collections.abc import Sequence

from markupsafe import Markup, escape

INK = "#1f2933"
MUTED = "#7b8794"
GRID = "#e4e7eb"
BLUE = "#2563eb"
POSITIVE = ("#2563eb", "#16a34a", "#9333ea", "#64748b", "#0d9488", "#4f46e5")
NEGATIVE = ("#ea580c", "#dc2626", "#d97706", "#be123c")


def _num(x: float) -> str:
    return f"{x:.1f}".rstrip("0").rstrip(".")


def _svg(width: int, height: int, body: list[str], label: str) -> Markup:
    return Markup(
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="100%" role="img" aria-label="{escape(label)}" '
        f'style="max-width:{width}px" font-family="system-ui, sans-serif" font-size="11">'
        + "".join(body)
        + "</svg>"
    )


def _text(x: float, y: float, text: str, *, anchor: str = "middle", fill: str = MUTED) -> str:
    return (
        f'<text x="{_num(x)}" y="{_num(y)}" text-anchor="{anchor}" fill="{fill}">'
        f"{escape(text)}</text>"
    )


def _nice_max(value: float) -> int:
    """A round, even axis maximum at or above `value` (so its half is a whole number too)."""
    for step in (2, 4, 6, 8, 10, 20, 40, 50, 100, 200, 400, 500, 1000, 2000, 5000, 10000):
        if value <= step:
            return step
    return 2 * (int(value) // 2 + 1)


def columns(
    points: Sequence[tuple[str, Sequence[tuple[float, str, str]]]],
    *,
    label: str,
    width: int = 720,
    height: int = 200,
    label_every: int = 1,
) -> Markup:
    """Stacked columns: each point is (x label, [(value, colour, tooltip), ...])."""
    if not points:
        return Markup(f'<p class="empty">{escape(label)}: nothing recorded.</p>')
    left, bottom, top = 34, 22, 8
    plot_w, plot_h = width - left - 4, height - bottom - top
    top_value = _nice_max(max(sum(v for v, _, _ in parts) for _, parts in points))
    step = plot_w / len(points)
    body = []
    for frac in (0, 0.5, 1):
        y = top + plot_h * (1 - frac)
        body.append(
            f'<line x1="{left}" x2="{width - 4}" y1="{_num(y)}" y2="{_num(y)}" stroke="{GRID}"/>'
        )
        body.append(_text(left - 4, y + 4, _num(top_value * frac), anchor="end"))
    for i, (x_label, parts) in enumerate(points):
        x = left + i * step
        y = top + plot_h
        for value, colour, tip in parts:
            if value <= 0:
                continue
            h = plot_h * value / top_value
            y -= h
            body.append(
                f'<rect x="{_num(x + step * 0.1)}" y="{_num(y)}" width="{_num(step * 0.8)}" '
                f'height="{_num(h)}" fill="{colour}"><title>{escape(tip)}</title></rect>'
            )
        if i % label_every == 0:
            body.append(_text(x + step / 2, height - 6, x_label))
    return _svg(width, height, body, label)


def hbars(
    rows: Sequence[tuple[str, int]], *, label: str, width: int = 260, colour: str = BLUE
) -> Markup:
    """Horizontal bars with the count at the end, e.g. a rating distribution."""
    bar_h, gap, left = 14, 6, 34
    height = len(rows) * (bar_h + gap) + gap
    top_value = max((v for _, v in rows), default=0) or 1
    plot_w = width - left - 40
    body = []
    for i, (row_label, value) in enumerate(rows):
        y = gap + i * (bar_h + gap)
        w = plot_w * value / top_value
        body.append(_text(left - 6, y + bar_h - 3, row_label, anchor="end", fill=INK))
        body.append(
            f'<rect x="{left}" y="{y}" width="{_num(plot_w)}" height="{bar_h}" fill="{GRID}" rx="2"/>'
        )
        if value:
            body.append(
                f'<rect x="{left}" y="{y}" width="{_num(w)}" height="{bar_h}" fill="{colour}" rx="2"/>'
            )
        body.append(_text(left + plot_w + 6, y + bar_h - 3, str(value), anchor="start", fill=INK))
    return _svg(width, height, body, label)


def capacity_bar(present: int, allocated: int, capacity: int, *, width: int = 220) -> Markup:
    """Present (bar) against allocated (tick) within capacity (track); over capacity in red."""
    height, bar_h = 18, 10
    scale = max(capacity, allocated, present, 1)
    w = lambda n: (width - 2) * n / scale  # noqa: E731
    colour = "#dc2626" if present > capacity else BLUE
    body = [
        f'<rect x="1" y="4" width="{_num(w(capacity))}" height="{bar_h}" fill="{GRID}" rx="2"/>',
        f'<rect x="1" y="4" width="{_num(w(present))}" height="{bar_h}" fill="{colour}" rx="2"/>',
        f'<line x1="{_num(1 + w(allocated))}" x2="{_num(1 + w(allocated))}" y1="1" '
        f'y2="{height - 1}" stroke="{INK}" stroke-width="2"/>',
    ]
    tip = f"{present} present, {allocated} allocated, {capacity} places"
    return _svg(width, height, [f"<title>{escape(tip)}</title>", *body], tip)


def swatch(colour: str) -> Markup:
    return Markup(
        f'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10" aria-hidden="true">'
        f'<rect width="10" height="10" rx="2" fill="{escape(colour)}"/></svg>'
    )


def kind_colours(kinds: Sequence[tuple[str, bool]]) -> dict[str, str]:
    """A stable colour per reaction kind: cool for positive, warm for negative."""
    out, pos, neg = {}, 0, 0
    for key, negative in kinds:
        if negative:
            out[key] = NEGATIVE[neg % len(NEGATIVE)]
            neg += 1
        else:
            out[key] = POSITIVE[pos % len(POSITIVE)]
            pos += 1
    return out
