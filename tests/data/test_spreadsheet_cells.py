"""Spreadsheet cells: a formula hidden behind characters a spreadsheet ignores is kept as text.

Excel, LibreOffice and Google Sheets drop or normalise leading whitespace, zero-width and other
format characters, and read fullwidth `＝＋－＠` as `= + - @`; a cell that is a formula after that
must leave bigconv with the apostrophe that keeps it text. The model of "what a spreadsheet
sees" below is written here with `unicodedata`, independently of bigconv/core/text.py.
"""

from __future__ import annotations

import ast
import csv
import unicodedata
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bigconv.core.clock import iso
from bigconv.core.text import clean, for_spreadsheet, starts_formula
from bigconv.data import database
from bigconv.data.export import export_csv, write_rows
from tests.helpers.imports import parse
from tests.helpers.processes import run_cli

FORMULA = ("=", "+", "-", "@")
# Default-ignorable code points (Unicode DerivedCoreProperties) that are neither Cf nor space.
DEFAULT_IGNORABLE = set("\u034f\u115f\u1160\u17b4\u17b5\u180b\u180c\u180d\u180f\u3164\uffa0")
DEFAULT_IGNORABLE |= {chr(c) for c in range(0xFE00, 0xFE10)}
# What the fuzz run found in front of a formula, and their relatives.
HIDERS = [
    "\u200b",  # zero-width space
    "\u200c",  # zero-width non-joiner
    "\u200d",  # zero-width joiner
    "\u2060",  # word joiner
    "\u2061",  # function application
    "\u2062",
    "\u2063",
    "\u2064",
    "\ufeff",  # byte-order mark / zero-width no-break space
    "\u00ad",  # soft hyphen
    "\u180e",  # Mongolian vowel separator
    " ",
    "\u00a0",  # no-break space
    "\u2007",  # figure space
    "\u202f",  # narrow no-break space
    "\u3000",  # ideographic space
    "\u205f",
    "\n",
    "\u3164",  # Hangul filler
    "\ufe0f",  # variation selector
]
FULLWIDTH = {"\uff1d": "=", "\uff0b": "+", "\uff0d": "-", "\uff20": "@"}
LOOKALIKES = ["\ufe66", "\u207c", "\u208c", "\ufe62", "\u207a", "\ufe63", "\ufe6b"]  # small/super


def ignorable(char: str) -> bool:
    return (
        char.isspace()
        or unicodedata.category(char) in ("Cf", "Zs", "Cc")
        or char in DEFAULT_IGNORABLE
    )


def seen_by_spreadsheet(cell: str) -> str:
    """The cell as the most forgiving spreadsheet reads it: leading ignorable characters
    stripped, compatibility forms normalised, until nothing changes."""
    while True:
        before = cell
        while cell and ignorable(cell[0]):
            cell = cell[1:]
        cell = unicodedata.normalize("NFKC", cell)
        if cell == before:
            return cell


def assert_text(cell: str) -> None:
    assert cell.startswith("'") or not seen_by_spreadsheet(cell).startswith(FORMULA), repr(cell)


@pytest.mark.parametrize("hider", HIDERS)
@pytest.mark.parametrize("formula", ["=1+1", "+1", "-1", "@SUM(A1)", "＝HYPERLINK(1)"])
def test_formula_behind_an_ignored_character_is_kept_as_text(hider, formula):
    for cell in (hider + formula, hider * 3 + formula, hider + "\u200b " + formula):
        assert starts_formula(cell)
        assert for_spreadsheet(cell) == "'" + cell


@pytest.mark.parametrize("char", [*FULLWIDTH, *LOOKALIKES])
def test_fullwidth_and_small_formula_characters_are_formula_characters(char):
    cell = char + 'HYPERLINK("http://x")'
    assert for_spreadsheet(cell) == "'" + cell
    assert for_spreadsheet("\u200b" + cell) == "'\u200b" + cell


def test_a_hangul_filler_is_seen_through_after_normalising():
    # U+3164 normalises to U+1160, also a filler: the rule looks again after normalising.
    assert starts_formula("\u3164=1") and starts_formula("\u1160=1")


@pytest.mark.parametrize(
    "cell",
    [
        "Zoë O'Brien-Müller",
        "Élodie",
        "عربي",
        "😀 great session",
        " leading space, then words",
        "\u200bhidden space then words",
        "Try 5-a-day = more energy",
        "e-mail the head",
        "",
        "'already quoted",
        "\u2212 5 (a minus sign, not a hyphen)",
    ],
)
def test_ordinary_text_is_left_as_it_is(cell):
    assert not starts_formula(cell)
    assert for_spreadsheet(cell) == cell


def test_numbers_stay_numbers_and_a_text_minus_five_is_kept_as_text():
    """As before: a number stored as a number is written as it is; the text "-5" (typed in a
    comment) gets the apostrophe, since a spreadsheet would compute it."""
    assert for_spreadsheet(-5) == -5
    assert for_spreadsheet(4.5) == 4.5
    assert for_spreadsheet(None) is None
    assert for_spreadsheet("-5") == "'-5"
    assert for_spreadsheet("+44 20 7946 0000") == "'+44 20 7946 0000"


def test_tab_and_carriage_return_at_the_start_still_count():
    assert starts_formula("\tanything") and starts_formula("\ranything")


def test_the_cell_is_cleaned_as_well():
    assert for_spreadsheet("\u202e=1") == "'=1"  # the bidi override goes, the formula is seen
    assert for_spreadsheet("ok\x1b[2J") == "ok[2J"


hiders = st.lists(
    st.sampled_from([*HIDERS, *FULLWIDTH, *LOOKALIKES, "\t", "\r"])
    | st.characters(categories=["Cf", "Zs"]),
    max_size=6,
)


@settings(max_examples=400, deadline=None)
@given(hiders, st.sampled_from([*FORMULA, *FULLWIDTH, *LOOKALIKES]), st.text(max_size=20))
def test_no_cell_reaches_a_spreadsheet_as_a_formula(prefix, formula_char, rest):
    cell = "".join(prefix) + formula_char + rest
    out = for_spreadsheet(cell)
    assert out.startswith("'")
    assert_text(out)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=30))
def test_any_text_leaves_as_text_and_only_a_formula_gets_the_apostrophe(text):
    out = for_spreadsheet(text)
    assert_text(out)
    cleaned = clean(text)
    if cleaned.startswith(("\t", "\r")) or seen_by_spreadsheet(cleaned).startswith(FORMULA):
        assert out == "'" + cleaned
    else:
        assert out == cleaned


def test_every_writer_of_shared_files_goes_through_the_rule(tmp_path):
    """write_rows (mail merge, school CSVs, CPD records) applies the same rule."""
    path = tmp_path / "mail.csv"
    write_rows(path, ["first_name", "n"], [["\ufeff＝cmd|' /C calc'!A0", 3], ["Zoë", -2]])
    with path.open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.reader(f))
    assert rows[1] == ["'\ufeff＝cmd|' /C calc'!A0", "3"]
    assert rows[2] == ["Zoë", "-2"]


def test_only_the_export_module_writes_csv():
    """Every CSV bigconv writes goes through bigconv/data/export.py, and no other module keeps
    its own copy of the formula rule (a `startswith` given "=" or "@")."""
    root = Path(__file__).resolve().parents[2] / "bigconv"
    writers, guards = set(), set()
    for path in root.rglob("*.py"):
        name = path.relative_to(root).as_posix()
        for node in ast.walk(parse(path)):
            if (
                isinstance(node, ast.Attribute)
                and node.attr in ("writer", "DictWriter")
                and isinstance(node.value, ast.Name)
                and node.value.id == "csv"
            ):
                writers.add(name)
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr in ("startswith", "lstrip")
                and any(
                    isinstance(c, ast.Constant) and c.value in ("=", "@", "=+-@")
                    for arg in node.args
                    for c in ast.walk(arg)
                )
            ):
                guards.add(name)
    assert writers == {"data/export.py"}
    assert guards == set()


HIDDEN = [
    '\u200b=HYPERLINK("http://evil.example","click")',
    "\ufeff+1+1",
    "\u2060-2+3",
    "\u00ad@SUM(1)",
    "＝1+1",
    "＋1",
    "－1",
    "＠SUM(1)",
    "\u00a0=1",
    "  =1",
    "\u3000=1",
    "\u180e=1",
]


def test_cli_export_keeps_hidden_formulas_in_phone_comments_as_text(day_db, small_event, tmp_path):
    db = database.connect(day_db)
    with database.immediate(db):
        for comment in [*HIDDEN, "Great, thanks", "-5"]:
            db.execute(
                "INSERT INTO feedback (session_id, rating, comment, at, device)"
                " VALUES (2, 4, ?, ?, 'phone')",
                [comment, iso()],
            )
    db.close()
    done = run_cli("export", small_event, "--out", tmp_path / "csv")
    assert done.returncode == 0, done.stderr
    with (tmp_path / "csv" / "feedback.csv").open(encoding="utf-8-sig", newline="") as f:
        comments = {r["comment"] for r in csv.DictReader(f)}
    for comment in HIDDEN:
        assert "'" + comment in comments
    assert {"Great, thanks", "'-5"} <= comments
    for cell in comments:
        assert_text(cell)


def test_export_api_matches_the_cli(day_db, tmp_path):
    db = database.connect(day_db)
    with database.immediate(db):
        db.execute(
            "INSERT INTO feedback (session_id, rating, comment, at, device)"
            " VALUES (2, 4, '\u200b=1', ?, 'phone')",
            [iso()],
        )
    export_csv(db, tmp_path)
    db.close()
    with (tmp_path / "feedback.csv").open(encoding="utf-8-sig", newline="") as f:
        assert "'\u200b=1" in {r["comment"] for r in csv.DictReader(f)}
