"""The reaction figures stations show, kept by triggers, equal a direct count over `reactions`."""

from __future__ import annotations

import datetime as dt

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bigconv.data import attendance, dashboard, feedback, store

T0 = dt.datetime(2026, 11, 27, 10, 0, tzinfo=dt.UTC)
KINDS = ["useful", "insight", "lost", "not-a-configured-kind"]

reaction = st.tuples(
    st.integers(0, 3),  # which session
    st.sampled_from(KINDS),
    st.integers(-90 * 60_000, 2 * 60_000),  # milliseconds from T0: before, around and after
)


def direct(db, where="1", params=()):
    return {
        (s, k): n
        for s, k, n in db.execute(
            f"SELECT session_id, kind, count(*) FROM reactions WHERE {where}"
            " GROUP BY session_id, kind",
            params,
        )
    }


def direct_minutes(db, now, minutes, session_id=None):
    """Count per clock minute, worked out in Python from every stored time."""
    first = (now - dt.timedelta(minutes=minutes - 1)).replace(second=0, microsecond=0)
    buckets = [0] * minutes
    for sid, at in db.execute("SELECT session_id, at FROM reactions"):
        i = int(
            (store.parse_iso(at).replace(second=0, microsecond=0) - first).total_seconds() // 60
        )
        if 0 <= i < minutes and session_id in (None, sid):
            buckets[i] += 1
    return buckets


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(stream=st.lists(reaction, max_size=80), late=st.integers(0, 120))
def test_reaction_figures_equal_a_direct_count(db, stream, late):
    sessions = [r[0] for r in db.execute("SELECT id FROM sessions ORDER BY id LIMIT 4")]
    with store.immediate(db):
        for i, (which, kind, ms) in enumerate(stream):
            db.execute(
                "INSERT INTO reactions (session_id, kind, at, device) VALUES (?, ?, ?, ?)",
                [sessions[which], kind, store.iso(T0 + dt.timedelta(milliseconds=ms)), f"d{i}"],
            )
    now = T0 + dt.timedelta(seconds=late)  # the figures are asked for at any moment
    stats = dashboard.reaction_stats(db, now)
    shown = {(s, k): n for s, st_ in stats.items() for k, n in st_.total.items()}
    assert shown == direct(db)
    recent = {(s, k): n for s, st_ in stats.items() for k, n in st_.recent.items() if n}
    window = (store.iso(now - dashboard.WINDOW), store.iso(now))
    assert recent == direct(db, "at > ? AND at <= ?", window)
    assert dashboard.reactions_per_minute(db, now) == direct_minutes(db, now, 60)
    for s in sessions:
        assert dashboard.reactions_per_minute(db, now, 30, session_id=s) == direct_minutes(
            db, now, 30, s
        )
        counts = {c.key: c.count for c in attendance.reaction_counts(db, s) if c.count}
        assert counts == {k: n for (sid, k), n in direct(db).items() if sid == s}
        summary = {k: n for k, n in feedback.summary(db, s).reactions.items() if n}
        assert summary == counts
