"""Event-file mistakes are numbered as a person counts (the 8th session is session 8, with its
title) and every one comes out in one run: fixing the ones shown never reveals another."""

from __future__ import annotations

import pytest

from bigconv.core.errors import ConfigError
from bigconv.core.event import load_event
from tests.helpers.events import SMALL_EVENT


def problems(tmp_path, text: str) -> list[str]:
    path = tmp_path / "bad.toml"
    path.write_text(text, encoding="utf-8")
    (tmp_path / "staff.csv").write_text("First name,Surname\n", encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_event(path)
    return info.value.problems


def extra_sessions(n: int) -> str:
    return "".join(
        f'\n[[sessions]]\ntitle = "Extra {i}"\nroom = "Hall"\nslot = "Afternoon"\n'
        for i in range(1, n + 1)
    )


def test_the_eighth_session_is_session_8(tmp_path):
    # Sessions 1-5 are the small event's; 6 takes the Hall in the afternoon, 7 and 8 too.
    found = problems(tmp_path, SMALL_EVENT + extra_sessions(3))
    assert (
        'bad.toml: session 8 ("Extra 3"), room: room "Hall" already has session 6 ("Extra 1")'
        ' in slot "Afternoon"'
    ) in found, found
    assert not [p for p in found if "[" in p.split(": ", 1)[1].split(":")[0]], found


def test_rooms_slots_reactions_and_costs_count_from_1(tmp_path):
    text = SMALL_EVENT.replace("capacity = 3", "capacity = 0")
    text = text.replace('end = "14:00"', 'end = "12:00"')
    text += '\n[[reactions]]\nkey = "up"\nemoji = "👍"\nlabel = "Up"\n' * 2
    text += '\n[[costs]]\nlabel = "Venue"\namount = -5\n'
    found = problems(tmp_path, text)
    assert 'bad.toml: room 2 ("Room A"), capacity: must be positive, got 0' in found
    assert 'bad.toml: slot 3 ("Afternoon"), end: ends (12:00) before it starts (13:00)' in found
    assert (
        'bad.toml: reaction 2 ("Up"), key: reaction key "up" is already used by reaction 1 ("Up")'
        in found
    )
    assert 'bad.toml: cost 1 ("Venue"), amount: must not be negative, got -5' in found


def test_an_item_without_its_name_is_counted_alone(tmp_path):
    text = SMALL_EVENT.replace('title = "Oracy"\n', "")
    assert "bad.toml: session 5, title: missing (required)" in problems(tmp_path, text)


@pytest.mark.parametrize(
    ("change", "also"),
    [
        (("date = 2026-11-27", 'date = "27/11/2026"'), "event.date"),
        (('timezone = "Europe/London"', 'timezone = "Europe/Londres"'), "event.timezone"),
        (('label = "Plenary"', 'label = ""'), "slot 1, label"),
        (('kind = "plenary"', 'kind = "keynote"'), 'slot 1 ("Plenary"), kind'),
    ],
)
def test_a_slot_overlap_comes_out_with_the_other_mistakes(tmp_path, change, also):
    """A second mistake that once hid the overlap (no date, no time zone, a slot without a
    label) is named beside it, in the same run."""
    old, new = change
    assert old in SMALL_EVENT
    text = SMALL_EVENT.replace('start = "10:00"', 'start = "09:15"').replace(old, new, 1)
    found = problems(tmp_path, text)
    assert any(also in p for p in found), found
    assert any('slot "Morning" (09:15-11:00) overlaps' in p for p in found), found


def test_a_double_booked_room_comes_out_beside_its_bad_capacity(tmp_path):
    text = SMALL_EVENT.replace("capacity = 3", "capacity = 0")  # Room A
    text = text.replace('title = "Oracy"\nroom = "Room B"', 'title = "Oracy"\nroom = "Room A"')
    found = problems(tmp_path, text)
    assert 'bad.toml: room 2 ("Room A"), capacity: must be positive, got 0' in found
    assert any('session 5 ("Oracy"), room: room "Room A" already has session 4' in p for p in found)


def test_a_duplicate_slot_label_with_bad_times_gives_both(tmp_path):
    text = SMALL_EVENT.replace('label = "Afternoon"', 'label = "Morning"')
    text = text.replace('start = "13:00"\nend = "14:00"', 'start = "13:00"\nend = "12:00"')
    found = problems(tmp_path, text)
    assert any("slot 3" in p and "listed twice" in p for p in found), found
    assert any("slot 3" in p and "ends (12:00) before it starts (13:00)" in p for p in found)


def test_a_session_in_an_invalid_audience_is_not_called_unknown(tmp_path):
    text = SMALL_EVENT.replace('teaching = ["Teacher"]', 'teaching = "Teacher"')
    found = problems(tmp_path, text)
    assert any("audiences.teaching" in p for p in found), found
    assert not [p for p in found if "unknown audience" in p], found


def test_a_long_slot_overlapping_two_is_named_twice(tmp_path):
    text = SMALL_EVENT.replace('start = "09:00"\nend = "09:30"', 'start = "09:00"\nend = "13:30"')
    found = [p for p in problems(tmp_path, text) if "overlaps" in p]
    assert len(found) == 2, found
    assert all('overlaps slot "Plenary" (09:00-13:30)' in p for p in found), found
