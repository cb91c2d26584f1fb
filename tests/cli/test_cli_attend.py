"""`bigconv attend` as a user runs it: real child processes on a real database file."""

from __future__ import annotations

import json

from bigconv.data import database
from tests.helpers.processes import run_cli

AT = ("--at", "10:20")  # during the morning slot of the event day, whatever day the tests run


def codes(small_db) -> dict[str, str]:
    db = database.connect(small_db)
    rooms = {r["id"]: r["name"] for r in db["rooms"].rows}
    out = {f"{s['title']}/{rooms[s['room_id']]}": s["code"] for s in db["sessions"].rows}
    db.close()
    return out


def rows(small_db, sql: str) -> list[tuple]:
    db = database.connect(small_db)
    try:
        return db.execute(sql).fetchall()
    finally:
        db.close()


def test_attend_by_name_then_refused_twice(small_event, small_db):
    code = codes(small_db)["Wellbeing/Room B"]
    done = run_cli("attend", small_event, code, "zoe obrien", "--station", "Door B", *AT)
    assert done.returncode == 0, done.stderr
    assert "Present: Zoë O'Brien-Müller in" in done.stdout and "checked in too" in done.stdout
    again = run_cli("attend", small_event, code.lower(), "Zoë O'Brien-Müller", *AT)
    assert again.returncode == 1 and "already present" in again.stderr
    assert rows(small_db, "SELECT station, via FROM checkins") == [("Door B", "room")]


def test_attend_by_badge_full_room_and_override(small_event, small_db):
    code = codes(small_db)["Wellbeing/Room B"]  # capacity 2
    badges = [b for (b,) in rows(small_db, "SELECT badge FROM attendees ORDER BY id")]
    for badge in badges[:2]:
        assert run_cli("attend", small_event, code, badge, *AT).returncode == 0
    full = run_cli("attend", small_event, code, badges[2], *AT)
    assert full.returncode == 1 and "is full (2/2)" in full.stderr and "--override" in full.stderr
    forced = run_cli("attend", small_event, code, badges[2], "--override", *AT)
    assert forced.returncode == 0 and "override logged" in forced.stdout
    assert rows(small_db, "SELECT override FROM attendance ORDER BY at, rowid") == [
        (0,),
        (0,),
        (1,),
    ]
    detail = rows(small_db, "SELECT detail FROM log WHERE action = 'attend' ORDER BY id")[-1][0]
    assert json.loads(detail)["override"] is True


def test_attend_several_or_no_matches_and_bad_input(small_event, small_db):
    before = rows(small_db, "SELECT count(*) FROM log")
    code = codes(small_db)["Phonics/Room A"]
    several = run_cli("attend", small_event, code, "Sarah Khan")
    assert several.returncode == 1
    assert "2 attendees match" in several.stderr and "Alpha School" in several.stderr
    assert "Beta School" in several.stderr
    nobody = run_cli("attend", small_event, code, "Nobody Atall")
    assert nobody.returncode == 1 and "no attendee matches" in nobody.stderr
    badge = run_cli("attend", small_event, code, "bc-22222")
    assert badge.returncode == 1 and "bc-22222: unknown badge code" in badge.stderr
    unknown = run_cli("attend", small_event, "ZZZZ", "Ada")
    assert unknown.returncode == 2 and "no session with code 'ZZZZ'" in unknown.stderr
    assert "Traceback" not in unknown.stderr + several.stderr + nobody.stderr
    assert rows(small_db, "SELECT count(*) FROM log") == before
    assert rows(small_db, "SELECT count(*) FROM attendance_records") == [(0,)]


def test_run_refuses_an_unknown_room(small_event, small_db):
    out = run_cli("run", small_event, "--mode", "room", "--room", "Room Z")
    assert out.returncode == 2
    assert "no room named 'Room Z'" in out.stderr and "Room A" in out.stderr


def test_attend_in_a_second_room_of_the_slot_is_refused_then_moved(small_event, small_db):
    c = codes(small_db)
    first = run_cli(
        "attend", small_event, c["Phonics/Room A"], "Ada Lovelace", "--station", "A", *AT
    )
    assert first.returncode == 0, first.stderr
    refused = run_cli("attend", small_event, c["Wellbeing/Room B"], "Ada Lovelace", *AT)
    assert refused.returncode == 1
    assert f"present in {c['Phonics/Room A']} Phonics (Room A)" in refused.stderr
    assert "--move" in refused.stderr and "Traceback" not in refused.stderr
    moved = run_cli(
        "attend",
        small_event,
        c["Wellbeing/Room B"],
        "Ada Lovelace",
        "--move",
        "--station",
        "B",
        *AT,
    )
    assert moved.returncode == 0, moved.stderr
    assert f"moved from {c['Phonics/Room A']} Phonics (Room A)" in moved.stdout
    assert rows(
        small_db,
        "SELECT s.title, r.undone_by, r.moved_to IS NOT NULL FROM attendance_records r"
        " JOIN sessions s ON s.id = r.session_id ORDER BY r.id",
    ) == [("Phonics", "B", 1), ("Wellbeing", None, 0)]


def test_undo_checkin_says_where_they_are_still_marked_present(small_event, small_db):
    code = codes(small_db)["Wellbeing/Room B"]
    assert run_cli("attend", small_event, code, "zoe obrien", *AT).returncode == 0  # checks in too
    done = run_cli("undo-checkin", small_event, "zoe obrien", *AT)
    assert done.returncode == 0, done.stderr
    assert "Check-in undone" in done.stdout
    assert f"Still marked present in {code} Wellbeing (Room B)" in done.stdout
