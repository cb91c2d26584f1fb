"""One place per person per slot: refused naming the other session, or a recorded move;
certificates and the report never count one slot's time twice."""

from __future__ import annotations

import datetime as dt
import sqlite3

import pytest

from bigconv.core.clock import iso
from bigconv.data import attendance, cpd, report, timetable
from bigconv.data.attendance import ELSEWHERE, MARKED

T1 = dt.datetime(2026, 11, 27, 10, 5, tzinfo=dt.UTC)
T2 = dt.datetime(2026, 11, 27, 10, 12, tzinfo=dt.UTC)


def ids(db) -> dict:
    rooms = {r["id"]: r["name"] for r in db["rooms"].rows}
    sessions = {f"{s['title']}/{rooms[s['room_id']]}": s["id"] for s in db["sessions"].rows}
    ada = db.execute("SELECT id FROM attendees WHERE first_name = 'Ada'").fetchone()[0]
    return {**sessions, "ada": ada}


def test_second_session_of_a_slot_is_refused_naming_the_first(db):
    i = ids(db)
    first = attendance.mark_present(db, i["Phonics/Room A"], i["ada"], station="A", at=T1)
    assert first.status == MARKED
    second = attendance.mark_present(db, i["Wellbeing/Room B"], i["ada"], station="B", at=T2)
    assert second.status == ELSEWHERE
    assert second.other.title == "Phonics" and second.other.room == "Room A"
    assert second.station == "A"  # who marked the first
    assert attendance.headcount(db, i["Wellbeing/Room B"]).present == 0
    assert db.execute("SELECT session_id FROM attendance").fetchall() == [(i["Phonics/Room A"],)]
    attendance.decline_mark(db, i["Wellbeing/Room B"], i["ada"], reason=ELSEWHERE, station="B")
    refusal = db.execute(
        "SELECT detail FROM log WHERE action = 'attend_refused' AND station = 'B'"
    ).fetchone()[0]
    assert '"reason": "elsewhere"' in refusal


def test_move_stamps_the_first_mark_and_keeps_it(db):
    i = ids(db)
    attendance.mark_present(db, i["Phonics/Room A"], i["ada"], station="A", at=T1)
    moved = attendance.mark_present(
        db, i["Wellbeing/Room B"], i["ada"], station="B", at=T2, move=True
    )
    assert moved.status == MARKED and moved.moved and moved.other.title == "Phonics"
    records = db.execute(
        "SELECT session_id, undone_at, undone_by, moved_to FROM attendance_records ORDER BY id"
    ).fetchall()
    assert records == [
        (i["Phonics/Room A"], iso(T2), "B", i["Wellbeing/Room B"]),
        (i["Wellbeing/Room B"], None, None, None),
    ]
    log = db.execute("SELECT action, station, session_id FROM log WHERE action LIKE 'attend%'")
    assert ("attend_moved", "B", i["Phonics/Room A"]) in log.fetchall()
    assert attendance.headcount(db, i["Phonics/Room A"]).present == 0
    # The dashboard's and timetable's counts: one person, one place in the slot.
    morning = [s for s in timetable.sessions(db) if s.slot == "Morning"]
    assert sum(s.present for s in morning) == 1
    rooms = {r.room: r.present for r in attendance.room_states(db, T2)}
    assert (rooms["Room A"], rooms["Room B"]) == (0, 1)


def test_another_slot_is_no_clash(db):
    i = ids(db)
    attendance.mark_present(db, i["Phonics/Room A"], i["ada"], station="A", at=T1)
    later = attendance.mark_present(db, i["Oracy/Room B"], i["ada"], station="B", at=T2)
    assert later.status == MARKED and not later.moved


def test_the_file_itself_refuses_two_places_in_one_slot(db):
    """Any tool writing to the file (sqlite-utils, Datasette) meets the same rule."""
    i = ids(db)
    attendance.mark_present(db, i["Phonics/Room A"], i["ada"], station="A", at=T1)
    with pytest.raises(sqlite3.IntegrityError, match="another session of this slot"):
        db.execute(
            "INSERT INTO attendance_records (session_id, attendee_id, at, station)"
            " VALUES (?, ?, ?, 'tool')",
            [i["Wellbeing/Room B"], i["ada"], iso(T2)],
        )


def test_overlapping_marks_from_an_older_file_count_once(db):
    """Marks written before the rule (two rooms, one slot) count once on the certificate
    and in the report: one hour, one place."""
    i = ids(db)
    db.execute("DROP TRIGGER attendance_one_place_per_slot")  # as an older file holds them
    for sid, at in ((i["Phonics/Room A"], T1), (i["Wellbeing/Room B"], T2)):
        db.execute(
            "INSERT INTO attendance_records (session_id, attendee_id, at, station)"
            " VALUES (?, ?, ?, 'old')",
            [sid, i["ada"], iso(at)],
        )
    db.conn.commit()
    tz = dt.UTC
    (record,) = cpd.records(db, tz)
    assert record.minutes == 60
    assert [s.title for s in record.sessions] == ["Wellbeing"]  # the later mark
    schools = {row.school: row for row in report.schools(db)}
    assert schools["Alpha School"].attended == 1


def test_move_into_a_full_room_needs_the_override_too(db):
    i = ids(db)
    others = [r[0] for r in db.execute("SELECT id FROM attendees WHERE id != ?", [i["ada"]])]
    for aid in others[:2]:  # Room B holds 2
        attendance.mark_present(db, i["Wellbeing/Room B"], aid, station="B", at=T1)
    attendance.mark_present(db, i["Phonics/Room A"], i["ada"], station="A", at=T1)
    full = attendance.mark_present(
        db, i["Wellbeing/Room B"], i["ada"], station="B", at=T2, move=True
    )
    assert full.status == attendance.FULL
    assert db.execute(
        "SELECT count(*) FROM attendance WHERE attendee_id = ? AND session_id = ?",
        [i["ada"], i["Phonics/Room A"]],
    ).fetchone() == (1,)  # refused: the first mark stands
    done = attendance.mark_present(
        db, i["Wellbeing/Room B"], i["ada"], station="B", at=T2, move=True, override=True
    )
    assert done.moved and done.override


def test_undoing_a_move_puts_the_person_back_where_they_were(db):
    """A host who moved someone here by mistake undoes it: they are present in the first
    session again, as marked there; every record is kept."""
    i = ids(db)
    a, b = i["Phonics/Room A"], i["Wellbeing/Room B"]
    attendance.mark_present(db, a, i["ada"], station="A", at=T1)
    attendance.mark_present(db, b, i["ada"], station="B", at=T2, move=True)
    undone = attendance.undo_mark(db, b, i["ada"], station="B", at=T2 + dt.timedelta(minutes=1))
    assert undone.restored is not None and undone.restored.session_id == a
    assert not undone.checkin_undone  # the first mark's check-in stands
    assert attendance.headcount(db, a).present == 1
    assert attendance.headcount(db, b).present == 0
    assert attendance.current_mark(db, a, i["ada"])[:2] == (iso(T1), "A")
    records = db.execute(
        "SELECT session_id, undone_at IS NULL, moved_to FROM attendance_records ORDER BY id"
    ).fetchall()
    assert records == [(a, 0, b), (b, 0, None), (a, 1, None)]  # nothing deleted
    assert db.execute("SELECT count(*) FROM log WHERE action = 'attend_restored'").fetchone() == (
        1,
    )
    # A plain mark (no move) undone restores nothing.
    again = attendance.undo_mark(db, a, i["ada"], station="A", at=T2 + dt.timedelta(minutes=2))
    assert again.restored is None
    assert attendance.headcount(db, a).present == 0


def test_undoing_the_second_of_two_moves_goes_back_one_step(db):
    i = ids(db)
    a, b = i["Phonics/Room A"], i["Wellbeing/Room B"]
    attendance.mark_present(db, a, i["ada"], station="A", at=T1)
    attendance.mark_present(db, b, i["ada"], station="B", at=T2, move=True)
    later = T2 + dt.timedelta(minutes=3)
    attendance.mark_present(db, a, i["ada"], station="A", at=later, move=True)
    undone = attendance.undo_mark(db, a, i["ada"], station="A", at=later + dt.timedelta(minutes=1))
    assert undone.restored.session_id == b
    assert attendance.headcount(db, b).present == 1 and attendance.headcount(db, a).present == 0


def test_the_room_list_says_where_someone_is_present_before_the_tick(db):
    i = ids(db)
    a, b = i["Phonics/Room A"], i["Wellbeing/Room B"]
    (entry,) = attendance.entries_for(db, b, [i["ada"]])
    assert entry.present_elsewhere is None
    attendance.mark_present(db, a, i["ada"], station="A", at=T1)
    (entry,) = attendance.entries_for(db, b, [i["ada"]])
    assert entry.present_elsewhere == "Room A"
    (here,) = attendance.entries_for(db, a, [i["ada"]])
    assert here.present and here.present_elsewhere is None  # present here is not elsewhere
