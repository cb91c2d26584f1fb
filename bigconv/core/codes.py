"""Short session codes and badge codes: easy to type, unambiguous, stable."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable

# No 0/O, 1/I/L: nothing a person can misread on a poster or mistype on a phone.
ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
BADGE_PREFIX = "BC"


def is_valid_code(code: str) -> bool:
    """True for a 4-5 character session code drawn from ALPHABET."""
    return 4 <= len(code) <= 5 and all(ch in ALPHABET for ch in code)


def _encode(digest: bytes, length: int) -> str:
    n = int.from_bytes(digest, "big")
    chars = []
    for _ in range(length):
        n, r = divmod(n, len(ALPHABET))
        chars.append(ALPHABET[r])
    return "".join(chars)


def derive(seed: str, taken: Callable[[str], bool], length: int = 4) -> str:
    """A code derived from `seed` (so the same input gives the same code), avoiding `taken`."""
    for attempt in range(1000):
        digest = hashlib.sha256(f"{seed}\x00{attempt}".encode()).digest()
        code = _encode(digest, length if attempt < 200 else length + 1)
        if not taken(code):
            return code
    raise RuntimeError("no free code found")  # 31^4 = 923,521 codes: unreachable in practice


def session_code(title: str, slot: str, taken: Callable[[str], bool]) -> str:
    """The code for a new session, derived from its title and slot."""
    return derive(f"session:{title.casefold()}:{slot.casefold()}", taken)


BADGE_LENGTH = 5  # after the prefix: 31^5, about 28.6 million codes


def badge_code(taken: Callable[[str], bool]) -> str:
    """A new random badge code such as BC7KQ2M (stored with the person; never derived from
    an email or staff ID, which anyone could compute it from)."""
    for _ in range(1000):
        code = BADGE_PREFIX + "".join(secrets.choice(ALPHABET) for _ in range(BADGE_LENGTH))
        if not taken(code):
            return code
    raise RuntimeError("no free badge code found")  # 850 of 28.6 million: unreachable


def normalise_code(text: str) -> str:
    """Upper-case and strip what a person or scanner might add around a code."""
    return text.strip().upper().replace(" ", "").replace("-", "")
