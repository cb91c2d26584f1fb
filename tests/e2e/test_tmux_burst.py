"""A real terminal (tmux) at 80x24 and 120x30: a burst that clears the box, types a full name
and presses Enter records exactly that person, at the desk and in a room."""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
import time

import pytest

from bigconv.data import database
from tests.helpers.processes import require_tool

SIZES = [(80, 24), (120, 30)]


def tmux(*args: str) -> str:
    return subprocess.run(
        ["tmux", *args], capture_output=True, text=True, check=True, timeout=30
    ).stdout


def wait_for(condition, seconds: float = 30.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return condition()


@pytest.fixture
def station(small_event, small_db):
    """Start `bigconv run` in its own tmux session; yields a function that starts one."""
    require_tool("tmux")
    started = []

    def start(mode: str, size: tuple[int, int], *extra: str) -> str:
        name = f"bigconv-test-{os.getpid()}-{len(started)}"
        command = [sys.executable, "-m", "bigconv", "run", str(small_event), "--mode", mode]
        command += ["--at", "10:15", "--on-the-real-file", "--no-server", "--station", "Tmux"]
        command += extra
        width, height = size
        tmux(
            "new-session",
            "-d",
            "-s",
            name,
            "-x",
            str(width),
            "-y",
            str(height),
            shlex.join(command),
        )
        started.append(name)
        return name

    yield start
    for name in started:
        subprocess.run(["tmux", "kill-session", "-t", name], capture_output=True, timeout=30)


def screen(name: str) -> str:
    return tmux("capture-pane", "-p", "-t", name)


def person_ids(small_db, surname: str) -> list[int]:
    db = database.connect(small_db)
    try:
        return [r[0] for r in db.execute("SELECT id FROM attendees WHERE last_name = ?", [surname])]
    finally:
        db.close()


def rows(small_db, sql: str) -> list[tuple]:
    db = database.connect(small_db)
    try:
        return [tuple(r) for r in db.execute(sql)]
    finally:
        db.close()


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_desk_burst_checks_in_the_person_typed(station, small_db, size):
    name = station("desk", size)
    assert wait_for(lambda: "scan a badge" in screen(name)), screen(name)
    tmux("send-keys", "-t", name, "-l", "sarah kh")
    assert wait_for(lambda: "Sarah Khan" in screen(name)), screen(name)
    # One write to the terminal: ctrl+u, the full name, Enter.
    tmux("send-keys", "-t", name, "C-u", "Ada Lovelace", "Enter")
    assert wait_for(lambda: rows(small_db, "SELECT attendee_id FROM checkins"))
    assert wait_for(lambda: "CHECKED IN" in screen(name)), screen(name)
    [ada] = person_ids(small_db, "Lovelace")
    assert rows(small_db, "SELECT attendee_id, station FROM checkins") == [(ada, "Tmux")]


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_room_burst_marks_the_person_typed(station, small_db, size):
    name = station("room", size, "--room", "Room A")
    assert wait_for(lambda: "Scan a badge" in screen(name)), screen(name)
    tmux("send-keys", "-t", name, "-l", "zoe")
    assert wait_for(lambda: "Matches for" in screen(name)), screen(name)
    tmux("send-keys", "-t", name, "C-u", "Ada Lovelace", "Enter")
    assert wait_for(lambda: rows(small_db, "SELECT attendee_id FROM attendance"))
    [ada] = person_ids(small_db, "Lovelace")
    assert rows(small_db, "SELECT attendee_id, station FROM attendance") == [(ada, "Tmux")]
