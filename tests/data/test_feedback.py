"""Reactions and feedback in the data layer: cooldown, every submission kept, summaries."""

from __future__ import annotations

import datetime as dt

import pytest

from bigconv.data import feedback, reactions
from bigconv.data.timetable import sessions

T0 = dt.datetime(2026, 11, 27, 10, 15, tzinfo=dt.UTC)


def first_session(db):
    return sessions(db)[1]  # Phonics, Morning


def test_reaction_kinds_follow_the_event_order(db):
    kinds = reactions.reaction_kinds(db)
    assert [k.key for k in kinds] == ["useful", "insight", "love", "question", "lost", "slower"]
    assert [k.negative for k in kinds][-2:] == [True, True]


def test_cooldown_is_per_device_session_and_kind(db):
    s, other = sessions(db)[1], sessions(db)[2]
    first = reactions.record_reaction(db, s.id, "useful", "dev-a", at=T0)
    assert first.counted
    again = reactions.record_reaction(db, s.id, "useful", "dev-a", at=T0 + dt.timedelta(seconds=3))
    assert not again.counted and 6.9 < again.retry_after <= 7.0
    assert reactions.record_reaction(db, s.id, "love", "dev-a", at=T0).counted
    assert reactions.record_reaction(db, s.id, "useful", "dev-b", at=T0).counted
    assert reactions.record_reaction(db, other.id, "useful", "dev-a", at=T0).counted
    later = T0 + reactions.COOLDOWN
    assert reactions.record_reaction(db, s.id, "useful", "dev-a", at=later).counted
    rows = db.execute(
        "SELECT count(*) FROM reactions WHERE session_id = ? AND device = 'dev-a' AND kind = 'useful'",
        [s.id],
    ).fetchone()[0]
    assert rows == 2


def test_each_reaction_is_logged_in_its_transaction(db):
    s = first_session(db)
    reactions.record_reaction(db, s.id, "lost", "dev-a", at=T0)
    reactions.record_reaction(db, s.id, "lost", "dev-a", at=T0)  # refused: no row, no log
    logged = db.execute(
        "SELECT action, station, session_id, detail FROM log WHERE action = 'reaction'"
    ).fetchall()
    assert logged == [("reaction", "phone", s.id, "lost")]


def test_later_feedback_replaces_earlier_in_summary_but_all_are_kept(db):
    s = first_session(db)
    feedback.record_feedback(db, s.id, "dev-a", rating=2, comment="meh", at=T0)
    feedback.record_feedback(
        db, s.id, "dev-a", rating=5, next_step="try it", at=T0 + dt.timedelta(minutes=1)
    )
    feedback.record_feedback(db, s.id, "dev-b", rating=4, at=T0)
    feedback.record_feedback(db, s.id, "dev-c", rating=None, comment="no rating", at=T0)
    result = feedback.summary(db, s.id)
    assert result.responses == 3
    assert result.submissions == 4
    assert result.ratings == {1: 0, 2: 0, 3: 0, 4: 1, 5: 1}
    assert result.average == 4.5
    assert db["feedback"].count == 4


def test_summary_counts_reactions_by_kind_including_zero(db):
    s = first_session(db)
    for i in range(3):
        reactions.record_reaction(db, s.id, "useful", f"dev-{i}", at=T0)
    reactions.record_reaction(db, s.id, "slower", "dev-0", at=T0)
    data = feedback.summary(db, s.id).as_dict()
    assert data["reactions"]["useful"] == 3
    assert data["reactions"]["slower"] == 1
    assert data["reactions"]["love"] == 0
    assert data["feedback"]["average_rating"] is None


def test_feedback_with_a_badge_links_the_log_to_the_attendee(db):
    s = first_session(db)
    badge, person = db.execute("SELECT badge, id FROM attendees ORDER BY id LIMIT 1").fetchone()
    feedback.record_feedback(db, s.id, "dev-a", rating=3, badge=badge, at=T0)
    assert db.execute("SELECT badge FROM feedback").fetchone()[0] == badge
    assert (
        db.execute("SELECT attendee_id FROM log WHERE action = 'feedback'").fetchone()[0] == person
    )


def test_sessions_now_uses_the_slot_times_with_a_margin(db):
    running = {(s.title, s.slot) for s in feedback.sessions_now(db, T0)}
    assert running == {("Phonics", "Morning"), ("Wellbeing", "Morning")}
    assert feedback.sessions_now(db, dt.datetime(2026, 11, 27, 12, 0, tzinfo=dt.UTC)) == []
    early = feedback.sessions_now(db, dt.datetime(2026, 11, 27, 12, 50, tzinfo=dt.UTC))
    assert {(s.title, s.slot) for s in early} == {
        ("Wellbeing", "Afternoon"),
        ("Oracy", "Afternoon"),
    }


def test_unknown_kind_is_refused_and_writes_nothing(db):
    s = first_session(db)
    with pytest.raises(reactions.UnknownKind):
        reactions.record_reaction(db, s.id, "bogus", "dev-a", at=T0)
    assert db["reactions"].count == 0
    assert db.execute("SELECT count(*) FROM log WHERE action = 'reaction'").fetchone()[0] == 0


def test_find_session_by_code(db):
    s = first_session(db)
    assert feedback.find_session(db, s.code) == feedback.SessionRef(s.id, s.code, s.title)
    assert feedback.find_session(db, "ZZZZ") is None
