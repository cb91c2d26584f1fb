"""The browser stations' input reader sleeps until input arrives (bigconv/tui/web_driver.py).

Textual's reader wakes ten times a second to time out a lone Escape; twenty-six idle stations
on one laptop paid for those wake-ups. These run the reader over a real pipe in a thread and
count its wake-ups and what it yields (counts, not timings)."""

from __future__ import annotations

import contextlib
import os
import queue
import threading
import time

import pytest

from bigconv import station
from bigconv.tui.web_driver import ESCAPE_WINDOW, QuietInputReader


@pytest.fixture
def reader():
    read_end, write_end = os.pipe()
    reader = QuietInputReader(read_end)
    got: queue.Queue[bytes] = queue.Queue()
    thread = threading.Thread(target=lambda: [got.put(chunk) for chunk in reader], daemon=True)
    thread.start()
    yield reader, write_end, got, thread
    reader.close()
    thread.join(5)
    for fd in (read_end, write_end):
        with contextlib.suppress(OSError):
            os.close(fd)


def drain(got: queue.Queue) -> list[bytes]:
    out = []
    while not got.empty():
        out.append(got.get_nowait())
    return out


def test_sleeps_until_input_arrives(reader):
    quiet, write_end, got, _ = reader
    time.sleep(1.0)  # Textual's reader would have woken about ten times by now
    assert quiet.wakeups == 0
    assert drain(got) == []
    os.write(write_end, b"abc")
    assert got.get(timeout=5) == b"abc"  # at once: the parser's tick follows each chunk
    assert got.get(timeout=5) == b""


def test_a_lone_escape_is_still_flushed(reader):
    quiet, write_end, got, _ = reader
    os.write(write_end, b"\x1b")
    assert got.get(timeout=5) == b"\x1b"
    ticks = 0
    deadline = time.monotonic() + 10
    while quiet.wakeups < 2 and time.monotonic() < deadline:
        if got.get(timeout=10) == b"":
            ticks += 1
    # Woken without input, more than once, so the parser's ESCDELAY passes and it hands
    # the Escape key on ...
    assert quiet.wakeups >= 2
    # ... then, past the window, asleep again.
    time.sleep(ESCAPE_WINDOW + 0.3)
    settled = quiet.wakeups
    time.sleep(1.0)
    assert quiet.wakeups == settled


def test_close_ends_the_sleeping_reader_at_once(reader):
    quiet, _, _, thread = reader
    time.sleep(0.2)
    quiet.close()
    thread.join(5)
    assert not thread.is_alive()


def test_end_of_input_ends_the_reader(reader):
    _, write_end, got, thread = reader
    os.close(write_end)
    thread.join(5)
    assert not thread.is_alive()


@pytest.mark.skipif(os.name != "posix", reason="Windows keeps Textual's own reader")
def test_a_station_asks_for_the_quiet_driver(monkeypatch):
    """What textual-serve sets is replaced before Textual reads it; other drivers are kept."""
    monkeypatch.setattr(os, "environ", {"TEXTUAL_DRIVER": station.TEXTUAL_WEB_DRIVER})
    station.use_quiet_driver()
    assert os.environ["TEXTUAL_DRIVER"] == station.QUIET_WEB_DRIVER
    monkeypatch.setattr(os, "environ", {"TEXTUAL_DRIVER": "textual.drivers.x:Other"})
    station.use_quiet_driver()
    assert os.environ["TEXTUAL_DRIVER"] == "textual.drivers.x:Other"
