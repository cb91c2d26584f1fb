"""The desk's order among equally good matches (bigconv/data/desk_order.py): not yet checked in
before those in, expected now before the others; never above a better match on the text; kept
up to date from the file whoever wrote it."""

from __future__ import annotations

import datetime as dt

from bigconv.data import database
from bigconv.data.attendance import mark_present
from bigconv.data.checkin import check_in, undo_checkin
from bigconv.data.desk import allocate_places, register_walk_in
from bigconv.data.desk_order import DeskOrder
from bigconv.data.search import AttendeeIndex, search_attendees

EARLY = dt.datetime(2026, 11, 27, 8, 30, tzinfo=dt.UTC)  # before the plenary
LUNCH = dt.datetime(2026, 11, 27, 12, 0, tzinfo=dt.UTC)  # the morning slot is over


class Desk:
    """A desk's search as the desk screen makes it: one index, one order, one clock."""

    def __init__(self, db, now: dt.datetime = EARLY):
        self.db, self.now = db, now
        self.index = AttendeeIndex(db)
        self.order = DeskOrder(self.index, lambda: self.now)

    def search(self, query: str):
        return search_attendees(self.db, query, 30, index=self.index, order=self.order)

    def schools(self, query: str) -> list[str]:
        return [m.person.school for m in self.search(query)]


def khan(db, school: str) -> int:
    return db.execute(
        "SELECT id FROM attendees WHERE last_name = 'Khan' AND school = ?", [school]
    ).fetchone()[0]


def session(db, title: str, slot: str) -> int:
    return db.execute(
        "SELECT s.id FROM sessions s JOIN slots t ON t.id = s.slot_id"
        " WHERE s.title = ? AND t.label = ?",
        [title, slot],
    ).fetchone()[0]


def test_among_equal_matches_people_not_yet_checked_in_come_first(db):
    desk = Desk(db)
    assert desk.schools("khan") == ["Alpha School", "Beta School"]  # alphabetical: a tie
    check_in(db, khan(db, "Alpha School"), station="Desk 2")
    found = desk.search("khan")
    assert [m.person.school for m in found] == ["Beta School", "Alpha School"]
    assert found[0].score == found[1].score  # still equal: only the order changed
    assert found[1].checked_in_by == "Desk 2"


def test_a_better_match_on_the_text_still_comes_first(db):
    register_walk_in(db, first_name="Adam", last_name="Jones", school="Gamma", station="t")
    ada = search_attendees(db, "ada lovelace")[0].person
    check_in(db, ada.id, station="Desk 2")
    desk = Desk(db)
    assert [m.person.name for m in desk.search("ada")][:2] == ["Ada Lovelace", "Adam Jones"]


def test_people_expected_now_come_before_the_others(db):
    alpha, beta = khan(db, "Alpha School"), khan(db, "Beta School")
    allocate_places(db, beta, [session(db, "Wellbeing", "Morning")], station="t")
    allocate_places(db, alpha, [session(db, "Oracy", "Afternoon")], station="t")
    desk = Desk(db, EARLY)  # the plenary has no places: the morning's are who is expected
    assert desk.schools("khan") == ["Beta School", "Alpha School"]
    desk.now = LUNCH  # the morning is over: the afternoon's places are expected now
    assert desk.schools("khan") == ["Alpha School", "Beta School"]


def test_not_yet_in_comes_before_expected(db):
    alpha, beta = khan(db, "Alpha School"), khan(db, "Beta School")
    allocate_places(db, alpha, [session(db, "Wellbeing", "Morning")], station="t")
    check_in(db, alpha, station="Desk 2")
    desk = Desk(db)
    assert desk.schools("khan") == ["Beta School", "Alpha School"]
    assert desk.order.tier(beta) < desk.order.tier(alpha)


def test_present_in_another_session_of_the_slot_is_no_longer_expected_in_the_first(db):
    alpha, beta = khan(db, "Alpha School"), khan(db, "Beta School")
    for who in (alpha, beta):
        allocate_places(db, who, [session(db, "Wellbeing", "Morning")], station="t")
    desk = Desk(db)
    desk.search("khan")
    assert desk.order.tier(alpha) == desk.order.tier(beta) == 0  # expected, not in
    mark_present(db, session(db, "Phonics", "Morning"), alpha, station="Room A", override=True)
    assert desk.schools("khan") == ["Beta School", "Alpha School"]
    # Marked present in Phonics instead: no longer expected in Wellbeing (places_expected),
    # and checked in by the room's mark.
    assert alpha not in desk.order.expected and alpha in desk.order.arrived


def test_check_ins_elsewhere_undo_and_walk_ins_are_seen_at_the_next_key(small_db, db):
    desk = Desk(db)
    assert desk.schools("khan") == ["Alpha School", "Beta School"]
    other = database.connect(small_db)  # another desk's process
    try:
        check_in(other, khan(other, "Alpha School"), station="Desk 3")
        assert desk.schools("khan") == ["Beta School", "Alpha School"]
        undo_checkin(other, khan(other, "Alpha School"), station="Desk 3")
        assert desk.schools("khan") == ["Alpha School", "Beta School"]
        register_walk_in(other, first_name="Sarah", last_name="Khan", school="Aaa", station="D3")
        check_in(other, khan(other, "Beta School"), station="Desk 3")
    finally:
        other.close()
    # The walk-in is checked in by registering, and listed last of all (added last).
    assert desk.schools("khan") == ["Alpha School", "Beta School", "Aaa"]


def test_an_edited_list_of_people_is_read_again(small_db, db):
    desk = Desk(db)
    check_in(db, khan(db, "Alpha School"), station="Desk 2")
    assert desk.schools("khan") == ["Beta School", "Alpha School"]
    other = database.connect(small_db)
    try:  # a correction made elsewhere: the index is rebuilt, and the order with it
        other["attendees"].update(khan(other, "Beta School"), {"school": "Zeta School"})
    finally:
        other.close()
    assert desk.schools("khan") == ["Zeta School", "Alpha School"]


def test_nothing_read_again_while_nothing_changed(db):
    desk = Desk(db)
    desk.search("khan")
    keys = desk.order()
    assert desk.order() is keys  # the same keys: nothing was read but the log's newest id


def test_a_whole_allocation_naming_nobody_is_read_again(small_event, db):
    from bigconv.data import allocation
    from bigconv.services.setup import load

    desk = Desk(db)
    desk.search("khan")
    assert desk.order.slot is None and not desk.order.expected  # no places yet
    plan = allocation.allocate(db, load(small_event).event.audiences, seed=0)
    allocation.write(db, plan, station="setup")  # one log row, about nobody in particular
    desk.search("khan")
    morning = db.execute("SELECT id FROM slots WHERE label = 'Morning'").fetchone()[0]
    assert desk.order.slot == morning and len(desk.order.expected) == 5
