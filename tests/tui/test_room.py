"""The room screen driven through Pilot over a real database file, with an injected clock."""

from __future__ import annotations

import datetime as dt
import json

from textual.widgets import DataTable, Input, Static

from bigconv.core.clock import iso
from bigconv.services.setup import load
from bigconv.tui.app import make_app
from bigconv.tui.config import StationConfig
from bigconv.tui.dialogs.over_capacity import OverCapacity
from bigconv.tui.dialogs.room_picker import RoomPicker
from bigconv.tui.stations.room import RoomScreen
from tests.helpers.tui import MORNING, SIZE, app_for, marks, roster_rows

AFTERNOON = dt.datetime(2026, 11, 27, 13, 10, tzinfo=dt.UTC)  # Wellbeing (A), Oracy (B)


def actions(db) -> list[str]:
    return [r["action"] for r in db["log"].rows_where("station = 'Host'", order_by="id")]


async def test_pick_a_room_then_see_its_current_session(seeded, small_event):
    app = app_for(small_event, room=None, now=AFTERNOON)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, RoomPicker)
        rooms = app.screen.query_one("#rooms", DataTable)
        names = [rooms.get_row(k)[0].plain for k in rooms.rows]
        assert names == ["Hall", "Room A", "Room B"]
        await pilot.press("down", "enter")  # Room A
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, RoomScreen)
        info = str(screen.query_one("#session-info", Static).render())
        assert "Wellbeing" in info and "13:00–14:00" in info and "on now" in info
        await pilot.press("f6")
        info = str(screen.query_one("#session-info", Static).render())
        assert "Phonics" in info and "finished" in info and "Ada Lovelace" in info
        assert set(roster_rows(screen)) == {
            "Ada Lovelace",
            "Zoë O'Brien-Müller",
            "Bob [bold]Bob[/]",
        }
        await pilot.press("f7")
        assert "Wellbeing" in str(screen.query_one("#session-info", Static).render())


async def test_scan_a_badge_marks_present_and_checks_in(seeded, small_event):
    db, ada = seeded["db"], seeded["people"]["LovelaceAda"]
    app = app_for(small_event, room="Room A")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        screen = app.screen
        assert "Phonics" in str(screen.query_one("#session-info", Static).render())
        assert roster_rows(screen)["Ada Lovelace"][0] == "·"
        await pilot.press(*"BC22222", "enter")  # nobody's badge: refused, nothing marked
        await pilot.pause()
        assert screen.query_one("#search", Input).value == ""
        assert not any(row[0].startswith("✓") for row in roster_rows(screen).values())
        await pilot.press(*ada["badge"], "enter")  # as a scanner types it
        await pilot.pause()
        assert roster_rows(screen)["Ada Lovelace"][0] == "✓ 10:20"
        assert "Present 1 of 3 seats" in str(screen.query_one("#headcount", Static).render())
        assert screen.query_one("#search", Input).value == ""
    [mark] = marks(db)
    assert (mark["attendee_id"], mark["session_id"], mark["station"], mark["override"]) == (
        ada["id"],
        seeded["phonics"]["id"],
        "Host",
        0,
    )
    assert actions(db) == ["checkin", "attend"]
    via = db.execute("SELECT via FROM checkins WHERE attendee_id = ?", [ada["id"]]).fetchone()
    assert via == ("room",)


async def test_tick_rows_by_enter_space_and_click(seeded, small_event):
    db = seeded["db"]
    app = app_for(small_event, room="Room A")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        screen = app.screen
        table = screen.query_one("#roster", DataTable)
        names = [table.get_row(k)[1].plain for k in table.rows]
        # by surname: "[bold]Bob[/]" folds to "bold bob", then Lovelace, O'Brien-Müller
        assert names == ["Bob [bold]Bob[/]", "Ada Lovelace", "Zoë O'Brien-Müller"]
        table.focus()
        await pilot.press("enter")  # Bob
        await pilot.press("down", "space")  # Ada
        await pilot.pause()
        rows = roster_rows(screen)
        assert rows["Bob [bold]Bob[/]"][0].startswith("✓")
        assert rows["Ada Lovelace"][0].startswith("✓")
        # a click highlights; a click on the highlighted row ticks it
        offset = (10, 3)  # header row, then Bob, Ada, Zoë: Zoë is the table's fourth line
        await pilot.click("#roster", offset=offset)
        await pilot.click("#roster", offset=offset)
        await pilot.pause()
        assert roster_rows(screen)["Zoë O'Brien-Müller"][0].startswith("✓")
        assert "⛔ FULL" in str(screen.query_one("#headcount", Static).render())
    assert len(marks(db)) == 3
    assert actions(db) == ["checkin", "attend"] * 3


async def test_walk_in_at_capacity_cancel_then_override(seeded, small_event):
    db, people = seeded["db"], seeded["people"]
    app = app_for(small_event, room="Room B")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        screen = app.screen
        assert "Wellbeing" in str(screen.query_one("#session-info", Static).render())
        for person in ("KhanSarah",):
            await pilot.press(*people[person]["badge"], "enter")
        # a walk-in (allocated to Phonics) while there is room: no question asked
        await pilot.press(*"lovelace", "enter")
        await pilot.pause()
        rows = roster_rows(screen)
        assert rows["Ada Lovelace"][2] == "walk-in"
        assert "⛔ FULL" in str(screen.query_one("#headcount", Static).render())
        # the room is full (2 seats): the next walk-in asks first
        await pilot.press(*"zoe", "enter")
        await pilot.pause()
        assert isinstance(app.screen, OverCapacity)
        await pilot.press("n")
        await pilot.pause()
        assert app.screen is screen and "Zoë O'Brien-Müller" not in roster_rows(screen)
        await pilot.press(*"zoe", "enter")
        await pilot.pause()
        assert isinstance(app.screen, OverCapacity)
        await pilot.press("y")
        await pilot.pause()
        rows = roster_rows(screen)
        assert rows["Zoë O'Brien-Müller"][2] == "walk-in, over capacity"
        assert "Present 3 of 2 seats" in str(screen.query_one("#headcount", Static).render())
    zoe = people["O'Brien-MüllerZoë"]["id"]
    overrides = [(m["attendee_id"], m["override"]) for m in marks(db)]
    assert overrides[-1] == (zoe, 1) and [o for _, o in overrides[:-1]] == [0, 0]
    # The question shown twice; only the "no" is a refusal (the "yes" is the mark it made).
    assert actions(db) == ["checkin", "attend"] * 2 + ["attend_refused"] + ["checkin", "attend"]
    last = db.execute("SELECT detail FROM log WHERE action = 'attend' ORDER BY id DESC").fetchone()
    assert json.loads(last[0]) == {
        "walk_in": True,
        "override": True,
        "checked_in": True,
        "present_before": 2,
        "capacity": 2,
    }


async def test_undo_the_highlighted_mark(seeded, small_event):
    db, ada = seeded["db"], seeded["people"]["LovelaceAda"]
    app = app_for(small_event, room="Room A")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        screen = app.screen
        await pilot.press(*ada["badge"], "enter")
        await pilot.pause()
        assert screen.highlighted_id() == ada["id"]  # the cursor follows the person marked
        await pilot.press("ctrl+z")
        await pilot.pause()
        assert roster_rows(screen)["Ada Lovelace"][0] == "·"
        assert roster_rows(screen)["Ada Lovelace"][2] == "not arrived"
    [mark] = marks(db)
    assert mark["undone_at"] and mark["undone_by"] == "Host"
    assert actions(db) == ["checkin", "attend", "checkin_undone", "attend_undone"]
    assert db.execute("SELECT count(*) FROM checkin_records").fetchone()[0] == 1


async def test_untrusted_names_and_reactions_shown_literally(seeded, small_event):
    db = seeded["db"]
    phonics = seeded["phonics"]["id"]
    db["attendees"].update(seeded["people"]["LovelaceAda"]["id"], {"school": "[@click=app.quit]"})
    db["reactions"].insert_all(
        {"session_id": phonics, "kind": "useful", "at": iso(MORNING), "device": str(i)}
        for i in range(3)
    )
    db.conn.commit()
    app = app_for(small_event, room="Room A")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        screen = app.screen
        assert roster_rows(screen)["Ada Lovelace"][3] == "[@click=app.quit]"
        drawn = app.export_screenshot()
        assert "[bold]Bob[/]" in drawn and "[@click=app.quit]" in drawn
        await pilot.press(*"bob", "enter")
        await pilot.pause()
        assert roster_rows(screen)["Bob [bold]Bob[/]"][0].startswith("✓")
        assert app.is_running  # no markup error from the notification
        reactions = str(screen.query_one("#reactions", Static).render())
        assert "👍 Useful" in reactions and reactions.split("👍 Useful")[1].split()[0] == "3"


async def test_f4_opens_the_room_mode_from_the_timetable(seeded, small_event):
    ctx = load(small_event, None)
    app = make_app(
        ctx.db_path, StationConfig(mode="timetable", event=ctx.event, clock=lambda: MORNING)
    )
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("f4")
        await pilot.pause()
        assert isinstance(app.screen, RoomPicker)
        await pilot.press("down", "down", "enter")  # Room B
        await pilot.pause()
        assert isinstance(app.screen, RoomScreen) and app.screen.room["name"] == "Room B"
        names = set(roster_rows(app.screen))
        assert names == {"Sarah Khan"} and len(app.screen.roster) == 2


async def test_equal_matches_wait_even_when_only_one_is_booked_here(seeded, small_event):
    """Two Sarah Khans, one booked in this session: the host is shown both before anyone is
    marked (a namesake who walked in is not taken for the one expected)."""
    db = seeded["db"]
    booked = seeded["wellbeing"]["id"]
    khans = {p["school"]: p["id"] for p in db["attendees"].rows_where("last_name = 'Khan'")}
    alpha, beta = khans["Alpha School"], khans["Beta School"]
    db.execute("DELETE FROM allocations WHERE attendee_id = ? AND session_id = ?", [alpha, booked])
    db.conn.commit()
    app = app_for(small_event, room="Room B")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        screen = app.screen
        await pilot.press(*"sarah khan", "enter")
        await pilot.pause()
        assert "equally" in str(screen.query_one("#list-title").render())
        assert marks(db) == [] and screen.query_one("#search", Input).value == "sarah khan"
        await pilot.press("enter")  # seen: Enter marks the highlighted one, the one booked here
        await pilot.pause()
    assert [m["attendee_id"] for m in marks(db)] == [beta]


async def test_a_scan_after_half_typed_text_marks_the_badge(seeded, small_event):
    db, zoe = seeded["db"], seeded["people"]["O'Brien-MüllerZoë"]
    app = app_for(small_event, room="Room A")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press(*"lov", *zoe["badge"], "enter")
        await pilot.pause()
        assert roster_rows(app.screen)["Zoë O'Brien-Müller"][0].startswith("✓")
    assert [m["attendee_id"] for m in marks(db)] == [zoe["id"]]


async def test_a_scanners_second_read_is_ignored_and_an_unknown_badge_is_said(seeded, small_event):
    db, ada = seeded["db"], seeded["people"]["LovelaceAda"]
    app = app_for(small_event, room="Room A")  # a stopped clock: every read is at once
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press(*ada["badge"], "enter", *ada["badge"], "enter")
        await pilot.press(*"bc-22222", "enter")
        await pilot.pause()
        said = [n.message for n in app._notifications]
    assert actions(db) == ["checkin", "attend"]  # no "already present" refusal logged
    assert said[-1] == "Unknown badge code “bc-22222”."
