"""Jinja2 templates with autoescaping, shared by the phone site and the printable pages."""

from __future__ import annotations

import functools

import jinja2
from markupsafe import Markup

from bigconv.core.text import clean
from bigconv.data.writekeys import new_key


def plain(value):
    """Every value a template prints, cleaned by the untrusted-text rule before autoescaping
    (Markup our own code built stays Markup, cleaned the same way)."""
    if isinstance(value, Markup):
        return Markup(clean(str(value)))
    if isinstance(value, str):
        return clean(value)
    return value


@functools.cache
def environment() -> jinja2.Environment:
    """One autoescaping environment over bigconv/web/templates (never markup from user text)."""
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("bigconv.web", "templates"),
        autoescape=True,
        finalize=plain,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    # A fresh random key in each form (`nonce`): a browser resending the post is a repeat.
    env.globals["new_key"] = new_key
    return env


def render(name: str, **context) -> str:
    return environment().get_template(name).render(**context)
