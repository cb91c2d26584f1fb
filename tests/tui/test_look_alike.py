"""People who look alike: wherever two people of one name and school are on screen (desk
results, room matches, banners, questions), what tells them apart is shown with them, at every
size; a walk-in who is someone registered is offered as that person first."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from textual.widgets import Input

from bigconv.data import attendance, database
from bigconv.data.attendees import import_csv
from bigconv.services.setup import load
from bigconv.tui.app import make_app
from bigconv.tui.config import StationConfig
from bigconv.tui.dialogs.over_capacity import MoveHere
from bigconv.tui.dialogs.walkin import PlacesScreen, WalkInScreen
from tests.helpers.tui import banner, burst, screen_text, until

SIZES = [(80, 24), (120, 30), (160, 45), (200, 50)]
SAMPLE_DAY = dt.datetime(2026, 11, 27, 10, 5, tzinfo=dt.UTC)  # Workshops 1 runs
SMALL_MORNING = dt.datetime(2026, 11, 27, 10, 20, tzinfo=dt.UTC)
TWINS = """Staff ID,Forename,Surname,Email,School,Job Title
S6,Sam,Taylor,sam.taylor@a.sch.uk,Alpha School,Teacher
S7,Sam,Taylor,s.taylor@a.sch.uk,Alpha School,Teacher
"""


def people(db_path: Path, where: str) -> list[dict]:
    db = database.connect(db_path)
    try:
        return list(db["attendees"].rows_where(where, order_by="id"))
    finally:
        db.close()


def count(db_path: Path, sql: str) -> int:
    db = database.connect(db_path)
    try:
        return db.execute(sql).fetchone()[0]
    finally:
        db.close()


@pytest.fixture
def twins(small_db: Path, tmp_path: Path) -> Path:
    """The small day with true twins: one name, school and role; another staff ID and email."""
    csv = tmp_path / "twins.csv"
    csv.write_text(TWINS, encoding="utf-8")
    db = database.connect(small_db)
    report = import_csv(db, csv)
    db.close()
    assert report.imported == 2
    return small_db


def desk(db_path: Path, clock: dt.datetime):
    return make_app(db_path, StationConfig(station="Desk 1", mode="desk", clock=lambda: clock))


def room(event: Path, name: str, clock: dt.datetime):
    ctx = load(event, None)
    return make_app(
        ctx.db_path,
        StationConfig(station="Host", mode="room", event=ctx.event, room=name, clock=lambda: clock),
    )


def lines_with(text: str, name: str) -> list[str]:
    return [line for line in text.splitlines() if name in line]


# Twins


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
async def test_desk_twins_are_told_apart_at_every_size(twins, size):
    sam = people(twins, "last_name = 'Taylor'")
    app = desk(twins, SMALL_MORNING)
    async with app.run_test(size=size) as pilot:
        await pilot.press(*"sam taylor")
        await until(pilot, lambda: app.screen.shown_query == "sam taylor")
        await pilot.pause()
        text = screen_text(app)
        rows = lines_with(text, "Sam Taylor")
        assert len(rows) == 2 and rows[0] != rows[1], text
        for person in sam:  # each row says which one it is
            assert sum(person["email"] in row for row in rows) == 1, text
        assert "⚠ 2 people match" in text


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
async def test_room_twins_are_told_apart_at_every_size(twins, small_event, size):
    sam = people(twins, "last_name = 'Taylor'")
    app = room(small_event, "Room A", SMALL_MORNING)
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        await pilot.press(*"sam taylor")
        await until(pilot, lambda: app.screen.query_text == "sam taylor")
        await pilot.pause()
        text = screen_text(app)
        rows = lines_with(text, "Sam Taylor")
        assert len(rows) == 2 and rows[0] != rows[1], text
        for person in sam:  # by email where it fits, by badge where it does not
            told = [row for row in rows if person["email"] in row or person["badge"] in row]
            assert len(told) == 1, text


async def test_desk_twin_chosen_by_email_is_checked_in_with_a_banner_saying_so(twins):
    second = people(twins, "last_name = 'Taylor'")[1]
    app = desk(twins, SMALL_MORNING)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press(*"sam taylor", "enter")  # equal matches: the warning, nobody yet
        await until(pilot, lambda: app.screen.query_one("#choose").display)
        row = [m.person.email for m in app.screen.matches].index(second["email"])
        await pilot.press(*["down"] * row, "enter")
        await until(pilot, lambda: banner(app)[0] == "ok")
        kind, text = banner(app)
        assert second["email"] in text and f"badge {second['badge']}" in text
    assert count(twins, "SELECT count(*) FROM checkins") == 1
    assert count(twins, "SELECT attendee_id FROM checkins") == second["id"]


async def test_room_move_question_names_which_twin(twins, small_event):
    first = people(twins, "last_name = 'Taylor'")[0]
    db = database.connect(twins)
    wellbeing = db.execute(
        "SELECT s.id FROM sessions s JOIN rooms r ON r.id = s.room_id"
        " WHERE r.name = 'Room B' AND s.title = 'Wellbeing'"
    ).fetchone()[0]
    attendance.mark_present(db, wellbeing, first["id"], station="Room B", at=SMALL_MORNING)
    db.close()
    app = room(small_event, "Room A", SMALL_MORNING)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        burst(app, [*first["badge"], "enter"])
        await until(pilot, lambda: isinstance(app.screen, MoveHere))
        assert f"Sam Taylor ({first['email']})" in app.screen.message


# The two Grace Robinsons of the sample day (one school, different roles)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
async def test_desk_grace_robinsons_show_their_roles_at_every_size(sample_event, size):
    app = desk(sample_event.with_suffix(".db"), SAMPLE_DAY)
    async with app.run_test(size=size) as pilot:
        await pilot.press(*"grace robinson")
        await until(pilot, lambda: app.screen.shown_query == "grace robinson")
        await pilot.pause()
        rows = lines_with(screen_text(app), "Grace Robinson")
        assert len(rows) == 2
        assert sorted("SENCO" in row for row in rows) == [False, True]
        assert sorted("Head of Year" in row for row in rows) == [False, True]


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
async def test_room_grace_robinsons_show_their_roles_at_every_size(sample_event, size):
    app = room(sample_event, "Library", SAMPLE_DAY)
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        await pilot.press(*"grace robinson")
        await until(pilot, lambda: app.screen.query_text == "grace robinson")
        await pilot.pause()
        text = screen_text(app)
        rows = lines_with(text, "Grace Robinson")
        assert len(rows) == 2, text
        assert sorted("SENCO" in row for row in rows) == [False, True], text
        assert sorted("Head of Year" in row for row in rows) == [False, True], text


async def test_room_mark_message_names_which_grace_robinson(sample_event):
    senco = people(sample_event.with_suffix(".db"), "last_name = 'Robinson' AND role = 'SENCO'")
    app = room(sample_event, "Library", SAMPLE_DAY)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        burst(app, [*senco[0]["badge"], "enter"])
        await until(pilot, lambda: bool(app._notifications))
        said = " ".join(str(n.message) for n in app._notifications)
        assert "Grace Robinson (SENCO) present" in said


async def test_desk_banner_shows_the_badge(sample_event):
    grace = people(sample_event.with_suffix(".db"), "last_name = 'Robinson' AND role = 'SENCO'")
    app = desk(sample_event.with_suffix(".db"), SAMPLE_DAY)
    async with app.run_test(size=(80, 24)) as pilot:
        burst(app, [*grace[0]["badge"], "enter"])
        await until(pilot, lambda: banner(app)[0] == "ok")
        assert f"SENCO · badge {grace[0]['badge']}" in banner(app)[1]


# A walk-in who is someone registered


async def fill_walk_in(app, pilot, first, last, school, role, email="") -> None:
    await pilot.press("f6")
    await until(pilot, lambda: isinstance(app.screen, WalkInScreen))
    for value in (first, last, school, role):
        await pilot.press(*value, "enter")
    await pilot.press(*email, "enter")


async def test_walk_in_who_is_registered_is_offered_and_checked_in(sample_event):
    db_path = sample_event.with_suffix(".db")
    before = count(db_path, "SELECT count(*) FROM attendees")
    [sarah] = people(
        db_path, "first_name = 'Sarah' AND last_name = 'Khan' AND school = 'Westgate Academy'"
    )
    app = desk(db_path, SAMPLE_DAY)
    async with app.run_test(size=(80, 24)) as pilot:
        await fill_walk_in(app, pilot, "Sarah", "Khan", "Westgate Academy", "Office Manager")
        await until(pilot, lambda: type(app.screen).__name__ == "SamePerson")
        text = screen_text(app)
        assert "Already registered?" in text and sarah["badge"] in text
        await pilot.press("enter")  # the first offer: check in the person registered
        await until(pilot, lambda: banner(app)[0] == "ok")
        assert f"badge {sarah['badge']}" in banner(app)[1]
    assert count(db_path, "SELECT count(*) FROM attendees") == before
    assert count(db_path, "SELECT attendee_id FROM checkins") == sarah["id"]


async def test_walk_in_second_record_only_on_purpose_and_logged(sample_event):
    db_path = sample_event.with_suffix(".db")
    before = count(db_path, "SELECT count(*) FROM attendees")
    app = desk(db_path, SAMPLE_DAY)
    async with app.run_test(size=(80, 24)) as pilot:
        await fill_walk_in(app, pilot, "Sarah", "Khan", "Westgate Academy", "Office Manager")
        await until(pilot, lambda: type(app.screen).__name__ == "SamePerson")
        await pilot.press("escape")  # back to the form, as typed
        await until(pilot, lambda: isinstance(app.screen, WalkInScreen))
        assert app.screen.query_one("#school", Input).value == "Westgate Academy"
        await pilot.press("enter", "enter", "enter", "enter", "enter")
        await until(pilot, lambda: type(app.screen).__name__ == "SamePerson")
        await pilot.press("f6")  # a new person all the same
        await until(pilot, lambda: isinstance(app.screen, PlacesScreen))
    assert count(db_path, "SELECT count(*) FROM attendees") == before + 1
    assert count(db_path, "SELECT count(*) FROM log WHERE action LIKE 'walk_in%match'") == 1


async def test_walk_in_refused_keeps_what_was_typed(small_db):
    before = count(small_db, "SELECT count(*) FROM attendees")
    app = desk(small_db, SMALL_MORNING)
    async with app.run_test(size=(80, 24)) as pilot:
        await fill_walk_in(app, pilot, "Nia", "Walker", "Gamma", "Teacher", "ada@a.sch.uk")
        await until(pilot, lambda: not isinstance(app.screen, WalkInScreen))
        if type(app.screen).__name__ == "SamePerson":  # Ada has that email: not her, though
            await pilot.press("f6")
        await until(pilot, lambda: isinstance(app.screen, WalkInScreen))
        form = app.screen
        values = [form.query_one(f"#{key}", Input).value for key, _ in form.FIELDS]
        assert values == ["Nia", "Walker", "Gamma", "Teacher", "ada@a.sch.uk"]
        assert "ada@a.sch.uk is already Ada Lovelace" in str(form.query_one("#problem").render())
    assert count(small_db, "SELECT count(*) FROM attendees") == before


# Name twins: the same name at any school, listed or not


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
async def test_desk_rows_say_who_has_a_name_twin_even_when_the_twin_is_not_listed(small_db, size):
    app = desk(small_db, SMALL_MORNING)
    async with app.run_test(size=size) as pilot:
        await pilot.press(*"khan beta")  # only the Beta School one matches
        await until(pilot, lambda: app.screen.shown_query == "khan beta")
        await pilot.pause()
        text = screen_text(app)
        (row,) = lines_with(text, "Sarah Khan")
        assert "Beta School" in row and "twin" in row, text
        if size[0] >= 160:  # room for what to check, in words
            assert "name twin: check school" in row, text
        assert not lines_with(text, "Ada Lovelace")
        await pilot.press("escape", *"alpha")  # the school: a twin and two who are not
        await until(pilot, lambda: app.screen.shown_query == "alpha")
        await pilot.pause()
        text = screen_text(app)
        khan, ada = lines_with(text, "Sarah Khan"), lines_with(text, "Ada Lovelace")
        assert len(khan) == len(ada) == 1, text
        assert "twin" in khan[0] and "twin" not in ada[0], text
