"""Dashboard numbers on hand-made data with an injected clock."""

from __future__ import annotations

import datetime as dt

from bigconv.core.clock import iso
from bigconv.data import checkin, dashboard, database, reactions
from bigconv.data.checkin import check_in

T0 = dt.datetime(2026, 11, 27, 10, 0, tzinfo=dt.UTC)  # Morning slot is 10:00-11:00 UTC (GMT)


def sid(db, title, slot="Morning"):
    return db.execute(
        "SELECT s.id FROM sessions s JOIN slots t ON t.id = s.slot_id WHERE s.title = ? AND t.label = ?",
        [title, slot],
    ).fetchone()[0]


def react(db, session_id, kind, at, device="d"):
    with database.immediate(db):
        db.execute(
            "INSERT INTO reactions (session_id, kind, at, device) VALUES (?, ?, ?, ?)",
            [session_id, kind, iso(at), device],
        )


def feedback(db, session_id, rating, at, device, comment="", next_step=""):
    with database.immediate(db):
        db.execute(
            "INSERT INTO feedback (session_id, rating, comment, next_step, at, device) VALUES (?, ?, ?, ?, ?, ?)",
            [session_id, rating, comment, next_step, iso(at), device],
        )


def present(db, session_id, attendee_id, at):
    with database.immediate(db):
        db.execute(
            "INSERT INTO attendance_records (session_id, attendee_id, at, station) VALUES (?, ?, ?, 'Room')",
            [session_id, attendee_id, iso(at)],
        )


def test_arrivals_counts_window_and_schools(db):
    check_in(db, 1, station="D1", at=T0 - dt.timedelta(minutes=30))
    check_in(db, 2, station="D1", at=T0 - dt.timedelta(minutes=9))
    check_in(db, 3, station="D2", at=T0 - dt.timedelta(minutes=1))
    a = checkin.arrivals(db, T0 - reactions.WINDOW, series_to=T0)
    assert (a.checked_in, a.expected, a.recent) == (3, 5, 2)
    assert sum(a.per_minute) == 3 and a.per_minute[-2] == 1 and a.per_minute[-31] == 1
    assert ("Alpha School", 2, 3) in a.schools and ("Beta School", 1, 2) in a.schools


def test_reactions_total_and_last_ten_minutes(db):
    s = sid(db, "Phonics")
    react(db, s, "useful", T0 - dt.timedelta(minutes=20), "a")
    react(db, s, "useful", T0 - dt.timedelta(minutes=5), "b")
    react(db, s, "lost", T0 - dt.timedelta(minutes=1), "a")
    stats = reactions.reaction_stats(db, T0)[s]
    assert stats.total == {"useful": 2, "lost": 1}
    assert stats.recent == {"useful": 1, "lost": 1}


def test_feedback_counts_each_device_latest_only(db):
    s = sid(db, "Phonics")
    feedback(db, s, 1, T0, "a")
    feedback(db, s, 5, T0 + dt.timedelta(minutes=1), "a")  # replaces a's earlier 1
    feedback(db, s, 3, T0, "b")
    stats = dashboard.feedback_stats(db)[s]
    assert stats.responses == 2
    assert stats.average == 4.0 and stats.spread == 1.0
    assert stats.ratings == (0, 0, 1, 0, 1)


def test_latest_comments_newest_first_verbatim(db):
    s = sid(db, "Phonics")
    feedback(db, s, 4, T0, "a", comment="[bold red]x[/] <script>", next_step="quizzes")
    feedback(db, s, 4, T0 + dt.timedelta(minutes=2), "b", comment="later")
    comments = dashboard.latest_comments(db)
    assert [c.text for c in comments] == ["later", "quizzes", "[bold red]x[/] <script>"]


def test_alert_room_full(db):
    s = sid(db, "Wellbeing")  # Room B holds 2
    present(db, s, 1, T0)
    present(db, s, 2, T0)
    texts = [a.text for a in dashboard.alerts(db, T0 + dt.timedelta(minutes=1))]
    assert any(t.startswith("Room B is full: 2 present, 2 seats") for t in texts)


def test_alert_losing_people_needs_enough_negative_reactions(db):
    s = sid(db, "Phonics")
    for i in range(4):
        react(db, s, "lost", T0 - dt.timedelta(minutes=1), f"d{i}")
    assert not any("losing" in a.text for a in dashboard.alerts(db, T0))
    react(db, s, "slower", T0, "d9")
    assert any(
        "Phonics (Room A) may be losing people: 5 of 5" in a.text for a in dashboard.alerts(db, T0)
    )
    # Eleven minutes later the burst is outside the window.
    assert not any("losing" in a.text for a in dashboard.alerts(db, T0 + dt.timedelta(minutes=11)))


def test_alert_nobody_present_after_ten_minutes(db):
    early = [a.text for a in dashboard.alerts(db, T0 + dt.timedelta(minutes=9))]
    assert not any("Nobody" in t for t in early)
    late = [a.text for a in dashboard.alerts(db, T0 + dt.timedelta(minutes=10))]
    assert any(
        t.startswith("Nobody marked present in Room A, 10 minutes after the start") for t in late
    )


def test_room_loads_sorted_by_attention(db):
    s = sid(db, "Wellbeing")
    present(db, s, 1, T0)
    present(db, s, 2, T0)
    slot, loads = dashboard.room_loads(db, T0 + dt.timedelta(minutes=15))
    assert slot["label"] == "Morning"
    assert [(load.session.title, load.state) for load in loads] == [
        ("Wellbeing", "full"),
        ("Phonics", "empty"),
    ]


def test_session_roster_present_first(db):
    s = sid(db, "Phonics")
    with database.immediate(db):
        db.execute(
            "INSERT INTO allocations (attendee_id, session_id) VALUES (1, ?), (4, ?)", [s, s]
        )
    present(db, s, 4, T0)
    present(db, s, 3, T0)  # a walk-in
    roster = dashboard.session_roster(db, s)
    assert [(r.name, r.allocated, r.present_at is not None) for r in roster] == [
        ("Sarah Khan", True, True),
        ("Bob [bold]Bob[/]", False, True),
        ("Ada Lovelace", True, False),
    ]


def test_many_empty_rooms_are_one_alert(sample_event):
    db = database.connect(sample_event.with_suffix(".db"))
    at = dt.datetime(2026, 11, 27, 10, 5, tzinfo=dt.UTC)  # Workshops 1, twenty minutes in
    found = [a.text for a in dashboard.alerts(db, at)]
    assert len(found) == 1
    assert found[0].startswith("Nobody marked present in 20 rooms, 20 minutes after the start: ")
