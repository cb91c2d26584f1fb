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

Leaving as a spreadsheet cell (`for_spreadsheet`), text that a spreadsheet would run as a
formula gets a leading apostrophe, which shows it as the text it is (CSV injection).
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

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


def clean_field(text: str, *, one_line: bool = False) -> str:
    """A typed value as it is stored (a comment, a note, a round's name): `clean`, or
    `clean_line` if `one_line`, then trimmed of the spaces and newlines around it."""
    return (clean_line(text) if one_line else clean(text)).strip()


def for_cell(text: str) -> str:
    """Text that is already laid out in terminal cells: every unsafe character, and newline,
    tab and carriage return too, removed (none of them takes a cell)."""
    if text.isascii() and text.isprintable():
        return text  # the common case, at no cost
    return _CELL_UNSAFE.sub("", text)


def is_clean(text: str) -> bool:
    """True if `clean` would leave `text` as it is."""
    return _UNSAFE.search(text) is None and _NEWLINES.search(text) is None


def clean_value(value: Any) -> Any:
    """`clean` for a string, a string inside lists and dicts (as TOML gives them), else as is."""
    if isinstance(value, str):
        return clean(value)
    if isinstance(value, dict):
        return {clean(k) if isinstance(k, str) else k: clean_value(v) for k, v in value.items()}
    if isinstance(value, list):
        return [clean_value(v) for v in value]
    return value


# A spreadsheet runs a cell whose first visible character is one of these (OWASP: CSV injection).
FORMULA_CHARS = "=+-@"
# Leading characters that start a formula wherever the cell continues (OWASP's list; kept).
_FORMULA_LEADS = ("\t", "\r")
# Default-ignorable characters that are not format characters (Cf) or whitespace: combining
# grapheme joiner, Hangul fillers, Khmer inherent vowels, Mongolian variation selectors, variation
# selectors, noncharacters U+FFF0-U+FFF8 and the musical beam controls. Spreadsheets show them as
# nothing, so a formula after them looks (and may act) like a formula.
_IGNORED = re.compile(
    "[\u034f\u115f\u1160\u17b4\u17b5\u180b-\u180f\u3164\ufe00-\ufe0f\uffa0\ufff0-\ufff8"
    "\U0001bca0-\U0001bca3\U0001d173-\U0001d17a\U000e0000-\U000e0fff]"
)


def ignored_by_spreadsheets(char: str) -> bool:
    """True for a character Excel, LibreOffice or Sheets may strip before reading a cell:
    whitespace (space, tab, newline, no-break and every other Unicode space), format characters
    (category Cf: zero-width space and joiners, word joiner, byte-order mark, soft hyphen,
    U+180E...) and the other default-ignorable characters."""
    return (
        char.isspace() or unicodedata.category(char) in ("Cf", "Zs") or bool(_IGNORED.match(char))
    )


def starts_formula(text: str) -> bool:
    """True if a spreadsheet could read `text` as a formula: its first character that is not
    ignored (`ignored_by_spreadsheets`), taken in its compatibility form (NFKC: fullwidth
    `＝＋－＠`, small and superscript forms), is one of `= + - @`; or it starts with a tab or
    carriage return.

    So a text cell "-5" counts (Excel would compute it); a number stored as a number is not text
    and never reaches this rule."""
    if text.startswith(_FORMULA_LEADS):
        return True
    for char in text:
        if ignored_by_spreadsheets(char):
            continue
        head = unicodedata.normalize("NFKC", char)
        visible = [c for c in head if not ignored_by_spreadsheets(c)]
        if visible:
            return visible[0] in FORMULA_CHARS
    return False


def for_spreadsheet(value: Any) -> Any:
    """A value for a spreadsheet cell (CSV): text cleaned by `clean`, with a leading apostrophe
    if it `starts_formula`; other values (numbers, None) as they are."""
    if not isinstance(value, str):
        return value
    value = clean(value)
    return "'" + value if starts_formula(value) else value


# A paste into a station (a name, a badge code, a search) is cut to this many characters: far
# more than any of those, and little enough that a pasted document cannot stall a station.
PASTE_MAX = 1000
