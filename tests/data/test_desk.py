"""The desk's data: a person's day in time order, walk-ins, places left, and counters."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from bigconv.data import checkin, desk
from bigconv.data.checkin import check_in, current_checkin
from bigconv.data.search import lookup
from bigconv.data.timetable import sessions

T0 = dt.datetime(2026, 11, 27, 8, 30, tzinfo=dt.UTC)


def person(db, query):
    return lookup(db, query)[0].person


def session_id(db, title, slot):
    return next(s.id for s in sessions(db) if s.title == title and s.slot == slot)


def log_actions(db):
    return [row[0] for row in db.execute("SELECT action FROM log ORDER BY id")]


def test_day_sessions_in_time_order_with_room_and_slot(db):
    ada = person(db, "ada lovelace")
    afternoon = session_id(db, "Oracy", "Afternoon")
    morning = session_id(db, "Phonics", "Morning")
    desk.allocate_places(db, ada.id, [afternoon], station="t")
    desk.allocate_places(db, ada.id, [morning], station="t")
    day = desk.day_sessions(db, ada.id)
    assert [(s.slot, s.title, s.room) for s in day] == [
        ("Morning", "Phonics", "Room A"),
        ("Afternoon", "Oracy", "Room B"),
    ]
    assert day[0].starts_at < day[1].starts_at
    assert desk.day_sessions(db, person(db, "zoe").id) == []


def test_openings_respect_capacity_and_skip_plenaries(db):
    wellbeing = session_id(db, "Wellbeing", "Morning")  # Room B: 2 places
    titles = {(o.title, o.slot): o.left for o in desk.openings(db)}
    assert ("Welcome", "Plenary") not in titles
    assert titles[("Wellbeing", "Morning")] == 2
    for name in ("ada lovelace", "zoe"):
        desk.allocate_places(db, person(db, name).id, [wellbeing], station="t")
    assert ("Wellbeing", "Morning") not in {(o.title, o.slot) for o in desk.openings(db)}
    bob = person(db, "bob")
    with pytest.raises(desk.PlaceTaken):
        desk.allocate_places(db, bob.id, [wellbeing], station="t")
    assert desk.day_sessions(db, bob.id) == []


def test_a_session_capacity_below_the_room_counts(db):
    phonics = session_id(db, "Phonics", "Morning")
    db["sessions"].update(phonics, {"capacity": 1})
    desk.allocate_places(db, person(db, "ada lovelace").id, [phonics], station="t")
    assert "Phonics" not in {o.title for o in desk.openings(db)}


def test_places_are_all_or_nothing_and_one_per_slot(db):
    zoe = person(db, "zoe")
    phonics = session_id(db, "Phonics", "Morning")
    wellbeing = session_id(db, "Wellbeing", "Morning")
    with pytest.raises(desk.PlaceTaken, match="already has a place"):
        desk.allocate_places(db, zoe.id, [phonics, wellbeing], station="t")
    assert desk.day_sessions(db, zoe.id) == []


def test_walk_in_is_registered_checked_in_and_logged(db):
    attendee_id, result = desk.register_walk_in(
        db,
        first_name=" Nia ",
        last_name="Walker",
        school="Gamma School",
        role="Teacher",
        email="nia@g.sch.uk",
        station="Desk 3",
        at=T0,
    )
    row = db["attendees"].get(attendee_id)
    assert (row["first_name"], row["source"], row["email"]) == ("Nia", "walk-in", "nia@g.sch.uk")
    assert row["badge"].startswith("BC") and len(row["badge"]) == 7
    assert result.checked_in and result.station == "Desk 3"
    assert current_checkin(db, attendee_id) == ("2026-11-27T08:30:00.000+00:00", "Desk 3")
    assert log_actions(db)[-2:] == ["walk_in_registered", "checkin"]
    assert [m.person.id for m in lookup(db, row["badge"])] == [attendee_id]
    places = desk.openings(db)
    day = desk.allocate_places(db, attendee_id, [places[0].session_id], station="Desk 3")
    assert [s.session_id for s in day] == [places[0].session_id]
    assert (
        json.loads(
            db.execute("SELECT detail FROM log WHERE action = 'walk_in_registered'").fetchone()[0]
        )["badge"]
        == row["badge"]
    )


def test_two_walk_ins_with_the_same_name_get_different_badges(db):
    a, _ = desk.register_walk_in(db, first_name="Sam", station="t", at=T0)
    b, _ = desk.register_walk_in(db, first_name="Sam", despite=[a], station="t", at=T0)
    assert db["attendees"].get(a)["badge"] != db["attendees"].get(b)["badge"]


@pytest.mark.parametrize(
    "fields, problem",
    [({"first_name": "  "}, "First name"), ({"first_name": "A", "email": "nope"}, "Email")],
)
def test_bad_walk_in_changes_nothing(db, fields, problem):
    before = db["attendees"].count, db["log"].count
    with pytest.raises(desk.WalkInError, match=problem):
        desk.register_walk_in(db, station="t", **fields)
    assert (db["attendees"].count, db["log"].count) == before


def test_arrival_counters(db):
    ada, zoe, bob = (person(db, q) for q in ("ada lovelace", "zoe", "bob"))
    check_in(db, ada.id, station="Desk 1", at=T0)
    check_in(db, zoe.id, station="Desk 1", at=T0 + dt.timedelta(minutes=15))
    check_in(db, bob.id, station="Desk 2", at=T0 + dt.timedelta(minutes=20))
    numbers = checkin.arrivals(db, T0 + dt.timedelta(minutes=12))
    assert (numbers.checked_in, numbers.expected, numbers.recent) == (3, 5, 2)
    assert numbers.schools == [("Alpha School", 2, 3), ("Beta School", 1, 2)]
    assert desk.schools(db) == ["Alpha School", "Beta School"]


def test_plenaries_are_everyone_s(db):
    assert [(s.title, s.slot) for s in desk.plenaries(db)] == [("Welcome", "Plenary")]
