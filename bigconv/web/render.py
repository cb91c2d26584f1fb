"""Jinja2 templates with autoescaping, shared by the phone site and the printable pages."""

from __future__ import annotations

import functools

import jinja2


@functools.cache
def environment() -> jinja2.Environment:
    """One autoescaping environment over bigconv/web/templates (never markup from user text)."""
    return jinja2.Environment(
        loader=jinja2.PackageLoader("bigconv.web", "templates"),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def render(name: str, **context) -> str:
    return environment().get_template(name).render(**context)
