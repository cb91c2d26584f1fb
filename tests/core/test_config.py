"""The event file: a valid file loads; every kind of mistake is named, all at once."""

from __future__ import annotations

import pytest

from bigconv.core.errors import ConfigError
from bigconv.core.event import load_event
from tests.helpers import ROOT
from tests.helpers.events import SMALL_EVENT


def problems(tmp_path, text: str) -> list[str]:
    path = tmp_path / "bad.toml"
    path.write_text(text, encoding="utf-8")
    (tmp_path / "staff.csv").write_text("First name,Surname\n", encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_event(path)
    return info.value.problems


def test_sample_event_loads():
    event = load_event(ROOT / "sample_event.toml")
    assert event.name == "The Big Conversation 2026"
    assert len(event.rooms) == 20
    workshops = [s for s in event.sessions if s.slot.startswith("Workshops")]
    assert len(workshops) == 60
    assert event.database == ROOT / "sample_event.db"
    assert {r.key for r in event.reactions} >= {"useful", "lost"}
    assert [r.key for r in event.reactions if r.negative] == ["lost", "slower"]


def test_small_event_loads(small_event):
    event = load_event(small_event)
    assert event.tz.key == "Europe/London"
    assert event.slots[1].start.hour == 10
    assert event.sessions[1].leads == ("Ada Lovelace",)
    assert event.audiences == {"teaching": ("Teacher",)}


def test_default_reactions_when_absent(small_event):
    assert len(load_event(small_event).reactions) == 6


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (
            ('room = "Room A"\nslot = "Morning"', 'room = "Hall Z"\nslot = "Morning"'),
            'session 2 ("Phonics"), room: no room named "Hall Z" (known rooms: Hall, Room A, Room B)',
        ),
        (
            ('slot = "Morning"\naudience', 'slot = "Evening"\naudience'),
            'session 2 ("Phonics"), slot: no slot labelled "Evening"',
        ),
        (
            ('title = "Wellbeing"\nroom = "Room B"', 'title = "Wellbeing"\nroom = "Room A"'),
            'session 3 ("Wellbeing"), room: room "Room A" already has session 2 ("Phonics") in slot "Morning"',
        ),
        (('start = "10:00"', 'start = "09:15"'), 'overlaps slot "Plenary"'),
        (
            ('end = "14:00"', 'end = "12:00"'),
            'slot 3 ("Afternoon"), end: ends (12:00) before it starts (13:00)',
        ),
        (("capacity = 3", "capacity = 0"), 'room 2 ("Room A"), capacity: must be positive, got 0'),
        (
            ("capacity = 2", 'capacity = "two"'),
            'room 3 ("Room B"), capacity: expected a whole number, got text "two"',
        ),
        (
            ('timezone = "Europe/London"', 'timezone = "Europe/Londres"'),
            'event.timezone: unknown time zone "Europe/Londres"',
        ),
        (('name = "Small Test Day"\n', ""), "event.name: missing (required)"),
        (
            ('start = "13:00"', 'start = "1pm"'),
            'slot 3 ("Afternoon"), start: not a time (HH:MM): "1pm"',
        ),
        (
            ('audience = "teaching"', 'audience = "governors"'),
            'session 2 ("Phonics"), audience: unknown audience "governors"',
        ),
        (
            ('csv = "staff.csv"', 'csv = "missing.csv"'),
            "attendees.csv: file not found: missing.csv",
        ),
    ],
)
def test_each_mistake_is_named(tmp_path, change, expected):
    old, new = change
    assert old in SMALL_EVENT
    found = problems(tmp_path, SMALL_EVENT.replace(old, new, 1))
    assert any(expected in p for p in found), found
    assert all(p.startswith("bad.toml: ") for p in found)


def test_duplicate_reaction_keys(tmp_path):
    text = SMALL_EVENT + '\n[[reactions]]\nkey = "up"\nemoji = "👍"\nlabel = "Up"\n' * 2
    assert (
        'bad.toml: reaction 2 ("Up"), key: reaction key "up" is already used by reaction 1 ("Up")'
        in problems(tmp_path, text)
    )


def test_every_mistake_at_once(tmp_path):
    text = SMALL_EVENT.replace("capacity = 3", "capacity = -1").replace(
        'room = "Room B"\nslot = "Afternoon"', 'room = "Nowhere"\nslot = "Afternoon"'
    )
    text = text.replace('timezone = "Europe/London"', 'timezone = "Mars/Olympus"')
    found = problems(tmp_path, text)
    assert len(found) >= 3
    assert any('room 2 ("Room A"), capacity' in p for p in found)
    assert any('session 5 ("Oracy"), room' in p for p in found)
    assert any("event.timezone" in p for p in found)


def test_not_toml(tmp_path):
    found = problems(tmp_path, "[event\nname = ")
    assert found[0].startswith("bad.toml: not valid TOML")


def test_missing_file(tmp_path):
    with pytest.raises(ConfigError, match="file not found"):
        load_event(tmp_path / "nope.toml")
