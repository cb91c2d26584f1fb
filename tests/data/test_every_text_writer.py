"""Every writer that stores text someone typed stores it as the one text rule cleans it, or
refuses it: one property test over all of them (issue 21).

`WRITERS` calls each public function of bigconv/data that writes a row, with hostile text in
every argument a person can type (names, comments, notes, labels, station names, addresses);
`NO_TYPED_TEXT` names, with a reason, the writers that store nothing typed. A test over the
source keeps the two lists complete: a new writer fails it until it is named in one of them.

After each call, every text cell of the whole database is checked with `unicodedata` (not with
bigconv/core/text.py): no C0/C1 control but newline and tab, no bidi control. And the field a
writer was given is compared with what the rule gives (`clean_field`, one line or not), so no
path cleans differently.
"""

from __future__ import annotations

import ast
import datetime as dt
import itertools
import unicodedata
from collections.abc import Callable
from pathlib import Path

import pytest
import sqlite_utils
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bigconv.core.allocation import Allocation
from bigconv.core.clock import iso
from bigconv.core.errors import ConfigError, StoreError
from bigconv.core.event import load_event
from bigconv.core.text import clean, clean_field
from bigconv.data import (
    allocation,
    attendance,
    attendees,
    checkin,
    database,
    desk,
    feedback,
    log,
    meta,
    passcode,
    reactions,
    rehearsal,
    sync,
    writekeys,
)
from bigconv.data import followup as fu
from tests.helpers.imports import parse_source

BIDI = set("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
PIECES = ["\x1b[2J", "\x9b31m", "\x07", "\x85", "\r", "\r\n", "\u2028", "\u202e", "\u2066"]
PIECES += ["\u200f", "\u061c", "\ud800", "\x00", "\x7f", "\t", "\n", " ", "=", "<b>", "é", "😀"]
hostile = st.lists(
    st.text(st.characters(exclude_categories=()), max_size=6) | st.sampled_from(PIECES),
    max_size=6,
).map("".join)
EXAMPLES = settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
WHEN = dt.datetime(2026, 11, 27, 10, 30, tzinfo=dt.UTC)
serial = itertools.count()


def line(text: str) -> str:
    return clean_field(text, one_line=True)


def storable(text: str) -> str:
    """What a file can hold: no lone surrogate (a CSV or TOML file is UTF-8)."""
    return "".join(ch for ch in text if unicodedata.category(ch) != "Cs")


def unsafe_cells(db: sqlite_utils.Database) -> list[tuple[str, str, str]]:
    """(table, column, value) for every text cell anywhere holding an unsafe character."""
    found = []
    for table in db.table_names():
        columns = [c.name for c in db[table].columns]
        for row in db.execute(f'SELECT * FROM "{table}"').fetchall():
            for column, value in zip(columns, row, strict=True):
                if isinstance(value, str) and any(
                    (unicodedata.category(ch) in ("Cc", "Cs") and ch not in "\t\n") or ch in BIDI
                    for ch in value
                ):
                    found.append((table, column, value))
    return found


def last(db: sqlite_utils.Database, sql: str) -> tuple:
    return db.execute(sql).fetchone()


def ids(db: sqlite_utils.Database) -> tuple[int, int]:
    """A workshop session and a person."""
    session = last(
        db,
        "SELECT min(s.id) FROM sessions s JOIN slots t ON t.id = s.slot_id"
        " WHERE t.kind = 'workshop'",
    )[0]
    person = last(db, "SELECT min(id) FROM attendees")[0]
    return session, person


# -- each writer: store `text` everywhere a person could type; return (stored, expected) pairs --

Pairs = list[tuple[object, object]]


def w_log(db, text) -> Pairs:
    with database.immediate(db):
        log.log(db, "note", station=text, at=iso(WHEN), detail={"said": text})
        log.log(db, "note", station="desk", at=iso(WHEN), detail=text)
    return []  # the detail is JSON or free text: the scan of every cell checks it


def w_meta(db, text) -> Pairs:
    with database.immediate(db):
        meta.set_meta(db, "typed", text)
    return [(meta.get_meta(db, "typed"), clean(text))]


def w_passcode(db, text) -> Pairs:
    try:
        code = passcode.set_passcode(db, text, station=text)
    except passcode.BadPasscode:
        return []  # too short, too long, or not plain text: refused, the old one stands
    assert passcode.check_passcode(db, text)  # the passcode set is the one typed
    return [(meta.get_meta(db, "staff_passcode"), code)]


def w_check_in(db, text) -> Pairs:
    _, person = ids(db)
    checkin.check_in(db, person, station=text, at=WHEN)
    stored = last(db, "SELECT station FROM checkin_records ORDER BY id DESC LIMIT 1")[0]
    checkin.undo_checkin(db, person, station=text, at=WHEN)
    undone = last(db, "SELECT undone_by FROM checkin_records ORDER BY id DESC LIMIT 1")[0]
    return [(stored, line(text)), (undone, line(text))]


def w_rehearsal_reset(db, text) -> Pairs:
    _, person = ids(db)
    checkin.check_in(db, person, station=text, at=WHEN)
    hour = dt.timedelta(hours=1)
    found = rehearsal.standing_records(db, iso(WHEN - hour), iso(WHEN + hour))
    rehearsal.undo_records(db, found, station=text, at=iso(WHEN))
    logged = last(db, "SELECT station, detail FROM log ORDER BY id DESC LIMIT 1")
    return [(logged[0], line(text))]  # the detail (who made the record) is checked as JSON


def w_mark(db, text) -> Pairs:
    session, person = ids(db)
    attendance.mark_present(db, session, person, station=text, at=WHEN, override=True)
    stored = last(db, "SELECT station FROM attendance_records ORDER BY id DESC LIMIT 1")[0]
    attendance.undo_mark(db, session, person, station=text, at=WHEN)
    undone = last(db, "SELECT undone_by FROM attendance_records ORDER BY id DESC LIMIT 1")[0]
    checkin.undo_checkin(db, person, station="desk", at=WHEN)  # the mark checked them in
    return [(stored, line(text)), (undone, line(text))]


def w_walk_in(db, text) -> Pairs:
    fields = dict(first_name=text, last_name=text, school=text, role=text)
    try:
        try:
            person, _ = desk.register_walk_in(db, **fields, station=text, at=WHEN)
        except desk.AlreadyRegistered as same:  # the same text again: a second record, on purpose
            person, _ = desk.register_walk_in(
                db, **fields, despite=same.attendee_ids, station=text, at=WHEN
            )
    except desk.WalkInError:
        assert line(text) == ""  # a first name is needed: nothing is left of this one
        return []
    stored = last(
        db, f"SELECT first_name, last_name, school, role FROM attendees WHERE id = {person}"
    )
    return [(stored, (line(text),) * 4)]


def w_feedback(db, text) -> Pairs:
    session, _ = ids(db)
    feedback.record_feedback(db, session, "device", rating=4, next_step=text, comment=text, at=WHEN)
    stored = last(db, "SELECT next_step, comment FROM feedback ORDER BY id DESC LIMIT 1")
    return [(stored, (clean_field(text),) * 2)]


def w_reaction(db, text) -> Pairs:
    session, _ = ids(db)
    kinds = {k.key for k in reactions.reaction_kinds(db)}
    try:
        reactions.record_reaction(db, session, text, "device", at=WHEN, cooldown=dt.timedelta(0))
    except reactions.UnknownKind:
        assert text not in kinds  # only the event's own kinds are stored
    return []


def w_commitment(db, text) -> Pairs:
    session, person = ids(db)
    row = fu.record_commitment(
        db,
        session,
        "device",
        try_text=text,
        when_where=text,
        help=text,
        attendee_id=person,
        at=WHEN,
    )
    stored = last(db, f"SELECT try_text, when_where, help FROM commitments WHERE id = {row}")
    return [(stored, (clean_field(text),) * 3)]


def a_round(db, station: str = "organiser") -> fu.Link:
    """A follow-up round with a link for a person who made a commitment."""
    session, person = ids(db)
    fu.record_commitment(db, session, "device", try_text="Quizzes", attendee_id=person, at=WHEN)
    label = f"round {next(serial)}"
    _, issued = fu.create_round(
        db, label, closes=WHEN + dt.timedelta(days=60), station=station, at=WHEN
    )
    token = next(i.token for i in issued if i.person.id == person)
    link = fu.resolve_link(db, token, at=WHEN + dt.timedelta(days=1))
    assert link is not None
    return link


def w_round(db, text) -> Pairs:
    label = f"{text}{next(serial)}"  # a round's name is unique: a number after it
    closes = WHEN + dt.timedelta(days=30)
    made, _ = fu.create_round(db, label, closes=closes, station=text, at=WHEN)
    stored = last(db, f"SELECT label, station FROM followup_rounds WHERE id = {made.id}")
    return [(stored, (line(label), line(text)))]


def w_day_links(db, text) -> Pairs:
    fu.create_day_links(db, expires=WHEN + dt.timedelta(days=1), station=text, at=WHEN)
    return []


def w_answers(db, text) -> Pairs:
    link = a_round(db)
    (mine, *_) = fu.commitments_of(db, link.person.id)
    answer = fu.AnswerInput(mine.id, "partly", text, text, text)
    fu.record_answers(db, link, [answer], at=WHEN + dt.timedelta(days=2))
    stored = last(db, "SELECT happened, obstacles, support FROM followup_answers ORDER BY id DESC")
    return [(stored, (clean_field(text),) * 3)]


def w_addressed(db, text) -> Pairs:
    link = a_round(db)
    (mine, *_) = fu.commitments_of(db, link.person.id)
    answer = fu.AnswerInput(mine.id, "partly", "Some", "No cover", "")
    fu.record_answers(db, link, [answer], at=WHEN + dt.timedelta(days=2))
    answer_id = last(db, "SELECT max(id) FROM followup_answers")[0]
    fu.mark_addressed(db, answer_id, note=text, station=text, at=WHEN + dt.timedelta(days=3))
    stored = last(db, "SELECT note, station FROM barriers_addressed ORDER BY id DESC LIMIT 1")
    return [(stored, (clean_field(text), line(text)))]


def w_staff_login(db, text) -> Pairs:
    login = passcode.start_session(db, text)
    passcode.record_login(db, True, address=text, station=text)
    stored = last(db, f"SELECT address FROM staff_sessions WHERE id = '{login}'")[0]
    passcode.end_session(db, login, by=text, station=text)
    ended = last(db, f"SELECT ended_by FROM staff_sessions WHERE id = '{login}'")[0]
    return [(stored, line(text)), (ended, line(text))]


def w_import(db, text, folder: Path) -> Pairs:
    cell = storable(text).replace('"', '""')
    path = folder / f"typed-{next(serial)}.csv"
    path.write_text(
        f'Staff ID,First name,Surname,Email,School\nT{next(serial)},"A{cell}","{cell}",,"{cell}"\n',
        encoding="utf-8",
    )
    try:
        attendees.import_csv(db, path, station=text)
    except attendees.ImportError_:
        return []  # refused as a whole (a cell the file's shape could not hold): nothing stored
    return []  # names are checked by the scan; the exact rule for CSV cells is clean_line


def w_event_file(db, text, folder: Path) -> Pairs:
    source = next(folder.glob("small.toml")).read_text(encoding="utf-8")
    name = next(row for row in source.splitlines() if row.startswith("name"))
    typed = storable(text)
    escaped = "".join(
        f"\\u{ord(ch):04x}" if ch in '"\\' or ord(ch) < 0x20 or ord(ch) == 0x7F else ch
        for ch in typed
    )
    path = folder / f"typed-{next(serial)}.toml"
    path.write_text(source.replace(name, f'name = "{escaped}"', 1), encoding="utf-8")
    try:
        event = load_event(path)
    except ConfigError:
        assert line(typed) == ""  # an event needs a name: refused, nothing stored
        return []
    sync.apply_event(db, event, station=text)
    return [(meta.get_meta(db, "event_name"), line(typed))]


def w_allocation(db, text, folder: Path) -> Pairs:
    problem = allocation.load_problem(db, load_event(folder / "small.toml").audiences)
    allocation.write(db, Allocation(problem, {}), station=text, replace=True)
    return []


def w_write_key(db, text) -> Pairs:
    def action(db):
        meta.set_meta(db, "keyed", "yes")
        return 1

    try:
        writekeys.once(db, "device", text, "POST /x", action, at=WHEN)
    except writekeys.BadKey:
        return []  # not a key: refused, nothing run or stored
    if not text:
        return []  # no key: the action simply ran
    return [(last(db, "SELECT key FROM write_keys ORDER BY rowid DESC LIMIT 1")[0], text or None)]


MODULES = [allocation, attendance, attendees, checkin, desk, feedback, fu, log, meta, passcode]
MODULES += [reactions, rehearsal, sync, writekeys]
WRITERS: dict[str, Callable[..., Pairs]] = {
    "log.log": w_log,
    "meta.set_meta": w_meta,
    "passcode.set_passcode": w_passcode,
    "checkin.check_in": w_check_in,
    "checkin.undo_checkin": w_check_in,
    "rehearsal.undo_records": w_rehearsal_reset,
    "attendance.mark_present": w_mark,
    "attendance.undo_mark": w_mark,
    "desk.register_walk_in": w_walk_in,
    "feedback.record_feedback": w_feedback,
    "reactions.record_reaction": w_reaction,
    "followup.record_commitment": w_commitment,
    "followup.create_round": w_round,
    "followup.create_day_links": w_day_links,
    "followup.record_answers": w_answers,
    "followup.mark_addressed": w_addressed,
    "passcode.start_session": w_staff_login,
    "passcode.end_session": w_staff_login,
    "passcode.record_login": w_staff_login,
    "attendees.import_csv": w_import,
    "sync.apply_event": w_event_file,
    "allocation.write": w_allocation,
    "writekeys.once": w_write_key,
}
NO_TYPED_TEXT = {
    "attendance.headcount": "counts",
    "desk.allocate_places": "ids only: a walk-in's places are session ids",
    "followup.remember_device": "a device token the site made and signed (checked by its rule)",
    "passcode.staff_passcode": "the passcode bigconv makes itself",
    "feedback.device_secret": "a random secret bigconv makes",
    "feedback.summary": "reads only",
    "sync.set_leads": "ids only: links lead names already stored to people (match_leads)",
    "database.insert": "a record its caller made: every caller is named here",
    "database.probe": "a time stamp under a station name given by the code",
    "schema.*": "the schema's own steps: no one's text",
    "backup.*": "copies of the file, not rows",
    "copies.*": "copies of the file, not rows",
    "checkpoint.*": "checkpoints, not rows",
    "doctor.*": "checks, not rows",
}


def writes_rows(source: str) -> bool:
    """True if a function's source writes a row: SQL INSERT or UPDATE, or sqlite-utils' table
    insert/upsert."""
    words = ("INSERT ", "INSERT\n", "UPDATE ", '"].insert(', "].upsert(", "insert(db, ")
    return any(word in source for word in words)


def public_writers() -> set[str]:
    found = set()
    folder = Path(database.__file__).parent
    for path in sorted(folder.glob("*.py")):
        source = path.read_text(encoding="utf-8")
        tree = parse_source(source)
        for node in tree.body:  # module-level functions: the data layer's API
            if (
                isinstance(node, ast.FunctionDef)
                and not node.name.startswith("_")
                and writes_rows(ast.get_source_segment(source, node) or "")
            ):
                found.add(f"{path.stem}.{node.name}")
    return found


def named(writer: str) -> bool:
    module = writer.split(".")[0]
    return writer in WRITERS or writer in NO_TYPED_TEXT or f"{module}.*" in NO_TYPED_TEXT


def test_every_writer_in_the_data_layer_is_named_here():
    found = public_writers()
    assert {"feedback.record_feedback", "desk.register_walk_in", "log.log"} <= found
    assert sorted(w for w in found if not named(w)) == []
    # and everything named here exists (a renamed writer must be renamed here too)
    modules = {m.__name__.rsplit(".", 1)[1]: m for m in MODULES}
    gone = [
        w for w in WRITERS if not callable(getattr(modules[w.split(".")[0]], w.split(".")[1], None))
    ]
    assert gone == []


@pytest.mark.parametrize("writer", sorted(set(WRITERS.values()), key=lambda f: f.__name__))
def test_hostile_text_is_stored_as_the_one_rule_cleans_it_or_refused(writer, small_db, tmp_path):
    db = database.connect(small_db)
    needs_folder = "folder" in writer.__code__.co_varnames[: writer.__code__.co_argcount]

    @EXAMPLES
    @given(hostile)
    def check(text):
        try:
            pairs = writer(db, text, small_db.parent) if needs_folder else writer(db, text)
        except StoreError as exc:
            raise AssertionError(f"the database refused: {exc}") from exc
        for stored, expected in pairs:
            assert stored == expected, (text, stored, expected)
        assert unsafe_cells(db) == [], text

    try:
        check()
    finally:
        db.close()
