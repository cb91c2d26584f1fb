"""The one rule for untrusted text (phones, CSV files, the event file): text stays text.

No C0 or C1 control character other than newline and tab survives, nor DEL, nor any invisible
bidirectional control (the embeddings and overrides U+202A-U+202E, the isolates U+2066-U+2069,
and the marks U+200E, U+200F and U+061C), nor a lone surrogate (which cannot be stored or
sent). A carriage return, alone or before a newline, becomes a newline, as do the Unicode line
and paragraph separators. Everything else, every script and every emoji, is kept as typed.

Why the marks go too: in a name or a short comment they only ever reorder the text around
them, which is how a name is made to read differently on a certificate; right-to-left text
(Arabic, Hebrew) shows correctly without them, because the letters carry their direction.

The rule is applied where text enters (`clean` before it is stored) and again where it leaves
(every renderer: the terminal, HTML, CSV, printables), so a dirty row written by another tool
still shows as plain text.
"""

from __future__ import annotations

import re

_NEWLINES = re.compile("\r\n?|[\u2028\u2029]")
_BIDI_AND_SURROGATES = "\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\ud800-\udfff"
# C0 but tab (09) and newline (0A); DEL and C1; the bidi controls; lone surrogates.
_UNSAFE = re.compile(f"[\x00-\x08\x0b-\x1f\x7f-\x9f{_BIDI_AND_SURROGATES}]")
_LINE_BREAKS = re.compile("[\t\n]")
_CELL_UNSAFE = re.compile(f"[\x00-\x1f\x7f-\x9f\u2028\u2029{_BIDI_AND_SURROGATES}]")


def clean(text: str) -> str:
    """`text` with every unsafe character removed; newlines and tabs kept."""
    if text.isascii() and text.isprintable():
        return text  # the common case, at no cost
    return _UNSAFE.sub("", _NEWLINES.sub("\n", text))


def clean_line(text: str) -> str:
    """`clean` for one-line values (names, titles, cells): newlines and tabs become spaces."""
    return _LINE_BREAKS.sub(" ", clean(text))


def for_cell(text: str) -> str:
    """Text that is already laid out in terminal cells: every unsafe character, and newline,
    tab and carriage return too, removed (none of them takes a cell)."""
    return _CELL_UNSAFE.sub("", text)


def is_clean(text: str) -> bool:
    """True if `clean` would leave `text` as it is."""
    return _UNSAFE.search(text) is None and _NEWLINES.search(text) is None


def clean_value(value):
    """`clean` for a string, a string inside lists and dicts (as TOML gives them), else as is."""
    if isinstance(value, str):
        return clean(value)
    if isinstance(value, dict):
        return {clean(k) if isinstance(k, str) else k: clean_value(v) for k, v in value.items()}
    if isinstance(value, list):
        return [clean_value(v) for v in value]
    return value


# A paste into a station (a name, a badge code, a search) is cut to this many characters: far
# more than any of those, and little enough that a pasted document cannot stall a station.
PASTE_MAX = 1000
