"""A real terminal (tmux) at 80x24 and 120x30: a badge sent as one burst with its Enter, with
the command palette, a form, a question or the big QR code open, records that badge on the
station (desk: checked in; room: present), and nothing else changes."""

from __future__ import annotations

import datetime as dt
import subprocess
import time

import pytest

from bigconv.data import attendance, database
from tests.helpers.processes import bigconv
from tests.helpers.terminal import Pane

pytestmark = pytest.mark.tmux
SIZES = [(80, 24), (120, 30)]
MORNING = dt.datetime(2026, 11, 27, 10, 15, tzinfo=dt.UTC)  # Phonics runs in Room A


def send(pane: Pane, *keys: str) -> None:
    """One `send-keys`: one write to the terminal, as a scanner's burst arrives."""
    subprocess.run([*pane.tmux, "send-keys", "-t", "station", *keys], check=True)


def rows(db_path, sql: str, *args) -> list[tuple]:
    db = database.connect(db_path)
    try:
        return [tuple(r) for r in db.execute(sql, args)]
    finally:
        db.close()


def badge(db_path, first: str, school: str = "Alpha School") -> tuple[int, str]:
    [(attendee_id, code)] = rows(
        db_path,
        "SELECT id, badge FROM attendees WHERE first_name = ? AND school = ?",
        first,
        school,
    )
    return attendee_id, code


def wait(condition, seconds: float = 60.0) -> None:
    end = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < end, "never happened"
        time.sleep(0.1)


@pytest.fixture
def station(small_event):
    panes: list[Pane] = []

    def start(mode: str, size: tuple[int, int], *extra: str) -> Pane:
        command = bigconv("run", str(small_event), "--mode", mode, "--at", "10:15",
                          "--on-the-real-file", "--no-server", "--station", "Tmux",
                          *extra)  # fmt: skip
        panes.append(Pane(command, small_event.parent, size))
        return panes[-1]

    yield start
    for pane in panes:
        pane.close()


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_desk_scans_with_something_open(station, small_db, size):
    pane = station("desk", size)
    pane.wait_for("scan a badge")
    before = rows(small_db, "SELECT count(*) FROM attendees")
    checked_in: list[int] = []
    for opener, shows, who in [
        ("C-p", "Search for commands", "Ada"),  # the command palette
        ("F6", "Email (optional)", "Zoë"),  # the walk-in form, half filled in
        ("F12", "Staff passcode", "Bob"),
    ]:
        send(pane, opener)
        pane.wait_for(shows)
        if opener == "F6":
            send(pane, "-l", "Sam")
            pane.wait_for("Sam")
        attendee_id, code = badge(small_db, who, "Beta School" if who == "Bob" else "Alpha School")
        send(pane, code, "Enter")  # the scanner: the code and Enter in one write
        checked_in.append(attendee_id)
        wait(lambda: [r[0] for r in rows(small_db, "SELECT attendee_id FROM checkins")]
             == checked_in)  # fmt: skip
        text = pane.wait_for("CHECKED IN", gone=shows)  # closed
        assert code in text  # the banner names the badge
    assert rows(small_db, "SELECT count(*) FROM attendees") == before  # no "BC... Sam"
    assert {r[0] for r in rows(small_db, "SELECT station FROM checkins")} == {"Tmux"}
    send(pane, "F6")  # the form put aside comes back as it was
    pane.wait_for("Email (optional)")
    assert "Sam" in pane.text()


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_room_scans_with_something_open(station, small_db, size):
    khan, khan_badge = badge(small_db, "Sarah")  # present in Room B already
    db = database.connect(small_db)
    wellbeing = db.execute(
        "SELECT s.id FROM sessions s JOIN rooms r ON r.id = s.room_id"
        " WHERE r.name = 'Room B' AND s.title = 'Wellbeing'"
    ).fetchone()[0]
    attendance.mark_present(db, wellbeing, khan, station="Room B", at=MORNING)
    db.close()
    pane = station("room", size, "--room", "Room A")
    pane.wait_for("Scan a badge")
    marked: list[int] = []

    def marks() -> list[int]:
        return [r[0] for r in rows(small_db, "SELECT attendee_id FROM attendance_records"
                                   " WHERE station = 'Tmux' ORDER BY id")]  # fmt: skip

    send(pane, khan_badge, "Enter")  # present in Room B: the move question
    pane.wait_for("Move here")
    for opener, shows, who, stays in [
        (None, "Move here", "Ada", False),  # the question, closed unanswered
        ("F8", "Phonics · Room A", "Zoë", True),  # the big QR code, kept up
        ("C-p", "Search for commands", "Bob", False),  # the palette: not "Big QR"
    ]:
        if opener:
            send(pane, opener)
            pane.wait_for(shows)
        attendee_id, code = badge(small_db, who, "Beta School" if who == "Bob" else "Alpha School")
        send(pane, code, "Enter")
        marked.append(attendee_id)
        wait(lambda: marks() == marked)
        if stays:
            time.sleep(0.5)  # long enough for a closing dialog to be drawn gone
            assert shows in pane.text()
        else:
            pane.wait_for("Scan a badge", gone=shows)
        if opener == "F8":
            send(pane, "Escape")
            pane.wait_for("Scan a badge")
    assert khan not in marks()  # the question was never answered: nothing recorded for her
    assert rows(small_db, "SELECT count(*) FROM log WHERE action = 'attend_refused'") == [(0,)]
