"""Idempotent retries (pretix's `nonce`): a write a phone sends again after a timeout or a 503,
with the same key, stores nothing new and gets the first answer.

A phone names each action with a random key (the `Idempotency-Key` header, or a `nonce` field
in a form or a JSON body). `once` runs the write and records (device, key, request) with the
write's result in the same transaction: a write that was rolled back never spent its key, and
an acknowledged write's key is as durable as its row.

The request is a digest of what was asked (the route, the session, the fields): the same key
with a different request (another reaction button on the same page, a comment edited on a page
the back button brought back) is another request and is stored as one. Keys are kept at least
`KEEP`; every `PRUNE_EVERY`-th key recorded deletes those older in the same transaction, so
the table holds about a day's keyed writes (which the per-device and per-address limits bound).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import re
import secrets
from collections.abc import Callable
from typing import Any, TypeVar

import sqlite_utils

from bigconv.core.clock import iso
from bigconv.data.database import immediate

KEY_RE = re.compile(r"[A-Za-z0-9_-]{1,64}")
KEY_MAX = 64
KEEP = dt.timedelta(hours=24)
PRUNE_EVERY = 64
T = TypeVar("T")


class BadKey(ValueError):
    """A key that is not 1 to 64 letters, digits, '-' or '_'."""

    def __init__(self) -> None:
        super().__init__(
            f"The idempotency key must be 1 to {KEY_MAX} letters, digits, '-' or '_' "
            "(make a new random one for each action and send it again only on its retries)."
        )


def new_key() -> str:
    """A fresh random key (128 bits) for one action, as a page puts in its forms."""
    return secrets.token_urlsafe(16)


def check_key(key: object) -> str | None:
    """`key` if it is a valid key; None for no key (absent or empty); BadKey otherwise."""
    if key is None or key == "":
        return None
    if isinstance(key, str) and KEY_RE.fullmatch(key):
        return key
    raise BadKey()


def request_digest(*parts: object) -> str:
    """What a request asked, as a SHA-256 (parts: the route, the session, the fields)."""
    text = json.dumps(parts, ensure_ascii=False, sort_keys=True, default=_plain)
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def _plain(value: object) -> object:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return dataclasses.asdict(value)
    return str(value)


def _wrap(result: Any) -> dict[str, Any] | None:
    return {"result": result}


def _unwrap(memo: dict[str, Any]) -> Any:
    return memo["result"]


def once(
    db: sqlite_utils.Database,
    device: str,
    key: str | None,
    request: str,
    action: Callable[[sqlite_utils.Database], T],
    *,
    at: dt.datetime,
    memo: Callable[[T], dict[str, Any] | None] = _wrap,
    replay: Callable[[dict[str, Any]], T] = _unwrap,
) -> T:
    """`action(db)` in a write transaction, at most once per (device, key, request).

    The first time, its result is returned and `memo(result)` (JSON; None: nothing was stored,
    the key stays unspent) is recorded in the same transaction. A repeat runs nothing and
    returns `replay(memo)`. Without a key, `action` simply runs. The default memo keeps a
    JSON-able result as it is. A key that is not a key (`check_key`) raises BadKey: nothing
    is stored under it."""
    key = check_key(key)
    if key is None:
        return action(db)
    with immediate(db):
        row = db.execute(
            "SELECT result FROM write_keys WHERE device = ? AND key = ? AND request = ?",
            [device, key, request],
        ).fetchone()
        if row is not None:
            return replay(json.loads(row[0]))
        result = action(db)
        kept = memo(result)
        if kept is not None:
            cursor = db.execute(
                "INSERT INTO write_keys (device, key, request, result, at) VALUES (?, ?, ?, ?, ?)",
                [device, key, request, json.dumps(kept), iso(at)],
            )
            if (cursor.lastrowid or 0) % PRUNE_EVERY == 0:
                prune(db, at)
    return result


def prune(db: sqlite_utils.Database, at: dt.datetime) -> int:
    """Forget keys recorded more than KEEP before `at` (inside the caller's transaction)."""
    cursor = db.execute("DELETE FROM write_keys WHERE at < ?", [iso(at - KEEP)])
    return cursor.rowcount
