"""The one rule for untrusted text, where text enters and on every path where it leaves.

No C0 or C1 control other than newline and tab, no bidi override, isolate or mark, no lone
surrogate: checked here with `unicodedata`, independently of bigconv/core/text.py.
"""

from __future__ import annotations

import ast
import csv
import datetime as dt
import re
import unicodedata
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from markupsafe import Markup
from rich.segment import Segment
from textual.color import Color

import bigconv
from bigconv.core.event import load_event
from bigconv.core.text import (
    clean,
    clean_field,
    clean_line,
    clean_value,
    for_cell,
    for_spreadsheet,
    is_clean,
    starts_formula,
)
from bigconv.data import database
from bigconv.data import followup as fu
from bigconv.data.attendees import import_csv
from bigconv.data.cpd import Attended, CpdRecord
from bigconv.data.export import export_csv, plain_cell
from bigconv.data.printing import BadgeRow
from bigconv.output.badges import write_badges
from bigconv.output.certificates import render_certificates, write_cpd_csv
from bigconv.output.templates import plain
from bigconv.tui.plaintext import PlainText
from bigconv.web.common.errors import Invalid
from bigconv.web.common.forms import clean_text
from bigconv.web.render import render
from tests.helpers.imports import parse, parse_source
from tests.helpers.text import BIDI, DIRTY, STORABLE, unsafe

PIECES = [
    "\x1b",
    "\x1b[2J",
    "\x9b",
    "\x9d",
    "\x07",
    "\x85",
    "\r",
    "\r\n",
    "\u2028",
    "\u202e",
    "\u2066",
    "\u200f",
    "\ud800",
    "\udfff",
    "<",
    "&",
    "[b]",
    "=",
    "é",
    "عربي",
    "😀",
]
# Every code point class, lone surrogates included (hypothesis leaves them out by default).
any_text = st.lists(
    st.text(st.characters(exclude_categories=()), max_size=8) | st.sampled_from(PIECES),
    max_size=8,
).map("".join) | st.just(DIRTY)


FAST = settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@FAST
@given(any_text)
def test_clean_leaves_nothing_unsafe_and_is_stable(text):
    out = clean(text)
    assert unsafe(out) == [] and "\r" not in out
    assert clean(out) == out and is_clean(out)
    assert unsafe(clean_line(text), allowed="") == []
    kept = [ch for ch in text if not unsafe(ch) and ch not in "\r\u2028\u2029"]
    assert [ch for ch in out if ch != "\n"] == [ch for ch in kept if ch != "\n"]


def test_clean_keeps_every_script_and_turns_returns_into_newlines():
    assert clean("Zoë O'Brien-Müller — عربي 😀\tx") == "Zoë O'Brien-Müller — عربي 😀\tx"
    assert clean("a\r\nb\rc\u2028d") == "a\nb\nc\nd"
    assert clean(DIRTY) == "Ada]0;pwned[2J31m8;;http://evil.exampleclick8;;ecilAx\nend"


@FAST
@given(any_text)
def test_html_pages_and_printables_print_only_safe_text(text):
    html = render("error.html", event_name=text, message=text, code=text, not_found=True)
    assert unsafe(html) == []


@FAST
@given(any_text)
def test_terminal_cells_never_carry_a_control(text):
    segments = [Segment(text), Segment("ok"), Segment(text, None, None)]
    out = PlainText().apply(segments, Color(0, 0, 0))
    assert all(unsafe(s.text, allowed="") == [] for s in out)
    assert [s.text for s in out][1] == "ok"


def test_certificates_badges_and_cpd_csv_from_a_dirty_row(tmp_path: Path):
    when = dt.datetime(2026, 11, 27, 10, tzinfo=dt.UTC)
    visit = Attended("ABCD", DIRTY, DIRTY, DIRTY, DIRTY, when, when, when, DIRTY)
    record = CpdRecord(1, "BCABCDE", DIRTY, DIRTY, DIRTY, DIRTY, DIRTY, [visit])
    html = render_certificates([record], event=DIRTY, date="2026-11-27", venue=DIRTY)
    assert "ecilA" in html and unsafe(html) == []
    write_cpd_csv([record], tmp_path / "cpd.csv")
    assert unsafe((tmp_path / "cpd.csv").read_text(encoding="utf-8-sig")) == []
    written = write_badges(tmp_path / "badges", [BadgeRow("BCABCDE", DIRTY, DIRTY, DIRTY)], DIRTY)
    sheet = written[-1].read_text(encoding="utf-8")
    assert "pwned" in sheet and unsafe(sheet) == []


def test_export_cleans_a_dirty_row_another_tool_wrote(small_db: Path, tmp_path: Path):
    db = database.connect(small_db)
    with database.immediate(db):
        db.execute(
            "UPDATE attendees SET first_name = ?, school = ?", [DIRTY[:-4], "=1+1" + DIRTY[:-4]]
        )  # SQLite stores no lone surrogate
    for raw in (False, True):
        for done in export_csv(db, tmp_path / f"out-{raw}", raw=raw):
            text = done.path.read_text(encoding="utf-8-sig")
            # csv quotes a cell with a newline, so only the cells themselves are checked
            cells = [c for row in csv.reader(text.splitlines()) for c in row]
            assert all(unsafe(c) == [] for c in cells), done.name
    db.close()


def test_csv_import_and_event_file_store_clean_text(small_event: Path, small_db: Path):
    staff = small_event.parent / "dirty.csv"
    staff.write_text(
        "Staff ID,First name,Surname,Email,School\n"
        f'S9,"{STORABLE}",Evil\x1b[2J,e@x.sch.uk,"Al\u202epha\nSchool"\n',
        encoding="utf-8",
    )
    db = database.connect(small_db)
    report = import_csv(db, staff)
    assert report.imported == 1
    row = db.execute(
        "SELECT first_name, last_name, school FROM attendees WHERE email = 'e@x.sch.uk'"
    ).fetchone()
    assert all(unsafe(v, allowed="") == [] for v in row)
    assert row[1] == "Evil[2J" and row[2] == "Alpha School"
    db.close()
    toml = small_event.read_text(encoding="utf-8")
    dirty_event = small_event.parent / "dirty.toml"
    name = next(line for line in toml.splitlines() if line.startswith("name"))
    dirty_event.write_text(
        toml.replace(name, 'name = "Big\\u001b[2J \\u202eDay\\u0085"', 1), encoding="utf-8"
    )
    assert load_event(dirty_event).name == "Big[2J Day"


def has_lone_surrogate(text: str) -> bool:
    return any(unicodedata.category(ch) == "Cs" for ch in text)


@FAST
@given(any_text)
def test_every_cleaner_in_the_package_agrees_with_text_py(text):
    """Each public function that cleans untrusted text gives what bigconv/core/text.py gives:
    one rule, so no copy can drift (as followup.py's own `clean` once did)."""
    expected = clean(text)
    one_line = expected.replace("\n", " ").replace("\t", " ")
    assert clean_line(text) == one_line
    assert clean_field(text) == expected.strip()
    assert clean_field(text, one_line=True) == one_line.strip()
    assert is_clean(text) == (expected == text)
    assert clean_value({text: [text, 1]}) == {expected: [expected, 1]}
    assert for_cell(text) == expected.replace("\n", "").replace("\t", "")
    assert for_spreadsheet(text) == ("'" if starts_formula(expected) else "") + expected
    assert plain_cell(text) == expected  # export --raw
    assert plain(text) == expected and str(plain(Markup(text))) == expected  # every template
    assert fu.round_label(text) == one_line.strip()  # `bigconv followup --round`
    try:  # the phone site: a lone surrogate is refused (400), everything else cleaned
        from_phone = clean_text(text, 10**6, "The comment")
    except Invalid:
        assert has_lone_surrogate(text)
    else:
        assert from_phone == expected.strip() and not has_lone_surrogate(text)


@settings(FAST, max_examples=40)
@given(any_text)
def test_follow_up_text_is_stored_as_text_py_cleans_it(db, text):
    """The CPD loop's writes (commitments, answers, notes) store `clean_field` of what came."""
    session = db.execute("SELECT id FROM sessions ORDER BY id LIMIT 1").fetchone()[0]
    row_id = fu.record_commitment(db, session, "phone", try_text=text, when_where=text, help=text)
    stored = db.execute(
        "SELECT try_text, when_where, help FROM commitments WHERE id = ?", [row_id]
    ).fetchone()
    assert stored == (clean_field(text),) * 3


PACKAGE = Path(bigconv.__file__).resolve().parent
THE_RULE = "core/text.py"
# A character class: what a regular expression that removes or finds characters is made of.
CHAR_CLASS = re.compile(r"\[[^\]]*\]")
ESCAPE = re.compile(r"\\(?:x([0-9a-fA-F]{2})|u([0-9a-fA-F]{4})|U([0-9a-fA-F]{8})|([0-7]{3}))")


def is_control(ch: str) -> bool:
    """A character the text rule decides about: C0/C1, a surrogate, a bidi control, a line or
    paragraph separator (checked with unicodedata, not with text.py)."""
    return unicodedata.category(ch) in ("Cc", "Cs", "Zl", "Zp") or ch in BIDI


def names_a_control(char_class: str) -> bool:
    """True if a character class holds a control character, as itself or as an escape."""
    escaped = [
        chr(int(next(g for g in m.groups() if g), 8 if m[4] else 16))
        for m in ESCAPE.finditer(char_class)
    ]
    return any(is_control(ch) for ch in [*char_class, *escaped])


def strings_of(tree: ast.AST):
    """Every string a module writes, an f-string's pieces joined (a field as `{}`)."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str | bytes):
            value = node.value
            yield value if isinstance(value, str) else value.decode("latin-1")
        elif isinstance(node, ast.JoinedStr):
            yield "".join(v.value if isinstance(v, ast.Constant) else "{}" for v in node.values)


def home_made_cleaners() -> dict[str, list[str]]:
    """Per module, what looks like its own text rule: a character class naming a control
    character, a test of `isprintable()` or of a character's Unicode category."""
    found: dict[str, list[str]] = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        tree = parse(path)
        hits = [
            repr(c)
            for text in strings_of(tree)
            for c in CHAR_CLASS.findall(text)
            if names_a_control(c)
        ]
        hits += [
            node.attr
            for node in ast.walk(tree)
            if isinstance(node, ast.Attribute)
            and (
                node.attr == "isprintable"
                or (node.attr == "category" and getattr(node.value, "id", "") == "unicodedata")
            )
        ]
        if hits:
            found[path.relative_to(PACKAGE).as_posix()] = hits
    return found


def test_only_text_py_defines_a_control_character_rule():
    """One rule, one place (STYLE.md): no module but bigconv/core/text.py has a regular
    expression of control or bidi characters, or its own `isprintable` / category test;
    every other module calls text.clean, clean_line, clean_field, is_clean or for_cell."""
    found = home_made_cleaners()
    assert THE_RULE in found  # the scan sees the rule where it is (so it can see a copy)
    assert {k: v for k, v in found.items() if k != THE_RULE} == {}


def test_the_scan_finds_a_copy_like_followups_old_one():
    old_copy = 'UNSAFE_RE = re.compile(r"[\\x00-\\x08\\x7f-\\x9f\\u202a-\\u202e]")\n'
    written = 'SEP = "\\u2028"\nLINE = re.compile(f"[\\t{SEP}]")\n'  # an f-string's pieces
    for source in (old_copy, written):
        assert any(
            names_a_control(c)
            for t in strings_of(parse_source(source))
            for c in CHAR_CLASS.findall(t)
        )
    assert not names_a_control(r"[A-Za-z0-9_-]") and not names_a_control(r"[\s\-_.,/]")
