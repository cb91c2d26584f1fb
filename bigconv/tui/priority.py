"""The operating system's priority of a browser station's process.

Every browser tab's station is a process of its own on the laptop that serves the phones
(textual-serve, bigconv/web/stations/). On a busy laptop (a plenary's taps, a browser, a
projector app) they share two cores with the phone site. The phones and the desks come first:
the phone site and the desks keep the normal priority, a room host's station gives way a
little (its host ticks names, but a mark can wait a moment where a queue at the desk cannot),
and a station that only shows figures (the dashboard, the timetable) gives way most: it takes
what CPU is left, and its figures come a little later, never a phone's answer or a desk's key.
On a quiet laptop nothing changes: a priority only matters when the cores are all taken.

A process cannot raise its own priority back (only root can), so a tab opened as a dashboard
and switched to the desk says to open the desk in a tab of its own.
"""

from __future__ import annotations

import os
from collections.abc import Callable

NICENESS = {"desk": 0, "setup": 0, "room": 5, "dashboard": 10, "timetable": 10}
"""The niceness of a browser station by what it shows (0 is the phone site's; 19 the lowest)."""


def threads() -> list[int]:
    """This process's threads (Linux keeps a niceness per thread; elsewhere: the process)."""
    try:
        return [int(tid) for tid in os.listdir("/proc/self/task")]
    except OSError:
        return [0]


def current() -> int:
    return os.getpriority(os.PRIO_PROCESS, 0)


def for_mode(mode: str, tell: Callable[..., object]) -> None:
    """Set this process's priority for a station now showing `mode`; `tell` (the app's
    notify) says so if a station that gave way cannot take its priority back."""
    wanted = NICENESS.get(mode, 0)
    now = current()
    if now == wanted:
        return
    try:
        for thread in threads():
            os.setpriority(os.PRIO_PROCESS, thread, wanted)
    except OSError:  # lowering the niceness needs root: this tab stays behind the others
        tell(
            "This tab was opened as a station that gives way to the others (a dashboard or a"
            " room) and cannot take its priority back: for a desk, open it in a new tab.",
            severity="warning",
            timeout=15,
            markup=False,
        )
