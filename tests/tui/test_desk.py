"""The desk driven through the Pilot over a real database file: type, pick, scan, undo, walk in."""

from __future__ import annotations

import datetime as dt

import pytest
from textual.widgets import Input, SelectionList

from bigconv.data import attendance, database
from bigconv.data.checkin import check_in
from bigconv.data.desk import day_sessions
from bigconv.data.search import lookup
from bigconv.tui.app import make_app
from bigconv.tui.config import StationConfig
from bigconv.tui.dialogs.walkin import PlacesScreen, WalkInScreen
from bigconv.tui.widgets.banner import Banner
from bigconv.tui.widgets.counters import Counters
from tests.helpers.tui import (
    T0,
    Clock,
    banner,
    burst,
    desk_app,
    log_actions,
    lookup_all,
    person,
    rows,
    state,
    until,
)


async def type_text(pilot, text: str) -> None:
    await pilot.press(*text)
    await pilot.pause()


async def test_search_is_focused_and_shows_results_from_two_letters(small_db):
    app = desk_app(small_db)
    async with app.run_test(size=(120, 40)) as pilot:
        assert isinstance(app.focused, Input) and app.focused.id == "search"
        await type_text(pilot, "l")
        assert rows(app) == []
        await type_text(pilot, "o")
        assert [r[0] for r in rows(app)] == ["Ada Lovelace"]
        await pilot.press("escape")
        await pilot.pause()
        assert rows(app) == [] and app.focused.value == ""


async def test_type_a_partial_name_pick_and_check_in(small_db):
    app = desk_app(small_db)
    async with app.run_test(size=(120, 40)) as pilot:
        await type_text(pilot, "khan")
        assert [(r[0], r[2]) for r in rows(app)] == [  # name twins: said so, in short here
            ("Sarah Khan · twin", "Alpha School"),
            ("Sarah Khan · twin", "Beta School"),
        ]
        await pilot.press("down", "enter")
        await pilot.pause()
        kind, text = banner(app)
        assert kind == "ok" and "✔  CHECKED IN" in text
        assert "Sarah Khan" in text and "Beta School" in text
        assert app.screen.query_one("#search", Input).value == ""
        assert rows(app) == []  # the next person in the queue sees no list
    beta = [m.person for m in lookup_all(small_db, "khan") if m.person.school == "Beta School"][0]
    assert state(small_db, beta.id) == ("2026-11-27T08:30:00.000+00:00", "Desk 1")


async def test_banner_lists_the_persons_sessions_in_time_order(small_db):
    from bigconv.data.desk import allocate_places
    from bigconv.data.timetable import sessions

    db = database.connect(small_db)
    ada = lookup(db, "ada lovelace")[0].person
    by_title = {(s.title, s.slot): s.id for s in sessions(db)}
    allocate_places(db, ada.id, [by_title[("Oracy", "Afternoon")]], station="t")
    allocate_places(db, ada.id, [by_title[("Phonics", "Morning")]], station="t")
    db.close()
    app = desk_app(small_db)
    async with app.run_test(size=(120, 40)) as pilot:
        await type_text(pilot, "ada lov")
        await pilot.press("enter")
        await pilot.pause()
        _, text = banner(app)
        assert text.index("10:00  Room A · Morning: Phonics") < text.index(
            "13:00  Room B · Afternoon: Oracy"
        )


async def test_scan_checks_in_at_once_and_ignores_a_double_read(small_db):
    clock = Clock()
    ada = person(small_db, "ada lovelace")
    app = desk_app(small_db, clock)
    async with app.run_test(size=(120, 40)) as pilot:
        await type_text(pilot, ada.badge)
        await pilot.press("enter")
        await pilot.pause()
        assert banner(app)[0] == "ok" and "Ada Lovelace" in banner(app)[1]
        clock.advance(1.5)  # the scanner's second read
        await type_text(pilot, ada.badge)
        await pilot.press("enter")
        await pilot.pause()
        assert banner(app)[0] == "ok"
        assert app.screen.query_one("#search", Input).value == ""
        assert log_actions(small_db).count("checkin_refused") == 0
        clock.advance(1.0)  # a real second scan, later
        await type_text(pilot, ada.badge.lower())
        await pilot.press("enter")
        await pilot.pause()
        kind, text = banner(app)
        assert kind == "warn" and "⚠  ALREADY CHECKED IN" in text
        assert "at 08:30 by Desk 1" in text
    assert log_actions(small_db).count("checkin") == 1
    assert log_actions(small_db).count("checkin_refused") == 1


async def test_already_checked_in_at_another_desk(small_db):
    zoe = person(small_db, "zoe")
    db = database.connect(small_db)
    check_in(db, zoe.id, station="Desk 2", at=T0 - dt.timedelta(minutes=12))
    db.close()
    app = desk_app(small_db)
    async with app.run_test(size=(120, 40)) as pilot:
        await type_text(pilot, "zoe")
        assert rows(app)[0][1] == "✔ 08:18 Desk 2"
        await pilot.press("enter")
        await pilot.pause()
        kind, text = banner(app)
        assert kind == "warn" and "at 08:18 by Desk 2" in text and "no second record" in text
    assert state(small_db, zoe.id)[1] == "Desk 2"


async def test_a_check_in_elsewhere_updates_counters_and_rows(small_db):
    app = desk_app(small_db)
    async with app.run_test(size=(120, 40)) as pilot:
        assert "0 / 5" in str(app.screen.query_one(Counters).content)
        await type_text(pilot, "ada")
        assert rows(app)[0][1] == "· not yet"
        other = database.connect(small_db)
        check_in(other, person(small_db, "ada lovelace").id, station="Desk 4", at=T0)
        other.close()
        await until(pilot, lambda: rows(app)[0][1] == "✔ 08:30 Desk 4")  # the next poll
        counters = str(app.screen.query_one(Counters).content)
        assert "1 / 5" in counters and "Last 10 minutes: 1" in counters


async def test_undo_this_desks_last_check_in(small_db):
    clock = Clock()
    ada = person(small_db, "ada lovelace")
    app = desk_app(small_db, clock)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("f8")
        await pilot.pause()
        assert "Nothing to undo" in banner(app)[1]
        await type_text(pilot, "lovelace")
        await pilot.press("enter")
        await pilot.pause()
        assert state(small_db, ada.id) is not None
        await pilot.press("f8")
        await pilot.pause()
        kind, text = banner(app)
        assert kind == "undo" and "↶  CHECK-IN UNDONE" in text and "Ada Lovelace" in text
        assert state(small_db, ada.id) is None
        clock.advance(60)
        await type_text(pilot, "lovelace")
        await pilot.press("enter")
        await pilot.pause()
        assert banner(app)[0] == "ok"
    assert log_actions(small_db)[-3:] == ["checkin", "checkin_undone", "checkin"]


async def test_undoing_a_check_in_says_where_they_are_still_marked_present(small_db):
    """Checked in here, then marked present by a room: undoing the check-in at the desk says
    the room's mark stands, instead of leaving them present but not checked in without a word."""
    ada = person(small_db, "ada lovelace")
    app = desk_app(small_db)
    async with app.run_test(size=(120, 40)) as pilot:
        await type_text(pilot, "lovelace")
        await pilot.press("enter")
        await pilot.pause()
        room = database.connect(small_db)
        phonics = room.execute("SELECT id FROM sessions WHERE title = 'Phonics'").fetchone()[0]
        assert attendance.mark_present(room, phonics, ada.id, station="Room A", at=T0).marked
        room.close()
        await pilot.press("f8")
        await pilot.pause()
        kind, text = banner(app)
        assert kind == "undo" and "Still marked present in Phonics (Room A)" in text
    assert state(small_db, ada.id) is None


async def test_walk_in_registered_checked_in_and_given_a_place(small_db):
    app = desk_app(small_db)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("f6")
        await pilot.pause()
        assert isinstance(app.screen, WalkInScreen)
        for value in ("Nia", "Walker", "Gamma School", "Teacher", "nia@g.sch.uk"):
            await type_text(pilot, value)
            await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, PlacesScreen)
        choices = app.screen.query_one(SelectionList)
        first = choices.get_option_at_index(0)
        assert "Phonics" in str(first.prompt)  # plenaries are not offered
        await pilot.press("space", "enter")
        await pilot.pause()
        kind, text = banner(app)
        assert kind == "ok" and "Nia Walker" in text and "Room A · Morning: Phonics" in text
    nia = person(small_db, "nia walker")
    assert nia.school == "Gamma School"
    assert state(small_db, nia.id)[1] == "Desk 1"
    db = database.connect(small_db)
    assert [s.title for s in day_sessions(db, nia.id)] == ["Phonics"]
    db.close()


async def test_walk_in_left_unallocated(small_db):
    app = desk_app(small_db)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("f6")
        await type_text(pilot, "Omar")
        await pilot.click("#save")
        await pilot.pause()
        await pilot.press("escape")
        await pilot.pause()
        assert "No workshops allocated." in banner(app)[1]
    assert state(small_db, person(small_db, "omar").id) is not None


async def test_walk_in_needs_a_first_name(small_db):
    app = desk_app(small_db)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("f6")
        await pilot.click("#save")
        await pilot.pause()
        assert isinstance(app.screen, WalkInScreen)
        assert "First name is needed" in str(app.screen.query_one("#problem").content)
        await pilot.press("escape")
        await pilot.pause()
    assert "walk_in_registered" not in log_actions(small_db)


async def test_markup_in_names_shows_literally_and_does_nothing(small_db):
    app = desk_app(small_db)
    async with app.run_test(size=(120, 40)) as pilot:
        await type_text(pilot, "bob")
        assert rows(app)[0][0] == "Bob [bold]Bob[/]"
        await pilot.press("enter")
        await pilot.pause()
        assert "Bob [bold]Bob[/]" in banner(app)[1]
        await pilot.press("f6")
        await type_text(pilot, "[@click=app.quit]")
        await pilot.press("enter")
        await type_text(pilot, "[bold red]x[/]")
        await pilot.click("#save")
        await pilot.pause()
        await pilot.press("escape")
        await pilot.pause()
        assert "[@click=app.quit] [bold red]x[/]" in banner(app)[1]
        # What is drawn, not just what was passed: the brackets are on screen.
        assert "[@click=app.quit]" in app.export_screenshot()
        # Click right on the name: were it markup, this would be a live link to app.quit.
        await pilot.click(Banner, offset=(4, 4))
        await pilot.pause()
        assert app.is_running
        await type_text(pilot, "click")
        assert rows(app)[0][0] == "[@click=app.quit] [bold red]x[/]"


@pytest.mark.parametrize(
    "typed, says",
    [
        ("qqzzxx", "Nobody matches this name or badge"),
        ("BC22222", "Nobody has this badge code"),  # badge-shaped: never taken for a name
    ],
)
async def test_unknown_name_says_not_found(small_db, typed, says):
    app = desk_app(small_db)
    async with app.run_test(size=(120, 40)) as pilot:
        await type_text(pilot, typed)
        await pilot.press("enter")
        await pilot.pause()
        kind, text = banner(app)
        assert kind == "error" and "✖  NOT FOUND" in text and typed in text and says in text
    assert "checkin" not in log_actions(small_db)


async def test_f3_reaches_the_desk_from_the_timetable(small_db):
    app = make_app(small_db, StationConfig(station="Desk 1", clock=Clock()))
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("f3")
        await pilot.pause()
        assert app.current_mode == "desk"
        assert app.focused.id == "search"


async def test_a_scan_after_half_typed_text_checks_in_the_badge_not_the_highlight(small_db):
    ada, zoe = person(small_db, "ada lovelace"), person(small_db, "zoe")
    app = desk_app(small_db)
    async with app.run_test(size=(120, 40)) as pilot:
        await type_text(pilot, "lov")
        assert rows(app)[0][0] == "Ada Lovelace"
        await type_text(pilot, zoe.badge)
        await pilot.press("enter")
        await pilot.pause()
        assert "Zoë O'Brien-Müller" in banner(app)[1]
    assert state(small_db, zoe.id) is not None
    assert state(small_db, ada.id) is None


async def test_a_scan_after_equal_matches_were_pointed_out_checks_in_the_badge(small_db):
    """The search given back to the box has the cursor at its end: a scan lands after it."""
    zoe = person(small_db, "zoe")
    app = desk_app(small_db)
    async with app.run_test(size=(120, 40)) as pilot:
        await type_text(pilot, "sarah khan")
        await pilot.press("enter")
        await pilot.pause()
        assert app.screen.query_one("#search", Input).value == "sarah khan"
        await type_text(pilot, zoe.badge)
        await pilot.press("enter")
        await pilot.pause()
        assert "Zoë O'Brien-Müller" in banner(app)[1]
    assert log_actions(small_db).count("checkin") == 1
    assert state(small_db, zoe.id) is not None


async def test_two_different_badges_in_quick_succession_both_check_in(small_db):
    clock = Clock()
    ada, zoe = person(small_db, "ada lovelace"), person(small_db, "zoe")
    app = desk_app(small_db, clock)
    async with app.run_test(size=(120, 40)) as pilot:
        for who in (ada, zoe):
            await type_text(pilot, who.badge)
            await pilot.press("enter")
            clock.advance(0.4)
        await pilot.pause()
        assert "Zoë O'Brien-Müller" in banner(app)[1]
    assert state(small_db, ada.id) and state(small_db, zoe.id)


async def test_keys_after_a_scan_go_to_the_next_search_not_the_scan(small_db):
    ada, zoe = person(small_db, "ada lovelace"), person(small_db, "zoe")
    app = desk_app(small_db)
    async with app.run_test(size=(120, 40)) as pilot:
        burst(app, [*ada.badge, "enter", *zoe.badge, "enter", *"khan"])
        # The screen, not just the box, has caught up: the search shown is the last one typed.
        await until(pilot, lambda: app.screen.shown_query == "khan")
        assert app.screen.query_one("#search", Input).value == "khan"
        assert [r[0] for r in rows(app)] == ["Sarah Khan · twin", "Sarah Khan · twin"]
    assert state(small_db, ada.id) and state(small_db, zoe.id)
    assert "checkin_refused" not in log_actions(small_db)


async def test_arrows_enter_and_escape_keep_the_order_they_were_pressed_in(small_db):
    app = desk_app(small_db)
    async with app.run_test(size=(120, 40)) as pilot:
        burst(app, [*"zz", "escape", *"khan", "down", "enter", *"lo"])
        await until(pilot, lambda: app.screen.shown_query == "lo")
        assert app.screen.query_one("#search", Input).value == "lo"
    beta = [m.person for m in lookup_all(small_db, "khan") if m.person.school == "Beta School"][0]
    assert state(small_db, beta.id) is not None
    assert log_actions(small_db).count("checkin") == 1


async def test_walk_in_form_typed_faster_than_the_screen_draws(small_db):
    app = desk_app(small_db)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("f6")
        await pilot.pause()
        fields = ["Omar", "Farouk", "Gamma School", "Teacher", "o.f@g.sch.uk"]
        burst(app, [key for value in fields for key in [*value, "enter"]])
        await until(pilot, lambda: isinstance(app.screen, PlacesScreen))
        second = app.screen.openings[1]
        burst(app, ["down", "space", "enter"])
        await until(
            pilot,
            lambda: not isinstance(app.screen, PlacesScreen) and second.title in banner(app)[1],
        )
    omar = person(small_db, "omar farouk")
    assert (omar.first_name, omar.last_name, omar.school, omar.role, omar.email) == tuple(fields)
    db = database.connect(small_db)
    assert [s.session_id for s in day_sessions(db, omar.id)] == [second.session_id]
    db.close()


async def test_banner_shows_one_place_per_slot_where_they_are_present(small_db):
    """Allocated to Phonics but moved to Wellbeing (Room B) in the morning: the desk shows the
    place they are in, once, and never both rooms for one slot."""
    from bigconv.data.attendance import mark_present
    from bigconv.data.desk import allocate_places
    from bigconv.data.timetable import sessions

    db = database.connect(small_db)
    ada = lookup(db, "ada lovelace")[0].person
    by_title = {(s.title, s.slot): s.id for s in sessions(db)}
    allocate_places(db, ada.id, [by_title[("Phonics", "Morning")]], station="t")
    at = T0.replace(hour=10, minute=5)
    mark_present(db, by_title[("Phonics", "Morning")], ada.id, station="A", at=at)
    refused = mark_present(db, by_title[("Wellbeing", "Morning")], ada.id, station="B", at=at)
    assert refused.status == "elsewhere"
    mark_present(db, by_title[("Wellbeing", "Morning")], ada.id, station="B", at=at, move=True)
    db.close()
    app = desk_app(small_db)
    async with app.run_test(size=(120, 40)) as pilot:
        await type_text(pilot, "ada lov")
        await pilot.press("enter")
        await pilot.pause()
        _, text = banner(app)
    assert "10:00  Room B · Morning: Wellbeing  ✓ present" in text
    assert "Phonics" not in text and text.count("Morning:") == 1


async def test_equal_matches_not_yet_in_first_and_the_desk_still_asks(small_db):
    alpha, beta = (m.person for m in lookup_all(small_db, "khan"))  # alphabetical: Alpha first
    db = database.connect(small_db)
    check_in(db, alpha.id, station="Desk 2")
    db.close()
    app = desk_app(small_db)
    async with app.run_test(size=(120, 40)) as pilot:
        await type_text(pilot, "khan")
        assert [r[2] for r in rows(app)] == ["Beta School", "Alpha School"]  # not yet in first
        await pilot.press("enter")  # equally good matches: asked, nobody checked in
        await until(pilot, lambda: app.screen.query_one("#choose").display)
        assert state(small_db, beta.id) is None
        await pilot.press("enter")  # the highlighted one: the one not yet in
        await until(pilot, lambda: banner(app)[0] == "ok")
    assert state(small_db, beta.id) == ("2026-11-27T08:30:00.000+00:00", "Desk 1")
    assert log_actions(small_db).count("checkin_refused") == 0
