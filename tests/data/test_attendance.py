"""Room attendance on a real SQLite file: capacity, overrides, check-in side effect, undo, order."""

from __future__ import annotations

import datetime as dt
import json

from bigconv.data import attendance, reactions
from bigconv.data.attendance import ALREADY, FULL, MARKED
from bigconv.data.checkin import check_in, current_checkin
from bigconv.data.timetable import session_by_code, sessions

UTC = dt.UTC
T = dt.datetime(2026, 11, 27, 10, 5, tzinfo=UTC)


def session(db, title: str, room: str):
    return next(s for s in sessions(db) if s.title == title and s.room == room)


def person(db, last: str, first: str | None = None) -> int:
    rows = [r for r in db["attendees"].rows_where("last_name = ?", [last])]
    if first:
        rows = [r for r in rows if r["first_name"] == first]
    assert len(rows) == 1, rows
    return rows[0]["id"]


def allocate(db, session_id: int, *ids: int) -> None:
    db["allocations"].insert_all(
        {"attendee_id": i, "session_id": session_id, "source": "test"} for i in ids
    )


def log_rows(db, action: str) -> list[dict]:
    return list(db["log"].rows_where("action = ?", [action], order_by="id"))


def test_mark_present_checks_in_and_logs(db):
    s = session(db, "Phonics", "Room A")
    ada = person(db, "Lovelace")
    allocate(db, s.id, ada)
    result = attendance.mark_present(db, s.id, ada, station="Lab", at=T)
    assert result.status == MARKED and result.checked_in and not result.walk_in
    assert (result.present, result.capacity) == (1, 3)
    assert current_checkin(db, ada) == (T.isoformat(timespec="milliseconds"), "Lab")
    assert db.execute("SELECT via FROM checkins WHERE attendee_id = ?", [ada]).fetchone() == (
        "room",
    )
    [attend] = log_rows(db, "attend")
    assert json.loads(attend["detail"]) == {"walk_in": False, "override": False, "checked_in": True}
    assert attend["session_id"] == s.id and attend["station"] == "Lab"
    [checkin] = log_rows(db, "checkin")
    assert json.loads(checkin["detail"]) == {"via": "room"}


def test_already_checked_in_is_not_checked_in_again(db):
    s = session(db, "Phonics", "Room A")
    ada = person(db, "Lovelace")
    check_in(db, ada, station="Desk 1", at=T - dt.timedelta(hours=1))
    result = attendance.mark_present(db, s.id, ada, station="Lab", at=T)
    assert result.marked and not result.checked_in and result.walk_in
    assert current_checkin(db, ada)[1] == "Desk 1"
    assert len(log_rows(db, "checkin")) == 1


def test_already_present_is_refused(db):
    s = session(db, "Phonics", "Room A")
    ada = person(db, "Lovelace")
    first = attendance.mark_present(db, s.id, ada, station="Lab", at=T)
    again = attendance.mark_present(db, s.id, ada, station="Lab 2", at=T + dt.timedelta(minutes=1))
    assert again.status == ALREADY and again.at == first.at and again.station == "Lab"
    assert db.execute("SELECT count(*) FROM attendance_records").fetchone()[0] == 1
    [refusal] = log_rows(db, "attend_refused")
    assert json.loads(refusal["detail"])["reason"] == "already"


def test_room_full_refused_then_override_recorded(db):
    s = session(db, "Wellbeing", "Room B")  # capacity 2
    ids = [person(db, "Lovelace"), person(db, "O'Brien-Müller"), person(db, "[bold]Bob[/]")]
    for i in ids[:2]:
        assert attendance.mark_present(db, s.id, i, station="B", at=T).marked
    assert attendance.headcount(db, s.id).full
    refused = attendance.mark_present(db, s.id, ids[2], station="B", at=T)
    assert refused.status == FULL and (refused.present, refused.capacity) == (2, 2)
    assert attendance.current_mark(db, s.id, ids[2]) is None
    assert current_checkin(db, ids[2]) is None  # refused means nothing but the log changed
    assert log_rows(db, "attend_refused") == []  # a question, not yet a refusal
    attendance.decline_mark(db, s.id, ids[2], reason=FULL, station="B", at=T)  # the host: no
    detail = json.loads(log_rows(db, "attend_refused")[0]["detail"])
    assert detail == {"reason": "full", "walk_in": True, "present": 2, "capacity": 2}
    forced = attendance.mark_present(db, s.id, ids[2], station="B", at=T, override=True)
    assert forced.marked and forced.override and forced.present == 3
    assert db.execute(
        "SELECT override FROM attendance WHERE attendee_id = ?", [ids[2]]
    ).fetchone() == (1,)
    detail = json.loads(log_rows(db, "attend")[-1]["detail"])
    assert detail["override"] is True and detail["present_before"] == 2


def test_override_not_recorded_when_room_has_space(db):
    s = session(db, "Wellbeing", "Room B")
    result = attendance.mark_present(db, s.id, person(db, "Lovelace"), station="B", override=True)
    assert result.marked and not result.override
    assert db.execute("SELECT override FROM attendance").fetchone() == (0,)


def test_undo_stamps_and_undoes_the_checkin_it_made(db):
    s = session(db, "Phonics", "Room A")
    ada = person(db, "Lovelace")
    attendance.mark_present(db, s.id, ada, station="Lab", at=T)
    undone = attendance.undo_mark(db, s.id, ada, station="Lab", at=T + dt.timedelta(minutes=2))
    assert undone.checkin_undone
    assert attendance.current_mark(db, s.id, ada) is None
    assert current_checkin(db, ada) is None
    rows = list(db["attendance_records"].rows)
    assert len(rows) == 1 and rows[0]["undone_by"] == "Lab" and rows[0]["undone_at"]
    assert db.execute("SELECT count(*) FROM checkin_records").fetchone()[0] == 1
    [log] = log_rows(db, "attend_undone")
    assert json.loads(log["detail"])["checkin_undone"] is True
    assert len(log_rows(db, "checkin_undone")) == 1
    assert attendance.undo_mark(db, s.id, ada, station="Lab") is None
    # marked again after the undo: a new record, the old one kept
    assert attendance.mark_present(db, s.id, ada, station="Lab").marked
    assert db.execute("SELECT count(*) FROM attendance_records").fetchone()[0] == 2


def test_undo_keeps_a_desk_checkin(db):
    s = session(db, "Phonics", "Room A")
    ada = person(db, "Lovelace")
    check_in(db, ada, station="Desk 1", at=T)
    attendance.mark_present(db, s.id, ada, station="Lab", at=T)
    assert not attendance.undo_mark(db, s.id, ada, station="Lab").checkin_undone
    assert current_checkin(db, ada)[1] == "Desk 1"


def test_roster_allocated_plus_walk_ins_by_surname(db):
    s = session(db, "Phonics", "Room A")
    khans = [r["id"] for r in db["attendees"].rows_where("last_name = 'Khan'", order_by="id")]
    ada, zoe, bob = person(db, "Lovelace"), person(db, "O'Brien-Müller"), person(db, "[bold]Bob[/]")
    allocate(db, s.id, zoe, ada, *khans)
    attendance.mark_present(db, s.id, zoe, station="Lab", at=T)
    attendance.mark_present(db, s.id, bob, station="Lab", at=T)  # walk-in
    entries = attendance.roster(db, s.id)
    names = [e.person.last_name for e in entries]
    # "[bold]Bob[/]" folds to "bold bob" and sorts first; O'Brien-Müller under O; order stable
    assert names == ["[bold]Bob[/]", "Khan", "Khan", "Lovelace", "O'Brien-Müller"]
    by_name = {e.person.last_name: e for e in entries}
    assert by_name["[bold]Bob[/]"].present and not by_name["[bold]Bob[/]"].allocated
    assert by_name["O'Brien-Müller"].present and by_name["O'Brien-Müller"].allocated
    assert not by_name["Lovelace"].present and by_name["Lovelace"].allocated
    assert by_name["Lovelace"].checked_in_at is None


def test_allocated_elsewhere_for_walk_ins(db):
    phonics = session(db, "Phonics", "Room A")
    wellbeing = session(db, "Wellbeing", "Room B")
    bob = person(db, "[bold]Bob[/]")
    allocate(db, wellbeing.id, bob)
    [entry] = attendance.entries_for(db, phonics.id, [bob])
    assert entry.allocated_elsewhere == "Wellbeing (Room B)" and not entry.allocated


def test_current_session_by_clock(db):
    room_a = attendance.find_room(db, " room a ")
    assert room_a["name"] == "Room A"
    at = lambda h, m=0: dt.datetime(2026, 11, 27, h, m, tzinfo=UTC)  # noqa: E731
    title = lambda now: attendance.current_session(db, room_a["id"], now).slot  # noqa: E731
    assert title(at(8)) == "Morning"  # before the day: the first
    assert title(at(10, 30)) == "Morning"  # running now
    assert title(at(11, 30)) == "Afternoon"  # between: the next one
    assert title(at(13, 59)) == "Afternoon"
    assert title(at(18)) == "Afternoon"  # after the day: the last
    # the clock is compared as an instant: 11:30 at UTC+1 is 10:30 UTC
    assert title(dt.datetime(2026, 11, 27, 11, 30, tzinfo=dt.timezone(dt.timedelta(hours=1)))) == (
        "Morning"
    )
    hall = attendance.find_room(db, "Hall")
    assert attendance.current_session(db, hall["id"], at(13)).title == "Welcome"
    assert attendance.find_room(db, "Nowhere") is None


def test_adjacent_sessions(db):
    morning = session(db, "Phonics", "Room A")
    afternoon = attendance.adjacent_session(db, morning.id, +1)
    assert (afternoon.title, afternoon.room) == ("Wellbeing", "Room A")
    assert attendance.adjacent_session(db, afternoon.id, -1).id == morning.id
    assert attendance.adjacent_session(db, afternoon.id, +1) is None
    assert attendance.adjacent_session(db, morning.id, -1) is None


def test_room_states_show_full_rooms(db):
    s = session(db, "Wellbeing", "Room B")
    for last in ("Lovelace", "O'Brien-Müller"):
        attendance.mark_present(db, s.id, person(db, last), station="B", at=T)
    states = {st.room: st for st in attendance.room_states(db, T)}
    assert states["Room B"].full and (states["Room B"].present, states["Room B"].capacity) == (2, 2)
    assert not states["Room A"].full and states["Room A"].session.title == "Phonics"
    assert [st.room for st in attendance.full_rooms(db, T)] == ["Room B"]
    # in the afternoon Room B runs Oracy, which is empty
    assert attendance.full_rooms(db, T + dt.timedelta(hours=3)) == []


def test_reaction_counts_by_kind(db):
    s = session_by_code(db, session(db, "Phonics", "Room A").code)
    db["reactions"].insert_all(
        {"session_id": s.id, "kind": kind, "at": "2026-11-27T10:10:00+00:00", "device": d}
        for kind, d in (("useful", "a"), ("useful", "b"), ("lost", "c"), ("mystery", "d"))
    )
    counts = {c.key: c.count for c in reactions.reaction_counts(db, s.id)}
    assert counts["useful"] == 2 and counts["lost"] == 1 and counts["mystery"] == 1
    kinds = [c.key for c in reactions.reaction_counts(db, s.id)]
    assert kinds[-1] == "mystery" and len(kinds) == 7
