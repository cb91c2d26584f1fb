"""Web pages, rendered by the one Jinja environment (bigconv/output/templates.py)."""

from __future__ import annotations

from bigconv.data.writekeys import new_key
from bigconv.output.templates import environment


def render(name: str, **context) -> str:
    """The page `name`; its forms may call `new_key()` for a fresh random key (`nonce`), so a
    browser resending the post is a repeat."""
    return environment().get_template(name).render(new_key=new_key, **context)
