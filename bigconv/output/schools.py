"""Each school's page and CSV for its CPD lead: commitments by name, follow-up answers,
barriers and the support asked (rendering only; the queries live in bigconv/data)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from bigconv.data.export import write_rows
from bigconv.data.impact import SchoolDigest
from bigconv.output.templates import render

SCHOOL_COLUMNS = (
    "kind",
    "name",
    "session",
    "what_they_will_try",
    "when_where",
    "round",
    "tried",
    "what_happened",
    "what_got_in_the_way",
    "support_asked",
    "answer_id",
    "addressed_at",
    "addressed_note",
)


def write_school_csv(digest: SchoolDigest, path: Path, tz) -> int:
    """A school's commitments (named by name), follow-up answers, barriers and support asked."""
    rows: list[tuple] = []
    for n in digest.named:
        c = n.commitment
        base = ("commitment", n.person.name, c.title, c.try_text, c.when_where)
        if not n.answers:
            rows.append((*base, "", "", "", "", c.help, "", "", ""))
        for label, a in n.answers:
            done = next((b.addressed for b in digest.barriers if b.answer_id == a.id), None)
            rows.append(
                (
                    *base,
                    label,
                    a.tried_words,
                    a.happened,
                    a.obstacles,
                    a.support or c.help,
                    a.id,
                    _local(done[0], tz) if done else "",
                    done[2] if done else "",
                )
            )
    rows.append(("unnamed commitments", str(digest.unnamed), *[""] * 11))
    return write_rows(path, SCHOOL_COLUMNS, rows)


def _local(iso_text: str, tz) -> str:
    return f"{dt.datetime.fromisoformat(iso_text).astimezone(tz):%Y-%m-%d %H:%M}"


def render_school(digest: SchoolDigest, *, event: str, tz, generated: dt.datetime) -> str:
    """One self-contained page for the school's CPD lead."""
    return render(
        "school.html",
        d=digest,
        event=event,
        local=lambda text: _local(text, tz),
        generated=generated.astimezone(tz),
    )


def write_schools(digests: list[SchoolDigest], out_dir: Path, *, event: str, tz) -> list[Path]:
    """SLUG.html and SLUG.csv per school; returns the HTML paths."""
    now = dt.datetime.now(dt.UTC)
    out_dir.mkdir(parents=True, exist_ok=True)
    written, used = [], set()
    for d in digests:
        slug, n = d.slug, 1
        while slug in used:  # two schools whose names differ only in punctuation
            n += 1
            slug = f"{d.slug}-{n}"
        used.add(slug)
        html = out_dir / f"{slug}.html"
        html.write_text(render_school(d, event=event, tz=tz, generated=now), encoding="utf-8")
        write_school_csv(d, out_dir / f"{slug}.csv", tz)
        written.append(html)
    return written
