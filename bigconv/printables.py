"""Printable files: session QR codes and posters, and badge sheets."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from pathlib import Path

from bigconv.core.clock import parse_iso
from bigconv.data.printing import BadgeRow
from bigconv.data.timetable import SessionRow
from bigconv.net import session_url
from bigconv.qr import qr_png, qr_svg
from bigconv.web.render import render

BADGES_PER_PAGE = 8


def inline_svg(document: str) -> str:
    """An SVG document to place inside HTML (no XML declaration, no id repeated on the page)."""
    return document[document.index("<svg") :].replace(' id="qr-path"', "")


def safe_name(code: str) -> str:
    """A file name that stays inside the output folder whatever the code holds."""
    return re.sub(r"[^A-Za-z0-9_-]", "_", code) or "_"


def write_session_codes(
    out: Path, sessions: Sequence[SessionRow], base: str, tz: dt.tzinfo, event_name: str
) -> list[Path]:
    """CODE.svg and CODE.png for each session (its feedback URL) and posters.html; returns paths."""
    out.mkdir(parents=True, exist_ok=True)
    written, posters = [], []
    for s in sessions:
        url = session_url(base, s.code)
        svg = qr_svg(url)
        for path, data in (
            (out / f"{safe_name(s.code)}.svg", svg.encode()),
            (out / f"{safe_name(s.code)}.png", qr_png(url)),
        ):
            path.write_bytes(data)
            written.append(path)
        start, end = (parse_iso(t).astimezone(tz) for t in (s.starts_at, s.ends_at))
        posters.append(
            {"s": s, "url": url, "svg": inline_svg(svg), "when": f"{start:%H:%M}–{end:%H:%M}"}
        )
    html = render("posters.html", event_name=event_name, posters=posters, base=base)
    (out / "posters.html").write_text(html, encoding="utf-8")
    return [*written, out / "posters.html"]


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
