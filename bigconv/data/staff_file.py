"""A staff list's file as the school systems and Excel save it: bytes to a header and rows.

Encodings: UTF-8 (with or without a byte-order mark), UTF-16 with a byte-order mark (little- or
big-endian: Excel's "Unicode Text"), else Windows-1252 (Excel's "CSV" on Windows) when the bytes
are not UTF-8. Separators: comma, semicolon, tab or pipe, whichever the header line holds most
of (outside quotes). Line ends: CRLF, LF or CR alone (Excel for Mac). Every cell passes the one
text rule (`core/text.py`) before anything else sees it.

Anything else is refused with one message naming the file and what is wrong (`ImportError_`),
before the database is touched: binary data (a workbook saved as .xlsx, an image), text in
another encoding, a cell longer than `csv`'s limit (131,072 characters), no header row.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from dataclasses import dataclass
from pathlib import Path

from bigconv.core.text import clean_line

SEPARATORS = (",", ";", "\t", "|")
# Bytes no text export starts with: spreadsheet workbooks, which users pick by mistake.
_WORKBOOKS = {
    b"PK\x03\x04": "an Excel workbook (.xlsx) or another zip file",
    b"\xd0\xcf\x11\xe0": "an old Excel workbook (.xls)",
}
_BOMS = (
    (codecs.BOM_UTF32_LE, None),  # checked before UTF-16 LE, whose BOM it starts with
    (codecs.BOM_UTF32_BE, None),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_BINARY = "binary data (or UTF-16 without its byte-order mark), not a text file"
SAVE_AS = "save it from the spreadsheet as 'CSV UTF-8' or 'Unicode Text'"


class ImportError_(Exception):
    """The file cannot be imported at all (unreadable, no usable columns); nothing was changed."""


@dataclass
class StaffTable:
    """A staff file read: its header cells, its rows (line number, cells) and how it was read."""

    headers: list[str]
    rows: list[tuple[int, list[str]]]
    encoding: str
    separator: str


def read_text(path: Path) -> tuple[str, str]:
    """The file's text and the name of the encoding it was read in (refused: ImportError_)."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ImportError_(f"{path.name}: cannot read: {exc.strerror}") from None
    for magic, what in _WORKBOOKS.items():
        if raw.startswith(magic):
            raise ImportError_(f"{path.name}: this is {what}, not a CSV file: {SAVE_AS}")
    text, encoding = _decode(path, raw)
    # A stray NUL is cleaned like any other control (core/text.py); one in ten is no text.
    if text.count("\x00") > len(text) // 10:
        raise ImportError_(f"{path.name}: {_BINARY}: {SAVE_AS}")
    return text, encoding


def _decode(path: Path, raw: bytes) -> tuple[str, str]:
    for bom, encoding in _BOMS:
        if raw.startswith(bom):
            if encoding is None:
                raise ImportError_(f"{path.name}: UTF-32 text is not read: {SAVE_AS}")
            try:
                return raw[len(bom) :].decode(encoding), encoding.upper()
            except UnicodeDecodeError as exc:
                raise ImportError_(
                    f"{path.name}: starts as {encoding.upper()} but byte {exc.start} is not "
                    f"{encoding.upper()}: {SAVE_AS}"
                ) from None
    try:
        return raw.decode("utf-8"), "UTF-8"
    except UnicodeDecodeError:
        pass
    if b"\x00" in raw:  # UTF-16 without its byte-order mark, or not text at all
        raise ImportError_(f"{path.name}: {_BINARY}: {SAVE_AS}")
    try:
        return raw.decode("cp1252"), "Windows-1252"
    except UnicodeDecodeError as exc:
        raise ImportError_(
            f"{path.name}: neither UTF-8, UTF-16 nor Windows-1252 text (byte {exc.start} is "
            f"0x{raw[exc.start]:02X}): {SAVE_AS}"
        ) from None


def sniff_separator(text: str) -> str:
    """The separator the header line holds most of, outside quotes (comma if it has none)."""
    counts = dict.fromkeys(SEPARATORS, 0)
    quoted = False
    for char in text:
        if char == '"':
            quoted = not quoted
        elif not quoted and char in "\r\n":
            break
        elif not quoted and char in counts:
            counts[char] += 1
    best = max(SEPARATORS, key=lambda s: counts[s])
    return best if counts[best] else ","


def read_table(path: Path) -> StaffTable:
    """The file's header and non-blank rows, every cell one clean line (core/text.py); refused
    (ImportError_) if it is not a table of text this can read."""
    text, encoding = read_text(path)
    separator = sniff_separator(text)
    # newline="": the csv module sees CRLF, LF and CR alone as line ends (and keeps line breaks
    # inside quoted cells), as its documentation asks.
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=separator, strict=False)
    records: list[list[str]] = []
    try:
        for record in reader:
            records.append([clean_line(cell) for cell in record])
    except csv.Error as exc:
        problem = str(exc)
        if "field larger than field limit" in problem:
            problem = f"a cell longer than {csv.field_size_limit():,} characters (the limit)"
        raise ImportError_(f"{path.name}: line {reader.line_num}: {problem}") from None
    if not records or not any(cell.strip() for cell in records[0]):
        raise ImportError_(f"{path.name}: empty file, or no header row")
    rows = [
        (line, record)
        for line, record in enumerate(records[1:], start=2)
        if any(cell.strip() for cell in record)
    ]
    return StaffTable([h.strip() for h in records[0]], rows, encoding, separator)


FIELDS = ("first_name", "last_name", "name", "email", "school", "role", "staff_id", "badge")

# Header names seen in school exports (SIMS, Arbor, Bromcom staff reports among them), compared
# after lower-casing and dropping punctuation, camel case read as words (`_header_key`). Earlier names win when a file has several for
# one field: the name a person goes by ("Preferred Forename", "Known As") before the legal one.
HEADERS: dict[str, tuple[str, ...]] = {
    "first_name": (
        "preferred forename",
        "preferred first name",
        "preferred given name",
        "known as",
        "preferred name",
        "first name",
        "firstname",
        "forename",
        "forenames",
        "given name",
        "given names",
        "legal forename",
        "legal forenames",
        "legal first name",
    ),
    "last_name": (
        "preferred surname",
        "preferred last name",
        "surname",
        "last name",
        "lastname",
        "family name",
        "legal surname",
        "legal last name",
    ),
    "name": ("name", "full name", "fullname", "staff name", "display name", "staff member"),
    "email": (
        "work email",
        "work email address",
        "school email",
        "school email address",
        "email",
        "e mail",
        "email address",
        "primary email",
        "personal email",
    ),
    "school": (
        "school",
        "school name",
        "academy",
        "academy name",
        "establishment",
        "establishment name",
        "site",
        "site name",
        "base",
        "location",
    ),
    "role": (
        "role",
        "staff role",
        "job title",
        "post title",
        "post",
        "position",
        "job role",
        "staff type",
        "staff category",
        "category",
    ),
    "staff_id": (
        "staff id",
        "staffid",
        "staff code",
        "staff number",
        "staff no",
        "employee id",
        "employee number",
        "employee no",
        "payroll number",
        "payroll no",
        "person id",
        "id",
    ),
    "badge": ("badge", "badge code", "badge id"),
}
CHOICE_RE = re.compile(
    r"^(?:choice|preference|pref|workshop|option)\s*(\d+)$|^(\d+)(?:st|nd|rd|th)?\s*(?:choice|preference)$"
)


def _header_key(text: str) -> str:
    """A header as compared: words split at punctuation and at camel case (SIMS's
    "PreferredForename" is "preferred forename"), lower case."""
    words = re.sub(r"([a-z])([A-Z])", r"\1 \2", text)
    return " ".join(re.sub(r"[^a-z0-9]+", " ", words.casefold()).split())


def map_columns(
    headers: list[str], overrides: dict[str, str]
) -> tuple[dict[str, int], dict[int, int]]:
    """Field -> column index, and choice rank -> column index."""
    fields: dict[str, int] = {}
    choices: dict[int, int] = {}
    by_key = {_header_key(h): i for i, h in enumerate(headers)}
    for column, target in overrides.items():
        if _header_key(column) not in by_key:
            raise ImportError_(
                f"--map {column}={target}: no column {column!r} (columns: {', '.join(headers)})"
            )
        index = by_key[_header_key(column)]
        m = re.fullmatch(r"choice(\d+)", target)
        if m:
            choices[int(m.group(1))] = index
        elif target in FIELDS:
            fields[target] = index
        else:
            raise ImportError_(
                f"--map {column}={target}: unknown field {target!r} (fields: {', '.join(FIELDS)}, choice1, choice2, ...)"
            )
    best: dict[str, tuple[int, int]] = {}  # field -> (alias priority, column)
    for i, h in enumerate(headers):
        key = _header_key(h)
        if i in fields.values() or i in choices.values():
            continue
        for name, aliases in HEADERS.items():
            if key in aliases:
                if name not in fields and (name not in best or aliases.index(key) < best[name][0]):
                    best[name] = (aliases.index(key), i)
                break
        else:
            m = CHOICE_RE.match(key)
            if m:
                rank = int(m.group(1) or m.group(2))
                choices.setdefault(rank, i)
    fields.update({name: column for name, (_, column) in best.items()})
    return fields, choices


def describe_columns(headers: list[str], fields: dict[str, int], choices: dict[int, int]) -> str:
    """Which columns were read as which field, and which were not used, for error messages."""
    used = {i: f for f, i in fields.items()} | {i: f"choice{r}" for r, i in choices.items()}
    matched = [f"{headers[i]!r} as {used[i]}" for i in sorted(used)]
    unused = [repr(h) for i, h in enumerate(headers) if i not in used and h]
    return f"columns read: {', '.join(matched) or 'none'}; not used: {', '.join(unused) or 'none'}"


def fallbacks(headers: list[str], fields: dict[str, int]) -> dict[str, list[int]]:
    """For each field, the other columns that could be it, best first: a blank "Known As"
    falls back to "Forename", then "Legal Forename"."""
    out: dict[str, list[int]] = {}
    for name, column in fields.items():
        aliases = HEADERS.get(name, ())
        others = [
            (aliases.index(_header_key(h)), i)
            for i, h in enumerate(headers)
            if i != column and _header_key(h) in aliases and i not in fields.values()
        ]
        if others:
            out[name] = [i for _, i in sorted(others)]
    return out


def cells(
    row: list[str], fields: dict[str, int], fallbacks: dict[str, list[int]]
) -> dict[str, str]:
    def get(i: int) -> str:
        return row[i].strip() if i < len(row) else ""

    cell = {f: get(i) for f, i in fields.items()}
    for f, columns in fallbacks.items():
        for i in columns:
            if cell[f]:
                break
            cell[f] = get(i)
    return cell
