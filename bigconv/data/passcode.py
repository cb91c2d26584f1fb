"""The staff passcode for stations opened in a browser, and the secret their sessions hang on.

Kept in the `meta` table: `staff_passcode` (shown by `bigconv serve`, so stored as text),
`staff_passcode_version` (bumped on every change: a browser session signed under an older
version stops working at once, in every serving process) and `staff_secret` (random, never
shown). Logins and failed attempts go to the `log` table without the passcode.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import re
import secrets
from typing import Any

import sqlite_utils

from bigconv.core.clock import iso
from bigconv.core.text import clean_field, is_clean
from bigconv.data.database import immediate
from bigconv.data.log import log
from bigconv.data.meta import get_meta, set_meta

# Short, common, distinct words: easy to say across a noisy hall and to type on a tablet.
WORDS = """
acorn amber anchor apple arrow badge bamboo banjo basil beach bell berry bison blossom bridge
brook butter cabin cactus camel candle canoe canyon carrot castle cedar cherry chess circle
cliff clover cobalt comet copper coral cotton crane crystal daisy delta desert diamond dolphin
dragon eagle ember falcon fern fiddle flint forest fossil fox garden garnet ginger glacier
globe goose granite grape harbor hazel hedge heron honey island ivory jasmine jelly jungle
kayak kettle kiwi koala ladder lagoon lantern lemon lily lion lizard lotus magnet mango maple
marble meadow melon mint mirror moose mountain nectar nutmeg oak oasis ocean olive onion orbit
otter owl paddle panda parrot peach pebble pepper piano pilot pine planet plum pony poppy
prism puffin pumpkin quartz quill rabbit radish rain raven reef ribbon river robin rocket
saffron sail salmon sapphire scarf shell silver sketch sky sparrow spruce squirrel star stone
summit sunset swan tango teapot thistle thunder tiger timber tomato topaz tulip tundra turtle
valley velvet violet walnut walrus willow window winter zebra
""".split()
SECRET_META = ("staff_passcode", "staff_secret", "device_secret")  # never exported
MIN_LENGTH = 6
MAX_LENGTH = 60
_SEPARATORS = re.compile(r"[\s\-_.,/]+")


class BadPasscode(ValueError):
    """A passcode someone chose that cannot be used; the message says why."""


def normalise(text: str) -> str:
    """The form passcodes are compared in: lower case, any run of spaces or dashes as one '-'."""
    return _SEPARATORS.sub("-", text.strip().casefold()).strip("-")


PASSCODE_WORDS = 4  # 167 words: 4 give log2(167**4) = 29.5 bits (3 gave 22)


def generate() -> str:
    """Four random words joined by dashes, e.g. 'maple-otter-comet-piano'."""
    return "-".join(secrets.choice(WORDS) for _ in range(PASSCODE_WORDS))


def strength_bits() -> float:
    """How many bits a generated passcode has: log2 of the number of possible passcodes."""
    return PASSCODE_WORDS * math.log2(len(set(WORDS)))


def _ensure(db: sqlite_utils.Database) -> str:
    """The passcode, made (with the session secret) if there is none yet."""
    if get_meta(db, "staff_secret") is None:
        set_meta(db, "staff_secret", secrets.token_hex(32))
    code = get_meta(db, "staff_passcode")
    if code is None:
        code = generate()
        set_meta(db, "staff_passcode", code)
        set_meta(db, "staff_passcode_version", "1")
    return code


def staff_passcode(db: sqlite_utils.Database) -> str:
    """The staff passcode, creating one (and the session secret) if there is none yet."""
    if (code := get_meta(db, "staff_passcode")) is not None and get_meta(db, "staff_secret"):
        return code
    with immediate(db):
        return _ensure(db)


def set_passcode(db: sqlite_utils.Database, text: str | None, *, station: str) -> str:
    """Replace the passcode (a new random one if `text` is None); every browser logs in again."""
    code = generate() if text is None else normalise(text)
    if text is not None and not (MIN_LENGTH <= len(code) <= MAX_LENGTH and is_clean(text)):
        raise BadPasscode(
            f"a passcode needs {MIN_LENGTH} to {MAX_LENGTH} characters (letters, digits, spaces)"
        )
    with immediate(db):
        _ensure(db)
        version = int(get_meta(db, "staff_passcode_version") or "1") + 1
        set_meta(db, "staff_passcode", code)
        set_meta(db, "staff_passcode_version", str(version))
        log(db, "staff_passcode_changed", station=station, at=iso(), detail={"version": version})
    return code


def check_passcode(db: sqlite_utils.Database, attempt: str) -> bool:
    """True if `attempt` is the passcode (in any case or spacing); a constant-time compare."""
    expected = normalise(staff_passcode(db)).encode()
    return hmac.compare_digest(normalise(attempt[: MAX_LENGTH * 2]).encode(), expected)


def session_key(db: sqlite_utils.Database) -> bytes:
    """The key browser sessions are signed with: changes whenever the passcode changes."""
    staff_passcode(db)
    secret = get_meta(db, "staff_secret") or ""
    version = get_meta(db, "staff_passcode_version") or "1"
    return hashlib.sha256(f"{secret}:{version}".encode()).digest()


def start_session(db: sqlite_utils.Database, address: str) -> str:
    """A new /staff login under the current passcode: its random id (the cookie names it)."""
    session_id, address = secrets.token_urlsafe(18), clean_field(address, one_line=True)
    with immediate(db):
        version = get_meta(db, "staff_passcode_version") or "1"
        db.execute(
            "INSERT INTO staff_sessions (id, started_at, address, passcode_version)"
            " VALUES (?, ?, ?, ?)",
            [session_id, iso(), address, version],
        )
    return session_id


def session_live(db: sqlite_utils.Database, session_id: str) -> bool:
    """True while the login has not ended and the passcode it was made under still holds."""
    row = db.execute(
        "SELECT s.ended_at IS NULL AND s.passcode_version = coalesce("
        "(SELECT value FROM meta WHERE key = 'staff_passcode_version'), '1')"
        " FROM staff_sessions s WHERE s.id = ?",
        [session_id],
    ).fetchone()
    return bool(row and row[0])


def end_session(db: sqlite_utils.Database, session_id: str, *, by: str, station: str) -> bool:
    """End a login (logout): every cookie naming it stops working at once; the row is kept."""
    by = clean_field(by, one_line=True)
    with immediate(db):
        cursor = db.execute(
            "UPDATE staff_sessions SET ended_at = ?, ended_by = ? WHERE id = ? AND ended_at IS NULL",
            [iso(), by, session_id],
        )
        if cursor.rowcount:
            log(db, "staff_logout", station=station, at=iso(), detail={"by": by})
    return bool(cursor.rowcount)


def record_login(
    db: sqlite_utils.Database, ok: bool, *, address: str, station: str, blocked: bool = False
) -> None:
    """Log a staff login or a failed attempt (`blocked`: refused unread, too many failures);
    never the passcode typed."""
    action = "staff_login" if ok else "staff_login_failed"
    detail: dict[str, Any] = {"address": address}
    if blocked:
        detail["blocked"] = True
    with immediate(db):
        log(db, action, station=station, at=iso(), detail=detail)


def login_addresses(db: sqlite_utils.Database, most: int) -> list[str]:
    """The addresses /staff logins came from, the most recent `most`, newest first."""
    rows = db.execute(
        "SELECT address FROM staff_sessions WHERE address IS NOT NULL"
        " GROUP BY address ORDER BY max(started_at) DESC LIMIT ?",
        [most],
    ).fetchall()
    return [row[0] for row in rows]
