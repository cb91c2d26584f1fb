"""A small day with something recorded: check-ins, allocations, attendance, reactions, feedback."""

from __future__ import annotations

import datetime as dt

from bigconv.core.clock import iso
from bigconv.data import database
from bigconv.data.checkin import check_in

HOSTILE = "<script>alert(1)</script>"
MARKUP = "[bold]x[/]"
IMG = "<img src=x onerror=\"document.title='pwned'\">"
UTC = dt.UTC


def at(hh: int, mm: int) -> dt.datetime:
    """A moment on the small event's day (27 Nov 2026: London time is UTC)."""
    return dt.datetime(2026, 11, 27, hh, mm, tzinfo=UTC)


def ids(db) -> tuple[dict[str, int], dict[str, int]]:
    """Attendees by first name + school initial, sessions by title + slot."""
    people = {
        f"{first}{school[0]}": pid
        for pid, first, school in db.execute("SELECT id, first_name, school FROM attendees")
    }
    sessions = {
        f"{title}/{slot}": sid
        for sid, title, slot in db.execute(
            "SELECT s.id, s.title, t.label FROM sessions s JOIN slots t ON t.id = s.slot_id"
        )
    }
    return people, sessions


def fill_day(db) -> dict:
    """Record a plausible morning; returns the ids used."""
    people, sessions = ids(db)
    phonics, wellbeing = sessions["Phonics/Morning"], sessions["Wellbeing/Morning"]
    for n, key in enumerate(("AdaA", "ZoëA", "BobB", "SarahA")):
        check_in(db, people[key], station="Desk 1", at=at(8, 31 + 7 * n))
    with database.immediate(db):
        for key, sid in (("AdaA", phonics), ("ZoëA", phonics), ("SarahA", phonics)):
            db.execute(
                "INSERT INTO allocations (attendee_id, session_id) VALUES (?, ?)",
                [people[key], sid],
            )
        for key, sid in (("BobB", wellbeing), ("SarahB", wellbeing)):
            db.execute(
                "INSERT INTO allocations (attendee_id, session_id) VALUES (?, ?)",
                [people[key], sid],
            )
        # Present: Ada and Zoë at Phonics (Sarah A. a no-show), Bob at Wellbeing, Sarah A. walks in.
        for key, sid, mm in (
            ("AdaA", phonics, 2),
            ("ZoëA", phonics, 3),
            ("BobB", wellbeing, 1),
            ("SarahA", wellbeing, 4),
        ):
            db.execute(
                "INSERT INTO attendance_records (session_id, attendee_id, at, station)"
                " VALUES (?, ?, ?, 'Room')",
                [sid, people[key], iso(at(10, mm))],
            )
        for i, kind in enumerate(["useful"] * 5 + ["lost"] * 2 + ["insight"] * 3):
            db.execute(
                "INSERT INTO reactions (session_id, kind, at, device) VALUES (?, ?, ?, ?)",
                [phonics, kind, iso(at(10, 5 + 4 * i)), f"dev{i % 3}"],
            )
        badges = dict(db.execute("SELECT first_name || substr(school, 1, 1), badge FROM attendees"))
        rows = [
            (phonics, 5, "Retrieval quiz on Mondays", HOSTILE, "d1", badges["AdaA"].lower() + " "),
            (phonics, 4, MARKUP, IMG, "d2", None),
            (phonics, 2, "", "Too fast for me", "d3", "NOPE"),
            # d4 changed its mind: only the later answer counts.
            (phonics, 1, "old step", "old comment", "d4", None),
            (phonics, 3, "Try sound buttons", "", "d4", None),
            (wellbeing, 5, "Walk at lunch", "Lovely", "d5", badges["BobB"]),
        ]
        for i, (sid, rating, step, comment, device, badge) in enumerate(rows):
            db.execute(
                "INSERT INTO feedback (session_id, rating, next_step, comment, at, device, badge)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                [sid, rating, step, comment, iso(at(10, 50 + i)), device, badge],
            )
    return {"people": people, "sessions": sessions}
