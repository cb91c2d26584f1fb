"""Printable badge sheets (A4) and one QR code PNG per badge."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from bigconv.data.printing import BadgeRow
from bigconv.output.qr import qr_png, safe_name
from bigconv.output.templates import render

BADGES_PER_PAGE = 8


def write_badges(out: Path, people: Sequence[BadgeRow], event_name: str) -> list[Path]:
    """BADGE.png for each person and badges.html: A4 sheets of BADGES_PER_PAGE badges."""
    out.mkdir(parents=True, exist_ok=True)
    written, cards = [], []
    for person in people:
        path = out / f"{safe_name(person.badge)}.png"
        path.write_bytes(qr_png(person.badge, box_size=8))
        written.append(path)
        cards.append({"p": person, "img": path.name})
    pages = [cards[i : i + BADGES_PER_PAGE] for i in range(0, len(cards), BADGES_PER_PAGE)]
    html = render("badges.html", event_name=event_name, pages=pages)
    (out / "badges.html").write_text(html, encoding="utf-8")
    return [*written, out / "badges.html"]
