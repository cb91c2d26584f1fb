"""Reading what a phone sends: form posts, JSON bodies, the write key, text fields."""

from __future__ import annotations

import json

from aiohttp import web
from aiohttp.http_exceptions import HttpProcessingError

from bigconv.core.text import clean_field
from bigconv.data import writekeys
from bigconv.web.common.errors import Invalid
from bigconv.web.common.limits import read_body, read_post

IDEMPOTENCY_HEADER = "Idempotency-Key"


def write_key(request: web.Request, data: dict) -> str | None:
    """The key a phone named this write with: the Idempotency-Key header (what the page's
    script sends), else the body's `nonce` field (what the pages' forms carry); None without
    one (a page cached before keys existed). Invalid (400) for a malformed key."""
    try:
        return writekeys.check_key(request.headers.get(IDEMPOTENCY_HEADER, data.get("nonce")))
    except writekeys.BadKey as exc:
        raise Invalid(str(exc)) from None


def redirect(location: str) -> web.Response:
    """303 See Other: the browser shows the page again with a notice, and reload is harmless."""
    return web.Response(status=303, headers={"Location": location})


def clean_text(value: object, limit: int, what: str) -> str:
    """Trimmed text by the untrusted-text rule (no control characters, no bidi overrides,
    no lone surrogates), at most `limit` characters."""
    if value is None:
        return ""
    if not isinstance(value, str):
        raise Invalid(f"{what} must be text.")
    try:
        value.encode("utf-8")  # a lone surrogate is no character a person typed
    except UnicodeEncodeError:
        raise Invalid(f"{what} has characters that cannot be stored.") from None
    text = clean_field(value)  # the untrusted-text rule (bigconv/core/text.py)
    if len(text) > limit:
        raise Invalid(f"{what} is too long: at most {limit} characters, please.")
    return text


async def read_form(request: web.Request) -> dict[str, str]:
    """The fields of a plain HTML form post (the pages never send multipart or files)."""
    if request.content_type != "application/x-www-form-urlencoded":
        raise Invalid("Send the form from the session page.")
    try:
        form = await read_post(request)
    except (ValueError, LookupError, HttpProcessingError) as exc:
        raise Invalid("The form could not be read.") from exc
    return {k: v for k, v in form.items() if isinstance(v, str)}


async def read_json(request: web.Request) -> dict:
    try:
        body = json.loads(await read_body(request))
    except (ValueError, RecursionError) as exc:
        raise Invalid("Send a JSON object.") from exc
    if not isinstance(body, dict):
        raise Invalid("Send a JSON object.")
    return body
