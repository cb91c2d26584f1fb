"""The scan reader on its own: keys in, keys and scans out, in the order the keys came."""

from __future__ import annotations

from textual import events

from bigconv.tui.scans import SCAN_GAP, Scan, ScanReader


def keys(text: list[str], every: float = 0.005, start: float = 100.0) -> list[events.Key]:
    out = []
    for n, key in enumerate(text):
        event = events.Key(key, key if len(key) == 1 else None)
        event.time = start + n * every
        out.append(event)
    return out


def run(reader: ScanReader, events_in: list[events.Event]) -> list:
    out = []
    for event in events_in:
        out += reader.feed(event)
    return out


def names(steps: list) -> list[str]:
    return [s.badge if isinstance(s, Scan) else s.key for s in steps]


def test_a_scan_is_the_code_and_enter_fast():
    reader = ScanReader()
    steps = run(reader, keys([*"BC7KQ2M", "enter"]))
    assert steps == [Scan("BC7KQ2M", 1)]
    assert reader.recording == Scan("BC7KQ2M", 1)


def test_keys_while_a_scan_is_recorded_wait_then_go_on_in_order():
    reader = ScanReader()
    steps = run(reader, keys([*"BC7KQ2M", "enter", *"BC7KQ2M", "enter", "x"]))
    assert names(steps) == ["BC7KQ2M"]
    assert names(reader.recorded(Scan("BC7KQ2M", 1))) == ["BC7KQ2M"]  # a second read
    assert names(reader.recorded(Scan("BC7KQ2M", 2))) == ["x"]


def test_a_person_typing_a_code_is_typing():
    reader = ScanReader()
    steps = run(reader, keys([*"BC7KQ2M", "enter"], every=SCAN_GAP * 2))
    assert names(steps) == [*"BC7KQ2M", "enter"] and reader.held == []


def test_out_of_shape_releases_in_order_and_may_begin_a_scan():
    reader = ScanReader()
    steps = run(reader, keys([*"BBC7KQ2M", "enter"]))
    assert names(steps) == ["B", "BC7KQ2M"]
    reader = ScanReader()
    assert names(run(reader, keys([*"BC7x"]))) == [*"BC7x"]
    assert reader.held == []


def test_a_pause_releases_what_is_held():
    reader = ScanReader()
    assert run(reader, keys([*"BC7"])) == []
    generation = reader.generation
    assert names(reader.due(generation - 1)) == []  # more keys came since: not yet
    assert names(reader.due(generation)) == [*"BC7"]


def test_a_paste_or_click_stays_after_the_held_keys():
    paste = events.Paste("hello")
    reader = ScanReader()
    held = keys([*"BC"])
    run(reader, held)
    assert reader.takes(paste)
    assert reader.feed(paste) == [*held, paste]
    assert not ScanReader().takes(paste)  # nothing held: a paste goes straight on


def test_lower_case_is_typing_not_a_scan():
    reader = ScanReader()
    assert names(run(reader, keys([*"bc7kq2m", "enter"]))) == [*"bc7kq2m", "enter"]
