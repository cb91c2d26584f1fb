"""The room screen at 80x24 as a picture: a present, a walk-in, a full room, the QR code."""

from __future__ import annotations

from bigconv.data import attendance
from tests.helpers.tui import MORNING, app_for


def test_room_screen_80x24(snap_compare, seeded, small_event):
    db, people = seeded["db"], seeded["people"]
    wellbeing = seeded["wellbeing"]["id"]
    for who in ("KhanSarah", "LovelaceAda"):  # Ada is a walk-in; the room seats 2
        person = [p for k, p in people.items() if k == who][0]
        attendance.mark_present(db, wellbeing, person["id"], station="Door", at=MORNING)
    app = app_for(small_event, room="Room B")
    app.cursor_blink = False  # a steady cursor: the same picture every time
    assert snap_compare(app, terminal_size=(80, 24))
