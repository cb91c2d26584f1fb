"""Textual's web driver (what textual-serve runs each browser station with), sleeping when idle.

Textual's input thread wakes ten times a second whether or not anything arrives, only so that
a lone Escape key is delivered after ESCDELAY (an Escape may be the start of a longer key
sequence). With twenty-six stations on one laptop those wake-ups are a third of what the idle
stations cost. `QuietInputReader` sleeps until input arrives; for a moment after a chunk
holding an Escape byte it wakes as Textual's does, so a lone Escape still arrives on time.
Closing it wakes the thread through a pipe, so the station still quits at once.

`bigconv.station` names `QuietWebDriver` in place of Textual's when textual-serve asks for
the web driver on a POSIX system (Windows has its own input reader, left as it is).
"""

from __future__ import annotations

import contextlib
import os
import selectors
import sys
import time
from collections.abc import Iterator
from threading import Event

from textual import constants
from textual.drivers.web_driver import WebDriver

from bigconv.tui._compat import replace_input_reader

TICK = 0.1  # Textual's own input timeout: how often to wake while an Escape may be pending
# Wake every TICK for this long after an Escape byte: past the parser's ESCDELAY, whatever it
# is set to, so the lone Escape is always flushed.
ESCAPE_WINDOW = 2 * constants.ESCAPE_DELAY + 2 * TICK


class QuietInputReader:
    """Yields what arrives on `fileno` (standard input by default), and b"" when the parser
    should look at its clock: only while an Escape may be waiting, never on a timer."""

    def __init__(self, fileno: int | None = None) -> None:
        if fileno is None:
            if sys.__stdin__ is None:  # started without one (pythonw): no keys can come
                raise RuntimeError("the web driver reads keys from standard input: there is none")
            fileno = sys.__stdin__.fileno()
        self._fileno = fileno
        self._exit_event = Event()
        self._wake_read, self._wake_write = os.pipe()
        self._selector = selectors.DefaultSelector()
        self._selector.register(self._fileno, selectors.EVENT_READ)
        self._selector.register(self._wake_read, selectors.EVENT_READ)
        self.wakeups = 0  # times the reader returned with nothing read (the tests count them)

    def close(self) -> None:
        """End the iteration (from any thread): the sleeping reader wakes at once."""
        self._exit_event.set()
        with contextlib.suppress(OSError):
            os.write(self._wake_write, b"x")

    def __iter__(self) -> Iterator[bytes]:
        quick_until = 0.0  # wake every TICK until then (an Escape may be pending)
        try:
            while not self._exit_event.is_set():
                timeout = TICK if time.monotonic() < quick_until else None
                ready = self._selector.select(timeout)
                data = None
                for key, _events in ready:
                    if key.fd == self._fileno:
                        data = os.read(self._fileno, 1024)
                        if not data:
                            return  # the other end closed standard input
                if data:
                    if b"\x1b" in data:
                        quick_until = time.monotonic() + ESCAPE_WINDOW
                    yield data
                else:
                    self.wakeups += 1
                yield b""  # the parser's tick
        finally:
            self._selector.close()
            for fd in (self._wake_read, self._wake_write):
                with contextlib.suppress(OSError):
                    os.close(fd)


class QuietWebDriver(WebDriver):
    """Textual's WebDriver with the QuietInputReader."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        replace_input_reader(self, QuietInputReader())
