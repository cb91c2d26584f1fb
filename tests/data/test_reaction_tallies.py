"""The reaction figures stations show, kept by triggers, equal a direct count over `reactions`:
each phone counts once per session and kind (and once per kind in a minute of a chart)."""

from __future__ import annotations

import datetime as dt
import tempfile
from collections import Counter
from pathlib import Path
from zoneinfo import ZoneInfo

import sqlite_utils
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bigconv.core.clock import iso, parse_iso
from bigconv.core.event import load_event
from bigconv.data import dashboard, database, feedback, impact, reactions, report
from bigconv.data.schema import migrations
from bigconv.data.sync import apply_event

T0 = dt.datetime(2026, 11, 27, 10, 0, tzinfo=dt.UTC)
LONDON = ZoneInfo("Europe/London")
KINDS = ["useful", "insight", "lost", "slower", "not-a-configured-kind"]
NEGATIVE = {"lost", "slower"}  # the small event's negative kinds
DEVICES = ["d0", "d1", "d2", "d3"]  # a few phones, so the same one taps again and again

reaction = st.tuples(
    st.integers(0, 3),  # which session
    st.sampled_from(KINDS),
    st.one_of(  # milliseconds from T0: before, around and after; some on the same minute
        st.integers(-90 * 60_000, 2 * 60_000), st.sampled_from([-600_000, -60_001, -1, 0, 59_999])
    ),
    st.sampled_from(DEVICES),
)
SETTINGS = settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def insert(db, sessions, stream):
    with database.immediate(db):
        for which, kind, ms, device in stream:
            db.execute(
                "INSERT INTO reactions (session_id, kind, at, device) VALUES (?, ?, ?, ?)",
                [sessions[which], kind, iso(T0 + dt.timedelta(milliseconds=ms)), device],
            )


def direct(db, where="1", params=()):
    """Phones per session and kind, counted straight from every stored tap."""
    return {
        (s, k): n
        for s, k, n in db.execute(
            f"SELECT session_id, kind, count(DISTINCT device) FROM reactions WHERE {where}"
            " GROUP BY session_id, kind",
            params,
        )
    }


def direct_phones(db, window, kinds=None):
    """Phones per session that sent any reaction (or one of `kinds`) in the window."""
    rows = db.execute("SELECT session_id, kind, device, at FROM reactions").fetchall()
    phones: dict[int, set[str]] = {}
    for sid, kind, device, at in rows:
        if window[0] < at <= window[1] and (kinds is None or kind in kinds):
            phones.setdefault(sid, set()).add(device)
    return {sid: len(devices) for sid, devices in phones.items()}


def direct_minutes(db, now, minutes, session_id=None):
    """Phones per clock minute (each once per kind), worked out in Python from every tap."""
    first = (now - dt.timedelta(minutes=minutes - 1)).replace(second=0, microsecond=0)
    seen: list[set] = [set() for _ in range(minutes)]
    for sid, kind, device, at in db.execute("SELECT session_id, kind, device, at FROM reactions"):
        i = int((parse_iso(at).replace(second=0, microsecond=0) - first).total_seconds() // 60)
        if 0 <= i < minutes and session_id in (None, sid):
            seen[i].add((sid, kind, device))
    return [len(s) for s in seen]


def direct_buckets(db, session_id, minutes=5):
    """Phones per kind in each `minutes` bucket of local time (non-empty buckets only)."""
    seen: dict[dt.datetime, set] = {}
    for kind, device, at in db.execute(
        "SELECT kind, device, at FROM reactions WHERE session_id = ?", [session_id]
    ):
        moment = report.floor_time(parse_iso(at).astimezone(LONDON), minutes)
        seen.setdefault(moment, set()).add((kind, device))
    return {t: Counter(k for k, _ in pairs) for t, pairs in seen.items()}


def assert_figures_are_direct_counts(db, sessions, now):
    """Every figure that summarises reactions equals a count of distinct devices."""
    stats = reactions.reaction_stats(db, now)
    shown = {(s, k): n for s, st_ in stats.items() for k, n in st_.total.items()}
    assert shown == direct(db)
    recent = {(s, k): n for s, st_ in stats.items() for k, n in st_.recent.items() if n}
    window = (iso(now - reactions.WINDOW), iso(now))
    assert recent == direct(db, "at > ? AND at <= ?", window)
    assert {s: st_.phones for s, st_ in stats.items() if st_.phones} == direct_phones(db, window)
    unhappy = {s: st_.negative_phones for s, st_ in stats.items() if st_.negative_phones}
    assert unhappy == direct_phones(db, window, NEGATIVE)
    assert reactions.reactions_per_minute(db, now) == direct_minutes(db, now, 60)
    reports = {r.session.id: r for r in report.session_reports(db, LONDON)}
    chains = {e.code: e.reactions for e in impact.evidence(db)}
    for s in sessions:
        assert reactions.reactions_per_minute(db, now, 30, session_id=s) == direct_minutes(
            db, now, 30, s
        )
        mine = {k: n for (sid, k), n in direct(db).items() if sid == s}
        counts = {c.key: c.count for c in reactions.reaction_counts(db, s) if c.count}
        assert counts == mine
        assert {k: n for k, n in feedback.summary(db, s).reactions.items() if n} == mine
        assert dict(reports[s].reactions) == mine
        timeline = {t: c for t, c in reports[s].timeline if c}
        assert timeline == direct_buckets(db, s)
        assert chains[reports[s].session.code] == sum(mine.values())


@SETTINGS
@given(stream=st.lists(reaction, max_size=80), late=st.integers(0, 120))
def test_reaction_figures_count_each_phone_once(db, stream, late):
    sessions = [r[0] for r in db.execute("SELECT id FROM sessions ORDER BY id LIMIT 4")]
    insert(db, sessions, stream)
    now = T0 + dt.timedelta(seconds=late)  # the figures are asked for at any moment
    assert_figures_are_direct_counts(db, sessions, now)


@SETTINGS
@given(
    stream=st.lists(reaction, min_size=1, max_size=40),
    removed=st.lists(st.integers(0, 39), max_size=8),
    moved=st.lists(st.tuples(st.integers(0, 39), reaction), max_size=8),
)
def test_deleted_and_changed_taps_stop_counting(db, stream, removed, moved):
    """An organiser may delete a flood of taps, or correct one, with sqlite-utils afterwards."""
    sessions = [r[0] for r in db.execute("SELECT id FROM sessions ORDER BY id LIMIT 4")]
    insert(db, sessions, stream)
    ids = [r[0] for r in db.execute("SELECT id FROM reactions ORDER BY id")]
    with database.immediate(db):
        for i, (which, kind, ms, device) in moved:
            db.execute(
                "UPDATE reactions SET session_id = ?, kind = ?, at = ?, device = ? WHERE id = ?",
                [
                    sessions[which],
                    kind,
                    iso(T0 + dt.timedelta(milliseconds=ms)),
                    device,
                    ids[i % len(ids)],
                ],
            )
        for i in removed:
            db.execute("DELETE FROM reactions WHERE id = ?", [ids[i % len(ids)]])
    assert_figures_are_direct_counts(db, sessions, T0)
    firsts = db.execute("SELECT session_id, kind, device, at FROM reaction_devices").fetchall()
    assert sorted(firsts) == sorted(
        db.execute(
            "SELECT session_id, kind, device, min(at) FROM reactions"
            " GROUP BY session_id, kind, device"
        ).fetchall()
    )


def losing(db, now):
    return [a.text for a in dashboard.alerts(db, now) if "losing" in a.text]


def test_one_phone_tapping_lost_all_along_does_not_raise_the_alert(db):
    s = db.execute("SELECT id FROM sessions WHERE title = 'Phonics'").fetchone()[0]
    start = T0 + dt.timedelta(minutes=5)
    # One phone taps "Lost me" and "Slow down" as often as the cooldown lets it: 10 minutes.
    for i in range(60):
        at = start + i * reactions.COOLDOWN
        for kind in ("lost", "slower"):
            assert reactions.record_reaction(db, s, kind, "script", at=at).counted
    now = start + 59 * reactions.COOLDOWN
    assert db.execute("SELECT count(*) FROM reactions").fetchone()[0] == 120  # every tap kept
    assert losing(db, now) == []
    assert feedback.summary(db, s).reactions["lost"] == 1
    stats = reactions.reaction_stats(db, now)[s]
    assert (stats.total, stats.recent) == ({"lost": 1, "slower": 1}, {"lost": 1, "slower": 1})
    assert (stats.phones, stats.negative_phones) == (1, 1)
    # Four more phones, one tap each: five phones are a room being lost.
    for i in range(4):
        reactions.record_reaction(db, s, "lost", f"phone{i}", at=now)
    assert losing(db, now) == [
        "Phonics (Room A) may be losing people: 5 of 5 phones reacting in the last 10 minutes"
        " sent a negative reaction"
    ]
    # ...unless they are few among many phones happy with it (under 40%).
    for i in range(8):
        reactions.record_reaction(db, s, "useful", f"fan{i}", at=now)
    assert losing(db, now) == []


def test_five_phones_are_needed_not_five_taps(db):
    s = db.execute("SELECT id FROM sessions WHERE title = 'Phonics'").fetchone()[0]
    now = T0 + dt.timedelta(minutes=20)
    for i in range(4):  # four phones, each tapping twice (after the cooldown)
        for at in (now - dt.timedelta(minutes=2), now):
            reactions.record_reaction(db, s, "lost", f"phone{i}", at=at)
    assert losing(db, now) == []
    reactions.record_reaction(db, s, "slower", "phone9", at=now)
    assert len(losing(db, now)) == 1


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(before=st.lists(reaction, max_size=60), after=st.lists(reaction, max_size=20))
def test_a_database_made_before_the_upgrade_reads_right(small_event, before, after):
    """A file made by the previous release (every step before m009), with taps in it, counts
    phones once it is opened by this one; taps after the upgrade count the same way."""
    event = load_event(small_event)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "old.db"
        old = sqlite_utils.Database(path)
        migrations.apply(old, stop_before="m009_reaction_devices")
        assert "reaction_devices" not in old.table_names()
        apply_event(old, event)
        sessions = [r[0] for r in old.execute("SELECT id FROM sessions ORDER BY id LIMIT 4")]
        insert(old, sessions, before)
        old.close()
        db = database.connect(path)  # the upgrade, as every station and server opens the file
        try:
            assert_figures_are_direct_counts(db, sessions, T0)
            insert(db, sessions, after)
            assert_figures_are_direct_counts(db, sessions, T0 + dt.timedelta(seconds=30))
        finally:
            db.close()


def test_every_reaction_figure_is_read_in_one_module():
    """The tallies are read by bigconv/data/reactions.py alone (schema.py keeps them; export.py
    names them in its lists of what is exported and what is not); every other module asks it,
    so no two screens can count a reaction differently."""
    package = Path(reactions.__file__).resolve().parent.parent
    readers = sorted(
        str(path.relative_to(package))
        for path in package.rglob("*.py")
        if any(
            table in path.read_text(encoding="utf-8")
            for table in ("reaction_totals", "reaction_minutes")
        )
    )
    assert readers == ["data/export.py", "data/reactions.py", "data/schema.py"]
