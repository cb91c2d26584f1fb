"""A browser tab's station gives way to the phones and the desks by what it shows: a room a
little, a dashboard most (bigconv/tui/priority.py). A real station process in a real terminal,
set up with the keys a person presses."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from bigconv.tui.priority import NICENESS
from tests.helpers.processes import bigconv, children
from tests.helpers.terminal import Pane

pytestmark = pytest.mark.tmux


def station_pid(pane: Pane) -> int:
    """The station's process: the pane's own (the shell runs the one command in its place) or
    its child."""
    shown = subprocess.run(
        [*pane.tmux, "display", "-p", "-t", "station", "#{pane_pid}"],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    pid = int(shown.stdout)
    started = children(pid)
    return min(started) if started else pid


def niceness(pid: int) -> set[int]:
    """The niceness of every thread of the process (Linux keeps one per thread; a thread that
    ends meanwhile is skipped)."""
    found = set()
    for tid in os.listdir(f"/proc/{pid}/task"):
        try:
            stat = Path(f"/proc/{pid}/task/{tid}/stat").read_text()
        except OSError:
            continue
        found.add(int(stat.rsplit(")", 1)[1].split()[16]))
    return found


def browser_tab(small_event, tmp_path) -> tuple[Pane, int]:
    """A station as a browser tab starts it (`--give-way`), on its set-up screen; its pid."""
    command = bigconv("run", str(small_event), "--mode", "setup", "--no-server",
                      "--backup-minutes", "0", "--give-way")  # fmt: skip
    pane = Pane(command, tmp_path, size=(120, 40))
    pane.wait_for("Set up this station")
    return pane, station_pid(pane)


def test_a_dashboard_tab_gives_way_most_a_room_less_a_desk_not(small_event, small_db, tmp_path):
    pane, pid = browser_tab(small_event, tmp_path)
    try:
        assert niceness(pid) == {0}
        pane.send("Big screen", literal=True)
        pane.send("Tab", "Down", "Down", "Space", "Tab", "Enter")  # dashboard, Open station
        pane.wait_for("Arrivals")
        assert niceness(pid) == {NICENESS["dashboard"]} != {0}
        pane.send("F4")  # a room: nearer the desks, still behind them
        pane.wait_for("Which room is this screen for?")
        if os.geteuid() == 0:
            assert niceness(pid) == {NICENESS["room"]}
        pane.send("Escape")
        pane.send("F3")  # the desk, in the same tab
        if os.geteuid() == 0:  # root may take the priority back
            pane.wait_for("Checked in")
            assert niceness(pid) == {0}
        else:
            pane.wait_for("open it in a new tab")
            assert niceness(pid) == {NICENESS["dashboard"]}
    finally:
        pane.close()


def test_a_desk_tab_keeps_its_priority(small_event, small_db, tmp_path):
    pane, pid = browser_tab(small_event, tmp_path)
    try:
        pane.send("Desk 2", literal=True)
        pane.send("Enter")
        pane.wait_for("Checked in")
        assert niceness(pid) == {0}
    finally:
        pane.close()
