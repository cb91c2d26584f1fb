"""The one Jinja environment: web pages and printables alike are autoescaped, every value
cleaned by the untrusted-text rule, and a name a template uses but nobody passed raises."""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterable
from pathlib import Path

import jinja2
from markupsafe import Markup

from bigconv.core.figures import percent_text
from bigconv.core.ratings import mean_rating as ratings_mean
from bigconv.core.text import clean

OUTPUT_TEMPLATES = Path(__file__).resolve().parent / "templates"
# The web pages' own folder, read as files (never imported: output imports nothing of web).
WEB_TEMPLATES = OUTPUT_TEMPLATES.parent.parent / "web" / "templates"
FOLDERS = (WEB_TEMPLATES, OUTPUT_TEMPLATES)


def plain(value):
    """Every value a template prints, cleaned by the untrusted-text rule before autoescaping
    (Markup our own code built stays Markup, cleaned the same way)."""
    if isinstance(value, Markup):
        return Markup(clean(str(value)))
    if isinstance(value, str):
        return clean(value)
    return value


# -- filters the printables use ---------------------------------------------------------------


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
    """The mean of the counts of 1..5, to one decimal; a dash when nobody rated."""
    mean = ratings_mean(ratings)
    return f"{mean:.1f}" if mean is not None else "–"


def tally(texts: Iterable[str]) -> list[tuple[str, int]]:
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


@functools.cache
def environment() -> jinja2.Environment:
    """The environment over the web pages' and the printables' folders (no name in both)."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(FOLDERS),
        autoescape=True,  # every comment, name and title is escaped ...
        finalize=plain,  # ... and cleaned of control characters and bidi overrides
        undefined=jinja2.StrictUndefined,  # a misspelt or forgotten name fails, never prints ""
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(
        hours=hours,
        longdate=longdate,
        mean_rating=mean_rating,
        tally=tally,
        money=money,
        percent=percent_text,
    )
    return env


def render(name: str, **context) -> str:
    """The template `name` rendered with `context`."""
    return environment().get_template(name).render(**context)
