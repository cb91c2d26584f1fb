"""`init` builds the database from the event file and keeps everything recorded across edits."""

from __future__ import annotations

import pytest

from bigconv.core.clock import iso
from bigconv.core.event import load_event
from bigconv.data import database
from bigconv.data.checkin import check_in
from bigconv.data.sync import SyncRefused, apply_event

DESIGN_TABLES = {
    "rooms",
    "slots",
    "sessions",
    "attendees",
    "preferences",
    "allocations",
    "reactions",
    "feedback",
    "log",
}


def dump(db) -> dict:
    return {
        t: list(db[t].rows) for t in db.table_names() + db.view_names() if not t.startswith("_")
    }


def test_sample_day_has_design_tables_and_sizes(sample_event):
    db = database.connect(sample_event.with_suffix(".db"))
    assert DESIGN_TABLES <= set(db.table_names())
    assert {"checkins", "attendance"} <= set(db.view_names())
    assert db["attendees"].count == 850
    assert (
        db.execute(
            "SELECT count(*) FROM sessions s JOIN slots t ON t.id = s.slot_id WHERE t.kind = 'workshop'"
        ).fetchone()[0]
        == 60
    )
    assert db["preferences"].count == 850 * 3
    codes = [r["code"] for r in db["sessions"].rows]
    assert len(set(codes)) == len(codes)
    assert all(len(c) == 4 and not set(c) & set("0O1IL") for c in codes)


def test_init_twice_changes_nothing(small_event, small_db):
    db = database.connect(small_db)
    before = dump(db)
    report = apply_event(db, load_event(small_event))
    assert report.unchanged
    assert dump(db) == before


def test_codes_are_stable_across_fresh_databases(small_event, tmp_path):
    event = load_event(small_event)
    a = database.connect(tmp_path / "a.db")
    b = database.connect(tmp_path / "b.db")
    apply_event(a, event)
    apply_event(b, event)
    assert [r["code"] for r in a["sessions"].rows] == [r["code"] for r in b["sessions"].rows]


def edit(path, old, new):
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def record_everything(db, session_id):
    check_in(db, 1, station="Desk 1")
    with database.immediate(db):
        db.execute(
            "INSERT INTO attendance_records (session_id, attendee_id, at, station) VALUES (?, 1, ?, 'Room')",
            [session_id, iso()],
        )
        db.execute(
            "INSERT INTO reactions (session_id, kind, at, device) VALUES (?, 'useful', ?, 'd1')",
            [session_id, iso()],
        )
        db.execute(
            "INSERT INTO feedback (session_id, rating, at, device) VALUES (?, 5, ?, 'd1')",
            [session_id, iso()],
        )


def test_rename_keeps_code_and_rows(small_event, small_db):
    db = database.connect(small_db)
    phonics = db.execute("SELECT id, code FROM sessions WHERE title = 'Phonics'").fetchone()
    record_everything(db, phonics[0])
    edit(small_event, 'title = "Phonics"', 'title = "Phonics for everyone"')
    report = apply_event(db, load_event(small_event))
    assert report.changed == [f"session 'Phonics for everyone' ({phonics[1]})"]
    row = db.execute(
        "SELECT id, code FROM sessions WHERE title = 'Phonics for everyone'"
    ).fetchone()
    assert tuple(row) == tuple(phonics)
    for table in ("attendance", "reactions", "feedback", "preferences"):
        assert (
            db.execute(f"SELECT count(*) FROM {table} WHERE session_id = ?", [row[0]]).fetchone()[0]
            >= 1
        )


def test_move_to_another_room_keeps_rows(small_event, small_db):
    db = database.connect(small_db)
    oracy = db.execute("SELECT id, code FROM sessions WHERE title = 'Oracy'").fetchone()
    record_everything(db, oracy[0])
    edit(small_event, 'room = "Room B"\nslot = "Afternoon"', 'room = "Hall"\nslot = "Afternoon"')
    apply_event(db, load_event(small_event))
    row = db.execute(
        "SELECT s.id, s.code, r.name FROM sessions s JOIN rooms r ON r.id = s.room_id WHERE title = 'Oracy'"
    ).fetchone()
    assert tuple(row) == (oracy[0], oracy[1], "Hall")
    assert db["reactions"].count == 1


def test_removing_a_session_with_data_is_refused_and_changes_nothing(small_event, small_db):
    db = database.connect(small_db)
    oracy = db.execute("SELECT id FROM sessions WHERE title = 'Oracy'").fetchone()[0]
    record_everything(db, oracy)
    before = dump(db)
    text = small_event.read_text()
    small_event.write_text(
        text.replace('[[sessions]]\ntitle = "Oracy"\nroom = "Room B"\nslot = "Afternoon"\n', "")
    )
    with pytest.raises(
        SyncRefused,
        match=r"removing session 'Oracy' \(\w+\) would lose 1 attendance record, 1 reaction, 1 feedback response",
    ):
        apply_event(db, load_event(small_event))
    assert dump(db) == before


def test_removing_an_unused_session_and_room(small_event, small_db):
    db = database.connect(small_db)
    text = small_event.read_text()
    text = text.replace('[[sessions]]\ntitle = "Oracy"\nroom = "Room B"\nslot = "Afternoon"\n', "")
    small_event.write_text(text)
    report = apply_event(db, load_event(small_event))
    assert any(item.startswith("session 'Oracy'") for item in report.removed)
    assert db.execute("SELECT count(*) FROM sessions WHERE title = 'Oracy'").fetchone()[0] == 0
    assert db["log"].count > 0


def test_the_log_is_append_only(db):
    with pytest.raises(Exception, match="append-only"):
        db.execute("DELETE FROM log")
    with pytest.raises(Exception, match="append-only"):
        db.execute("UPDATE log SET station = 'x'")


def test_leads_are_matched_to_attendees(db):
    row = db.execute(
        "SELECT a.first_name, a.last_name FROM session_leads l JOIN sessions s ON s.id = l.session_id"
        " JOIN attendees a ON a.id = l.attendee_id WHERE s.title = 'Phonics'"
    ).fetchone()
    assert tuple(row) == ("Ada", "Lovelace")
