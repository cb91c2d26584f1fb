"""Whom a session still expects (`places_expected`): a walk-in given a place in one room who
goes to another room of the same slot is no no-show in the first, not "still missing" there,
and their seat there is free again; their allocation is kept."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from bigconv.data import attendance, desk, report, timetable

T = dt.datetime(2026, 11, 27, 10, 5, tzinfo=dt.UTC)


def test_a_walk_in_who_went_to_another_room_is_expected_only_there(db):
    rooms = {r["id"]: r["name"] for r in db["rooms"].rows}
    ids = {f"{s['title']}/{rooms[s['room_id']]}": s["id"] for s in db["sessions"].rows}
    phonics, wellbeing = ids["Phonics/Room A"], ids["Wellbeing/Room B"]  # the same slot
    walk_in, _ = desk.register_walk_in(
        db, first_name="Wendy", last_name="Walker", school="Alpha School", station="Desk 1", at=T
    )
    desk.allocate_places(db, walk_in, [phonics], station="Desk 1", at=T)
    before = attendance.headcount(db, phonics)
    taken = {o.session_id: o.allocated for o in desk.openings(db)}
    assert before.allocated == 1 and taken.get(phonics) == 1

    # She changes her mind and walks into Wellbeing: the host there marks her present.
    assert attendance.mark_present(db, wellbeing, walk_in, station="Room B", at=T).marked

    assert attendance.headcount(db, phonics).allocated == 0  # not "allocated" there any more
    assert {o.session_id: o.allocated for o in desk.openings(db)}.get(phonics) == 0  # seat free
    entry = next(e for e in attendance.roster(db, phonics) if e.person.id == walk_in)
    assert entry.allocated and not entry.expected and entry.present_elsewhere == "Room B"
    row = next(s for s in timetable.sessions(db) if s.id == phonics)
    assert row.allocated == 0
    built = report.build(db, ZoneInfo("Europe/London"))
    first = next(s for s in built.sessions if s.session.id == phonics)
    assert "Wendy Walker" not in first.no_shows
    # Her allocation is kept: undoing the mark in Wellbeing makes her expected in Phonics again.
    assert db.execute(
        "SELECT count(*) FROM allocations WHERE attendee_id = ?", [walk_in]
    ).fetchone() == (1,)
    attendance.undo_mark(db, wellbeing, walk_in, station="Room B", at=T)
    assert attendance.headcount(db, phonics).allocated == 1
