"""Each session's QR code (SVG, PNG) and the printable posters that carry it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path

from bigconv.data.store import parse_iso
from bigconv.data.timetable import SessionRow
from bigconv.net import session_url
from bigconv.output.qr import qr_png, qr_svg, safe_name
from bigconv.output.templates import render


def inline_svg(document: str) -> str:
    """An SVG document to place inside HTML (no XML declaration, no id repeated on the page)."""
    return document[document.index("<svg") :].replace(' id="qr-path"', "")


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
