"""The dashboard through the Pilot: live rows from another process, alerts, plain-text comments."""

from __future__ import annotations

import asyncio
import datetime as dt
import sys
import textwrap

from textual.widgets import DataTable, Static

from bigconv.core.clock import iso
from bigconv.data import database, reactions
from bigconv.tui.app import make_app
from bigconv.tui.config import StationConfig

CLOCK = dt.datetime(2026, 11, 27, 10, 15, tzinfo=dt.UTC)  # Morning slot, 15 minutes in

WRITER = textwrap.dedent(
    """
    import sys
    from bigconv.data import database
    from bigconv.core.clock import iso
    from bigconv.data.checkin import check_in
    db = database.connect(sys.argv[1])
    check_in(db, 2, station="Desk 9")
    sid = db.execute("SELECT id FROM sessions WHERE title = 'Phonics'").fetchone()[0]
    with database.immediate(db):
        for i in range(5):
            db.execute("INSERT INTO reactions (session_id, kind, at, device) VALUES (?, 'lost', ?, ?)",
                       [sid, "2026-11-27T10:14:00.000+00:00", f"dev{i}"])
        db.execute("INSERT INTO feedback (session_id, rating, comment, next_step, at, device) VALUES (?, 4, ?, '', ?, 'dev1')",
                   [sid, "[@click=app.quit] [bold red]x[/] <script>", "2026-11-27T10:14:30.000+00:00"])
    """
)


def text_of(app, selector: str) -> str:
    return str(app.screen.query_one(selector, Static).render())


async def wait_for(predicate, timeout: float = 5.0) -> bool:
    deadline = asyncio.get_running_loop().time() + timeout
    while asyncio.get_running_loop().time() < deadline:
        if predicate():
            return True
        await asyncio.sleep(0.05)
    return predicate()


async def test_dashboard_updates_from_another_process_without_input(small_db):
    app = make_app(
        small_db, StationConfig(station="Organiser", mode="dashboard", clock=lambda: CLOCK)
    )
    async with app.run_test(size=(160, 48)) as pilot:
        assert "0 of 5 checked in" in text_of(app, "#arrivals-numbers")
        assert "Nobody marked present in Room A, 15 minutes after the start" in text_of(
            app, "#alerts-text"
        )
        proc = await asyncio.create_subprocess_exec(sys.executable, "-c", WRITER, str(small_db))
        assert await proc.wait() == 0
        assert await wait_for(lambda: "1 of 5 checked in" in text_of(app, "#arrivals-numbers"))
        alerts = text_of(app, "#alerts-text")
        assert (
            "Phonics (Room A) may be losing people: 5 of 5 phones reacting in the last 10 minutes"
            " sent a negative reaction" in alerts
        )
        feed = text_of(app, "#feed-text")
        assert "[@click=app.quit] [bold red]x[/] <script>" in feed
        rooms = app.screen.query_one("#rooms", DataTable)
        assert rooms.row_count == 2
        first_row = [str(c) for c in rooms.get_row_at(0)]
        assert (
            first_row[2] == "Phonics" and "😕5" in first_row[4] and first_row[5] == "4.0 ±0.0 (1)"
        )
        await pilot.pause()
        assert app.is_running


async def test_drill_down_shows_roster_and_feedback(small_db):
    db = database.connect(small_db)
    sid = db.execute("SELECT id FROM sessions WHERE title = 'Phonics'").fetchone()[0]
    with database.immediate(db):
        db.execute(
            "INSERT INTO allocations (attendee_id, session_id) VALUES (1, ?), (3, ?)", [sid, sid]
        )
        db.execute(
            "INSERT INTO attendance_records (session_id, attendee_id, at, station) VALUES (?, 3, ?, 'Room A')",
            [sid, iso(CLOCK)],
        )
        db.execute(
            "INSERT INTO feedback (session_id, rating, comment, next_step, at, device) VALUES (?, 5, '[b]great[/b]', 'quizzes', ?, 'x')",
            [sid, iso(CLOCK)],
        )
    app = make_app(
        small_db, StationConfig(station="Organiser", mode="dashboard", clock=lambda: CLOCK)
    )
    async with app.run_test(size=(160, 48)) as pilot:
        rooms = app.screen.query_one("#rooms", DataTable)
        rooms.focus()
        titles = [str(rooms.get_row_at(i)[2]) for i in range(rooms.row_count)]
        assert titles == ["Wellbeing", "Phonics"]  # the empty room needs attention first
        await pilot.press("down", "enter")
        await pilot.pause()
        roster = app.screen.query_one("#detail-roster", DataTable)
        rows = [[str(c) for c in roster.get_row_at(i)] for i in range(roster.row_count)]
        assert rows[0][1] == "Bob [bold]Bob[/]" and rows[0][0].startswith("✓")
        # 10:15, the session runs until 11:00: not ticked yet is not "absent"
        assert rows[1][1] == "Ada Lovelace" and rows[1][0] == "· not yet"
        feedback = app.screen.query_one("#detail-feedback", DataTable)
        assert [str(c) for c in feedback.get_row_at(0)] == [
            "10:15",
            "★★★★★",
            "quizzes",
            "[b]great[/b]",
        ]
        await pilot.press("escape")
        assert app.screen.query_one("#rooms", DataTable)


def test_the_last_ten_minutes_count_each_phone_once(small_db):
    """`+N` on a session's row is phones, not phone-kind pairs: one phone sending two kinds is
    one, as in the alert."""
    from bigconv.tui.stations.dashboard import reactions_cell

    db = database.connect(small_db)
    sid = db.execute("SELECT id FROM sessions WHERE title = 'Phonics'").fetchone()[0]
    with database.immediate(db):
        for kind, device in (("lost", "one"), ("slower", "one"), ("lost", "two")):
            db.execute(
                "INSERT INTO reactions (session_id, kind, at, device) VALUES (?, ?, ?, ?)",
                [sid, kind, "2026-11-27T10:14:00.000+00:00", device],
            )
    stats = reactions.reaction_stats(db, CLOCK)[sid]
    db.close()
    assert stats.phones == 2
    assert reactions_cell(stats, {}).plain.startswith("+2 ")  # the old sum of kinds said +3
