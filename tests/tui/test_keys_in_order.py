"""Every text box applies keys in the order they were pressed, even in a burst; a scan is a scan
wherever the focus is; Enter never acts on a person the clerk has not been shown."""

from __future__ import annotations

import re
from pathlib import Path

from textual.widgets import DataTable, Input, Static

from bigconv.tui.app import make_app
from bigconv.tui.config import StationConfig
from bigconv.tui.dialogs.walkin import PlacesScreen, WalkInScreen
from bigconv.tui.stations.setup import StationSetupScreen
from tests.helpers.tui import (
    app_for,
    banner,
    burst,
    desk_app,
    log_actions,
    lookup_all,
    marks,
    person,
    roster_rows,
    rows,
    state,
    until,
)

TUI = Path(__file__).resolve().parents[2] / "bigconv" / "tui"

# Letters and editing keys mixed, sent without waiting: what must end up in the box.
BURSTS = [
    ([*"zzz", "ctrl+u", *"ada lovelace"], "ada lovelace"),
    ([*"adx", "backspace", *"a lovelace"], "ada lovelace"),
    ([*"lovelace", "home", *"ada "], "ada lovelace"),
    ([*"bob khan", "ctrl+w", "ctrl+w", *"ada lovelace"], "ada lovelace"),
    ([*"ada lovelacex", "left", "delete", "end", *"!"], "ada lovelace!"),
]


def test_every_text_box_in_the_app_keeps_key_order():
    """No screen builds a plain Input: each text box is an OrderedInput (or a SearchBox)."""
    plain = []
    for path in TUI.rglob("*.py"):
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if re.search(r"(?<![\w.])Input\(", line):
                plain.append(f"{path.relative_to(TUI)}:{n}: {line.strip()}")
    assert plain == []


async def test_editing_keys_in_a_burst_land_where_they_were_pressed(small_db):
    app = desk_app(small_db)
    async with app.run_test(size=(120, 40)) as pilot:
        box = app.screen.query_one("#search", Input)
        for keys, expected in BURSTS:
            burst(app, ["escape", *keys])
            await until(pilot, lambda expected=expected: app.screen.shown_query == expected)
            assert box.value == expected


async def test_desk_burst_clear_a_name_and_enter_checks_in_that_person(small_db):
    ada = person(small_db, "ada lovelace")
    app = desk_app(small_db)
    async with app.run_test(size=(120, 40)) as pilot:
        burst(app, [*"khan", "ctrl+u", *"ada lovelace", "enter"])
        await until(pilot, lambda: banner(app)[0] == "ok")
        assert "Ada Lovelace" in banner(app)[1]
    assert state(small_db, ada.id) is not None
    assert log_actions(small_db).count("checkin") == 1


async def test_desk_equal_matches_are_shown_before_anyone_is_checked_in(small_db):
    app = desk_app(small_db)
    async with app.run_test(size=(80, 24)) as pilot:
        burst(app, [*"sarah khan", "enter"])
        await until(pilot, lambda: app.screen.query_one("#choose").display)
        # Nobody was checked in; the text is back in the box and the schools tell them apart.
        assert "checkin" not in log_actions(small_db)
        assert app.screen.query_one("#search", Input).value == "sarah khan"
        assert "2 people match" in str(app.screen.query_one("#choose", Static).render())
        assert sorted(r[2] for r in rows(app)) == ["Alpha School", "Beta School"]
        first = rows(app)[0][2]
        await pilot.press("enter")  # the clerk has seen the warning: Enter takes the highlighted
        await until(pilot, lambda: banner(app)[0] == "ok")
        assert first in banner(app)[1]
    chosen = [m.person for m in lookup_all(small_db, "khan") if m.person.school == first][0]
    assert state(small_db, chosen.id) is not None
    assert log_actions(small_db).count("checkin") == 1


async def test_desk_an_arrow_is_a_choice(small_db):
    app = desk_app(small_db)
    async with app.run_test(size=(120, 40)) as pilot:
        burst(app, [*"sarah khan", "down", "enter"])
        await until(pilot, lambda: banner(app)[0] == "ok")
    assert log_actions(small_db).count("checkin") == 1


async def test_walk_in_form_takes_tab_and_editing_keys_in_order(small_db):
    app = desk_app(small_db)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("f6")
        await until(pilot, lambda: isinstance(app.screen, WalkInScreen))
        burst(
            app,
            [*"Omx", "backspace", *"ar", "tab", *"Faruk", "left", "left", "o", "end", "tab"]
            + [*"Gamma School", "tab", *"Teacher", "tab", *"o.f@g.sch.uk", "enter"],
        )
        await until(pilot, lambda: isinstance(app.screen, PlacesScreen))
        await pilot.press("escape")
        await until(pilot, lambda: banner(app)[0] == "ok")
    omar = person(small_db, "omar farouk")
    assert (omar.first_name, omar.last_name, omar.school, omar.role, omar.email) == (
        "Omar",
        "Farouk",
        "Gamma School",
        "Teacher",
        "o.f@g.sch.uk",
    )


async def test_station_name_typed_in_a_burst(small_db):
    app = make_app(small_db, StationConfig(station="browser", mode="setup"))
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: isinstance(app.screen, StationSetupScreen))
        burst(app, [*"Dex", "backspace", *"sk 2", "home", *"Front ", "enter"])
        await until(pilot, lambda: app.station != "browser")
        assert app.station == "Front Desk 2"


async def test_room_burst_clear_a_name_and_enter_marks_that_person(seeded, small_event):
    ada = seeded["people"]["LovelaceAda"]
    app = app_for(small_event, room="Room A")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        burst(app, [*"zoe", "ctrl+u", *"ada lovelace", "enter"])
        await until(pilot, lambda: len(marks(seeded["db"])) == 1)
        assert app.focused.id == "search"
    assert [m["attendee_id"] for m in marks(seeded["db"])] == [ada["id"]]


async def test_room_scan_with_another_person_highlighted_marks_the_badge(seeded, small_event):
    """Tab, then a click on Bob's row: the scan of Zoë's badge marks Zoë, and only her."""
    zoe = seeded["people"]["O'Brien-MüllerZoë"]
    app = app_for(small_event, room="Room A")
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.pause()
        screen = app.screen
        await pilot.press("tab")
        await pilot.click("#roster", offset=(10, 1))  # the first row: Bob
        await pilot.pause()
        bob = seeded["people"]["[bold]Bob[/]Bob"]["id"]
        assert screen.highlighted_id() == bob
        burst(app, [*zoe["badge"], "enter"])
        await until(pilot, lambda: len(marks(seeded["db"])) == 1)
        assert roster_rows(screen)["Zoë O'Brien-Müller"][0].startswith("✓")
        assert not roster_rows(screen)["Bob [bold]Bob[/]"][0].startswith("✓")
    assert [m["attendee_id"] for m in marks(seeded["db"])] == [zoe["id"]]


async def test_room_enter_and_space_tick_from_the_search_box(seeded, small_event):
    people = seeded["people"]
    app = app_for(small_event, room="Room A")
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.pause()
        screen = app.screen
        assert screen.focused is screen.query_one("#search")
        await pilot.press("down", "enter")  # the second row: Ada
        await until(pilot, lambda: len(marks(seeded["db"])) == 1)
        await pilot.press("down", "space")  # the third: Zoë
        await until(pilot, lambda: len(marks(seeded["db"])) == 2)
        assert screen.query_one("#search", Input).value == ""
    assert [m["attendee_id"] for m in marks(seeded["db"])] == [
        people["LovelaceAda"]["id"],
        people["O'Brien-MüllerZoë"]["id"],
    ]


async def test_room_equal_matches_wait_for_the_host(seeded, small_event):
    app = app_for(small_event, room="Room B")  # both Sarah Khans are expected here
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        screen = app.screen
        burst(app, [*"sarah khan", "enter"])
        await until(pilot, lambda: "equally" in str(screen.query_one("#list-title").render()))
        assert marks(seeded["db"]) == []
        assert screen.query_one("#search", Input).value == "sarah khan"
        table = screen.query_one("#roster", DataTable)
        schools = sorted(table.get_row_at(i)[-1].plain for i in range(table.row_count))
        assert schools == ["Alpha School", "Beta School"]
        await pilot.press("down", "enter")
        await until(pilot, lambda: len(marks(seeded["db"])) == 1)
        assert table.get_row_at(1)[-1].plain in roster_rows(screen)["Sarah Khan"]


async def test_room_a_key_of_the_screen_keeps_its_place_before_a_scan(seeded, small_event):
    """F7 (the next session) then a scan, in one burst: the scan marks in the next session."""
    ada = seeded["people"]["LovelaceAda"]
    app = app_for(small_event, room="Room A")
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.pause()
        assert "Phonics" in str(app.screen.query_one("#session-info").render())
        burst(app, ["f7", *ada["badge"], "enter"])
        await until(pilot, lambda: len(marks(seeded["db"])) == 1)
    [mark] = marks(seeded["db"])
    afternoon = (
        seeded["db"]
        .execute(
            "SELECT s.id FROM sessions s JOIN rooms r ON r.id = s.room_id"
            " WHERE r.name = 'Room A' AND s.title = 'Wellbeing'"
        )
        .fetchone()[0]
    )
    assert (mark["attendee_id"], mark["session_id"]) == (ada["id"], afternoon)
