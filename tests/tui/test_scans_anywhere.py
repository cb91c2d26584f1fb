"""A badge scan is a scan wherever the focus is: with the command palette, a form, a question,
the big QR code or the passcode on top, the desk checks the badge in and the room marks it
present; nothing the scanner types lands in a field. Keys that are not a scan (a person typing,
or a burst that is not a badge code) still reach the focused field, in the order pressed."""

from __future__ import annotations

import pytest
from textual import events
from textual.command import CommandPalette
from textual.widgets import Input

from bigconv.data import attendance, database
from bigconv.tui.app import make_app
from bigconv.tui.config import StationConfig
from bigconv.tui.dialogs.over_capacity import MoveHere, OverCapacity
from bigconv.tui.dialogs.passcode import PasscodeScreen
from bigconv.tui.dialogs.qr_view import QrView
from bigconv.tui.dialogs.room_picker import RoomPicker
from bigconv.tui.dialogs.walkin import PlacesScreen, WalkInScreen
from bigconv.tui.stations.desk import DeskScreen
from bigconv.tui.stations.room import RoomScreen
from tests.helpers.tui import (
    MORNING,
    app_for,
    banner,
    burst,
    desk_app,
    log_actions,
    marks,
    person,
    state,
    until,
)


def scan(app, badge: str) -> None:
    """A badge scanner: the code and Enter, faster than anyone types."""
    burst(app, [*badge, "enter"])


def typed(app, keys: list[str], every: float) -> None:
    """Keys as a person types them: `every` seconds apart (stamped so, posted at once)."""
    start = None
    for n, key in enumerate(keys):
        event = events.Key(key, key if len(key) == 1 else None)
        start = event.time if start is None else start
        event.time = start + n * every
        app.post_message(event)


def actions(db) -> list[str]:
    """What the room's host ("Host") did, from the log."""
    return [r["action"] for r in db["log"].rows_where("station = 'Host'", order_by="id")]


def attendees(small_db) -> list[tuple[str, str]]:
    db = database.connect(small_db)
    try:
        return [tuple(r) for r in db.execute("SELECT first_name, last_name FROM attendees")]
    finally:
        db.close()


async def open_palette(app, pilot) -> None:
    await pilot.press("ctrl+p")
    await until(pilot, lambda: isinstance(app.screen, CommandPalette))


# The desk


async def test_desk_scan_into_the_palette_checks_in_and_replaces_the_banner(small_db):
    ada, zoe = person(small_db, "ada lovelace"), person(small_db, "zoe")
    app = desk_app(small_db)
    async with app.run_test(size=(80, 24)) as pilot:
        scan(app, zoe.badge)
        await until(pilot, lambda: banner(app)[0] == "ok")
        await open_palette(app, pilot)
        scan(app, ada.badge)
        await until(pilot, lambda: state(small_db, ada.id) is not None)
        await until(pilot, lambda: isinstance(app.screen, DeskScreen))
        kind, text = banner(app)
        assert kind == "ok" and "Ada Lovelace" in text and "Zoë" not in text
        assert app.screen.query_one("#search", Input).value == ""
    assert log_actions(small_db).count("checkin") == 2


async def test_desk_unknown_badge_into_the_palette_says_so(small_db):
    app = desk_app(small_db)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_palette(app, pilot)
        scan(app, "BC22222")
        await until(pilot, lambda: isinstance(app.screen, DeskScreen))
        await until(pilot, lambda: banner(app)[0] == "error")
        assert "BC22222" in banner(app)[1] and "Nobody has this badge code" in banner(app)[1]
        assert isinstance(app.screen, DeskScreen)
    assert "checkin" not in log_actions(small_db)


async def test_desk_scan_into_the_walk_in_form_checks_in_and_keeps_the_form(small_db):
    ada = person(small_db, "ada lovelace")
    before = attendees(small_db)
    app = desk_app(small_db)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("f6")
        await until(pilot, lambda: isinstance(app.screen, WalkInScreen))
        await pilot.press(*"Sam", "tab", *"Brown")
        scan(app, ada.badge)
        await until(pilot, lambda: state(small_db, ada.id) is not None)
        await until(pilot, lambda: isinstance(app.screen, DeskScreen))
        kind, text = banner(app)
        assert kind == "ok" and "Ada Lovelace" in text and "F6" in text
        await pilot.press("f6")  # the form comes back as it was left
        await until(pilot, lambda: isinstance(app.screen, WalkInScreen))
        form = app.screen
        assert form.query_one("#first_name", Input).value == "Sam"
        assert form.query_one("#last_name", Input).value == "Brown"
    assert attendees(small_db) == before  # nobody called "BC..." was registered
    assert "walk_in_registered" not in log_actions(small_db)


async def test_desk_scan_while_already_registered_is_asked_keeps_the_walk_in(small_db):
    ada = person(small_db, "ada lovelace")
    app = desk_app(small_db)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("f6")
        await until(pilot, lambda: isinstance(app.screen, WalkInScreen))
        await pilot.press(*"Sarah", "enter", *"Khan", "enter", *"Beta School", "enter")
        await pilot.press("enter", "enter")
        await until(pilot, lambda: type(app.screen).__name__ == "SamePerson")
        scan(app, ada.badge)
        await until(pilot, lambda: state(small_db, ada.id) is not None)
        await until(pilot, lambda: isinstance(app.screen, DeskScreen))
        await pilot.press("f6")
        await until(pilot, lambda: isinstance(app.screen, WalkInScreen))
        assert app.screen.query_one("#school", Input).value == "Beta School"
    assert log_actions(small_db).count("checkin") == 1


async def test_desk_scan_with_the_passcode_shown_closes_it(small_db):
    ada = person(small_db, "ada lovelace")
    app = desk_app(small_db)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("f12")
        await until(pilot, lambda: isinstance(app.screen, PasscodeScreen))
        scan(app, ada.badge)
        await until(pilot, lambda: state(small_db, ada.id) is not None)
        await until(pilot, lambda: isinstance(app.screen, DeskScreen))
        assert "Ada Lovelace" in banner(app)[1]


async def test_desk_scan_while_a_walk_ins_places_are_chosen_keeps_the_list(small_db):
    ada = person(small_db, "ada lovelace")
    app = desk_app(small_db)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("f6")
        await until(pilot, lambda: isinstance(app.screen, WalkInScreen))
        await pilot.press(*"Nia", "enter", *"Walker", "enter", *"Gamma", "enter")
        await pilot.press(*"Teacher", "enter", "enter")
        await until(pilot, lambda: isinstance(app.screen, PlacesScreen))
        scan(app, ada.badge)
        await until(pilot, lambda: state(small_db, ada.id) is not None)
        assert isinstance(app.screen, PlacesScreen)  # the walk-in's places are still to give
        await pilot.press("escape")
        await until(pilot, lambda: isinstance(app.screen, DeskScreen))
        assert "Nia Walker" in banner(app)[1]
    assert log_actions(small_db).count("checkin") == 2


async def test_desk_double_read_into_the_palette_checks_in_once(small_db):
    ada = person(small_db, "ada lovelace")
    app = desk_app(small_db)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_palette(app, pilot)
        burst(app, [*ada.badge, "enter", *ada.badge, "enter"])
        await until(pilot, lambda: isinstance(app.screen, DeskScreen))
        await until(pilot, lambda: banner(app)[0] == "ok")
        await pilot.pause(0.3)
        assert banner(app)[0] == "ok"  # not "already checked in": the second read is ignored
        assert isinstance(app.screen, DeskScreen)
    assert log_actions(small_db).count("checkin") == 1


# The room


@pytest.mark.parametrize("key", ["f8", "f10"])
async def test_room_scan_with_the_big_qr_up_marks_and_keeps_it(seeded, small_event, key):
    ada = seeded["people"]["LovelaceAda"]
    app = app_for(small_event, room="Room A")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press(key)
        await until(pilot, lambda: isinstance(app.screen, QrView))
        scan(app, ada["badge"])
        await until(pilot, lambda: len(marks(seeded["db"])) == 1)
        await pilot.pause(0.2)
        assert isinstance(app.screen, QrView)  # still projected
    assert [m["attendee_id"] for m in marks(seeded["db"])] == [ada["id"]]


async def test_room_scan_into_the_palette_marks_and_opens_nothing(seeded, small_event):
    zoe = seeded["people"]["O'Brien-MüllerZoë"]
    app = app_for(small_event, room="Room A")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await open_palette(app, pilot)
        scan(app, zoe["badge"])
        await until(pilot, lambda: len(marks(seeded["db"])) == 1)
        await pilot.pause(0.2)
        assert isinstance(app.screen, RoomScreen)  # not the big QR code
        assert app.screen.query_one("#search", Input).value == ""
    assert [m["attendee_id"] for m in marks(seeded["db"])] == [zoe["id"]]


async def test_room_scan_with_move_them_asked_marks_the_new_badge(seeded, small_event):
    db, people = seeded["db"], seeded["people"]
    khan = next(db["attendees"].rows_where("last_name = 'Khan' AND school = 'Alpha School'"))
    wellbeing = seeded["wellbeing"]["id"]
    attendance.mark_present(db, wellbeing, khan["id"], station="Room B", at=MORNING)
    zoe = people["O'Brien-MüllerZoë"]
    app = app_for(small_event, room="Room A")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        scan(app, khan["badge"])
        await until(pilot, lambda: isinstance(app.screen, MoveHere))
        scan(app, zoe["badge"])
        await until(pilot, lambda: len(marks(db)) == 2)
        await until(pilot, lambda: isinstance(app.screen, RoomScreen))
        notes = " ".join(str(n.message) for n in app._notifications)
        assert "Sarah Khan" in notes and "not moved" in notes
    assert [(m["attendee_id"], m["session_id"]) for m in marks(db)] == [
        (khan["id"], wellbeing),  # still in Room B: the question was never answered
        (zoe["id"], seeded["phonics"]["id"]),
    ]
    assert "attend_refused" not in actions(db)


async def test_room_scan_with_room_full_asked_asks_about_the_new_badge(seeded, small_event):
    db, people = seeded["db"], seeded["people"]
    wellbeing = seeded["wellbeing"]["id"]
    for khan in db["attendees"].rows_where("last_name = 'Khan'"):  # Room B (2 seats) is full
        attendance.mark_present(db, wellbeing, khan["id"], station="Door", at=MORNING)
    ada, zoe = people["LovelaceAda"], people["O'Brien-MüllerZoë"]
    app = app_for(small_event, room="Room B")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        scan(app, ada["badge"])
        await until(pilot, lambda: isinstance(app.screen, OverCapacity))
        scan(app, zoe["badge"])
        await until(pilot, lambda: "Zoë" in app.screen.message)
        await pilot.press("y")
        await until(pilot, lambda: len(marks(db)) == 3)
    assert marks(db)[-1]["attendee_id"] == zoe["id"] and marks(db)[-1]["override"] == 1
    assert ada["id"] not in {m["attendee_id"] for m in marks(db)}
    assert "attend_refused" not in actions(db)


async def test_room_scan_with_the_room_list_open_marks_in_this_room(seeded, small_event):
    ada = seeded["people"]["LovelaceAda"]
    app = app_for(small_event, room="Room A")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("f9")
        await until(pilot, lambda: isinstance(app.screen, RoomPicker))
        scan(app, ada["badge"])
        await until(pilot, lambda: len(marks(seeded["db"])) == 1)
        await until(pilot, lambda: isinstance(app.screen, RoomScreen))
    assert marks(seeded["db"])[0]["session_id"] == seeded["phonics"]["id"]


async def test_room_scan_before_a_room_is_chosen_says_why(seeded, small_event):
    ada = seeded["people"]["LovelaceAda"]
    app = app_for(small_event, room=None)
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: isinstance(app.screen, RoomPicker))
        scan(app, ada["badge"])
        await until(pilot, lambda: any("No room" in str(n.message) for n in app._notifications))
        assert isinstance(app.screen, RoomPicker)  # still there to choose from
    assert marks(seeded["db"]) == []


# Keys that are not a scan


async def test_a_badge_typed_by_a_person_is_text(small_db):
    app = desk_app(small_db)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("f6")
        await until(pilot, lambda: isinstance(app.screen, WalkInScreen))
        typed(app, [*"BC7KQ2M", "enter"], every=0.15)
        form = app.screen
        await until(pilot, lambda: form.focused is form.query_one("#last_name"))
        assert form.query_one("#first_name", Input).value == "BC7KQ2M"
    assert "checkin" not in log_actions(small_db)


@pytest.mark.parametrize(
    "keys, expected",
    [
        ([*"BC7x", *"Bob"], "BC7xBob"),
        ([*"BBC7KQ", "backspace", *"zz"], "BBC7Kzz"),
        ([*"BC7KQ2MX"], "BC7KQ2MX"),
        (["B"], "B"),
        ([*"ab", "B", "C", "home", "x"], "xabBC"),
    ],
)
async def test_a_burst_that_is_not_a_scan_reaches_the_field_in_order(small_db, keys, expected):
    app = desk_app(small_db)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("f6")
        await until(pilot, lambda: isinstance(app.screen, WalkInScreen))
        burst(app, keys)
        field = app.screen.query_one("#first_name", Input)
        await until(pilot, lambda: field.value == expected)
    assert "checkin" not in log_actions(small_db)


async def test_keys_typed_straight_after_a_scan_go_where_the_focus_is_then(small_db):
    """The scan closes the palette; the letters typed after it land in the desk's box."""
    ada = person(small_db, "ada lovelace")
    app = desk_app(small_db)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_palette(app, pilot)
        burst(app, [*ada.badge, "enter", *"khan"])
        await until(pilot, lambda: isinstance(app.screen, DeskScreen))
        await until(pilot, lambda: app.screen.query_one("#search", Input).value == "khan")
    assert state(small_db, ada.id) is not None


async def test_a_scan_on_the_timetable_says_where_scans_are_recorded(small_db):
    ada = person(small_db, "ada lovelace")
    app = make_app(small_db, StationConfig(station="Office", mode="timetable"))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        scan(app, ada.badge)
        await until(pilot, lambda: any("desk (F3)" in str(n.message) for n in app._notifications))
    assert state(small_db, ada.id) is None
