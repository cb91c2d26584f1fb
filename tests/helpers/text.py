"""Hostile text, and what counts as unsafe in it: checked with `unicodedata`, independently of
bigconv/core/text.py (the rule under test)."""

from __future__ import annotations

import unicodedata

BIDI = set("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
# What the review sent: OSC title, clear screen, C1 CSI colour, C1 OSC 8 link, bidi override.
DIRTY = (
    "Ada\x1b]0;pwned\x07\x1b[2J\x9b31m\x9d8;;http://evil.example\x9cclick\x9d8;;\x9c"
    "\u202eecilA\u202c\u2066x\u2069\u200e\u200f\u061c\x00\x7f\x85\r\n\ud800end"
)
STORABLE = DIRTY.replace("\ud800", "")  # what a file or SQLite can hold


def unsafe(text: str, *, allowed: str = "\t\n") -> list[str]:
    """The characters of `text` no screen, page or file may show: C0 and C1 controls other
    than `allowed`, lone surrogates, bidi overrides, isolates and marks."""
    return [
        ch
        for ch in text
        if (unicodedata.category(ch) in ("Cc", "Cs") and ch not in allowed) or ch in BIDI
    ]
