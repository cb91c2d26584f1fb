"""Who typed text or a scanned badge means: the one rule behind the desk, the rooms and the
commands (bigconv/services/identify.py), over the small event's real database."""

from __future__ import annotations

import pytest

from bigconv.data.desk import register_walk_in
from bigconv.data.search import search_attendees
from bigconv.services import identify as who
from bigconv.services.identify import Shown, identify


def person(db, query):
    return search_attendees(db, query)[0].person


def at_station(db, text, row=0, chosen=False):
    """`identify` as a station calls it: the list for this text, its highlighted row."""
    return identify(db, text, shown=lambda: Shown(text, search_attendees(db, text), row, chosen))


def test_a_badge_is_that_person_however_it_is_typed(db):
    ada = person(db, "ada lovelace")
    for text in (ada.badge, f" {ada.badge.lower()} ", ada.badge[:2] + "-" + ada.badge[2:]):
        assert identify(db, text) == who.One(ada, who.BY_BADGE)
        assert at_station(db, text) == who.One(ada, who.BY_BADGE)


def test_a_badge_after_half_typed_text_is_a_scan_at_a_station_only(db):
    zoe = person(db, "zoe")
    assert at_station(db, f"lov{zoe.badge}") == who.One(zoe, who.BY_SCAN)
    assert identify(db, f"lov{zoe.badge}") == who.Unknown(who.NO_MATCH)  # a script's argument


def test_a_badge_shaped_code_that_is_nobodys_is_never_searched_as_a_name(db):
    def never():
        raise AssertionError("the list was asked for")

    assert identify(db, "bc-22222", shown=never) == who.Unknown(who.UNKNOWN_BADGE)
    assert identify(db, "BC22222").code == who.UNKNOWN_BADGE


@pytest.mark.parametrize("text", ["", "  ", "a", " x ", "a."])
def test_too_little_to_go_on(db, text):
    assert identify(db, text).code == who.TOO_SHORT
    assert at_station(db, text).code == who.TOO_SHORT


def test_nobody(db):
    assert identify(db, "qqzzxx") == who.Unknown(who.NO_MATCH)
    assert at_station(db, "qqzzxx") == who.Unknown(who.NO_MATCH)


def test_at_a_station_equal_matches_wait_until_one_is_chosen(db):
    outcome = at_station(db, "sarah khan")
    assert outcome.code == who.AMBIGUOUS
    assert sorted(m.person.school for m in outcome.matches) == ["Alpha School", "Beta School"]
    chosen = at_station(db, "sarah khan", row=1, chosen=True)
    assert chosen == who.One(search_attendees(db, "sarah khan")[1].person, who.BY_NAME)


def test_at_a_station_the_highlighted_match_if_it_is_the_best(db):
    ada = person(db, "ada lovelace")
    assert at_station(db, "ada") == who.One(ada, who.BY_NAME)


def test_a_list_drawn_for_other_text_is_never_acted_on(db):
    with pytest.raises(ValueError, match="not 'khan'"):
        identify(db, "khan", shown=lambda: Shown("kha", search_attendees(db, "kha")))


def test_a_script_gets_one_person_only_if_no_other_matches_as_well(db):
    ada = person(db, "ada lovelace")
    assert identify(db, "Ada Lovelace") == who.One(ada, who.BY_NAME)
    several = identify(db, "sarah khan")
    assert several.code == who.AMBIGUOUS and len(several.matches) == 2
    assert identify(db, "S.Khan@B.sch.uk").person.school == "Beta School"
    assert len(identify(db, "@a.sch.uk").matches) == 3


def test_a_script_takes_the_whole_name_over_weaker_matches_never_over_equal_ones(db):
    ada = person(db, "ada lovelace")
    register_walk_in(db, first_name="Ada", last_name="Lovelaceson", station="t")
    assert identify(db, "ada lovelace") == who.One(ada, who.BY_NAME)  # Lovelaceson: a prefix
    register_walk_in(db, first_name="Ada", last_name="Lovelace-Smith", station="t")
    refused = identify(db, "ada lovelace")  # every word of her name is a whole word of theirs
    assert refused.code == who.AMBIGUOUS
    assert {"Ada Lovelace", "Ada Lovelace-Smith"} <= {m.person.name for m in refused.matches}


def test_the_desks_order_moves_the_highlight_never_whether_it_asks(db):
    import datetime as dt

    from bigconv.data.checkin import check_in
    from bigconv.data.desk_order import DeskOrder
    from bigconv.data.search import AttendeeIndex

    alpha = next(
        m.person for m in search_attendees(db, "khan") if m.person.school == "Alpha School"
    )
    check_in(db, alpha.id, station="Desk 2")
    index = AttendeeIndex(db)
    order = DeskOrder(index, lambda: dt.datetime(2026, 11, 27, 8, 30, tzinfo=dt.UTC))
    listed = search_attendees(db, "sarah khan", index=index, order=order)
    assert listed[0].person.school == "Beta School"  # not yet in: the highlighted row
    outcome = identify(db, "sarah khan", shown=lambda: Shown("sarah khan", listed))
    assert outcome.code == who.AMBIGUOUS  # still asked: both are as good a match
    assert [m.person.school for m in outcome.matches] == ["Beta School", "Alpha School"]
    chosen = identify(db, "sarah khan", shown=lambda: Shown("sarah khan", listed, chosen=True))
    assert chosen == who.One(listed[0].person, who.BY_NAME)
