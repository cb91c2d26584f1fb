"""Write keys (bigconv/data/writekeys.py) over a real SQLite file: recorded in the write's own
transaction, never spent by a write that rolled back, pruned after a day."""

from __future__ import annotations

import datetime as dt
import sqlite3

import pytest

from bigconv.core.clock import iso
from bigconv.data import database, feedback, reactions, writekeys
from bigconv.data.writekeys import BadKey, check_key, once, request_digest

T0 = dt.datetime(2026, 11, 27, 10, 0, tzinfo=dt.UTC)


def session_id(db) -> int:
    return db.execute("SELECT id FROM sessions ORDER BY id LIMIT 1").fetchone()[0]


def store_feedback(db, comment="ok", device="phone-1"):
    sid = session_id(db)
    return lambda conn: feedback.record_feedback(
        conn, sid, device, rating=4, comment=comment, at=T0
    )


def rows(db, tbl: str) -> int:
    return db.execute(f"SELECT count(*) FROM {tbl}").fetchone()[0]


def test_a_repeat_returns_the_first_result_and_stores_nothing(db):
    what = request_digest("feedback", 1, {"rating": 4})
    first = once(db, "phone-1", "k", what, store_feedback(db), at=T0)
    again = once(db, "phone-1", "k", what, store_feedback(db), at=T0 + dt.timedelta(hours=1))
    assert again == first == iso(T0)
    assert rows(db, "feedback") == 1 and rows(db, "write_keys") == 1


def test_other_devices_keys_and_requests_are_new_writes(db):
    what = request_digest("feedback", 1)
    once(db, "phone-1", "k", what, store_feedback(db), at=T0)
    once(db, "phone-2", "k", what, store_feedback(db, device="phone-2"), at=T0)
    once(db, "phone-1", "k2", what, store_feedback(db), at=T0)
    once(db, "phone-1", "k", request_digest("feedback", 2), store_feedback(db), at=T0)
    assert rows(db, "feedback") == 4


def test_a_write_that_rolls_back_does_not_spend_its_key(db):
    what = request_digest("feedback")

    def stored_then_failed(conn):
        store_feedback(db)(conn)
        raise sqlite3.OperationalError("disk I/O error")  # as a full disk fails a write

    with pytest.raises(sqlite3.OperationalError):
        once(db, "phone-1", "k", what, stored_then_failed, at=T0)
    assert rows(db, "feedback") == 0 and rows(db, "write_keys") == 0
    once(db, "phone-1", "k", what, store_feedback(db), at=T0)
    assert rows(db, "feedback") == 1 and rows(db, "write_keys") == 1


def test_the_key_commits_with_the_write_in_a_group_commit(small_db):
    """Inside the site's group commit (one transaction for a batch of writes) the key is
    committed with its row, and a sibling that fails takes neither with it."""
    db = database.connect(small_db)
    what = request_digest("feedback")

    def failing(conn):
        once(conn, "phone-2", "k", what, store_feedback(db, device="phone-2"), at=T0)
        raise reactions.UnknownKind("x")

    results = database.group_commit(
        db,
        [lambda conn: once(conn, "phone-1", "k", what, store_feedback(db), at=T0), failing],
    )
    db.close()
    assert isinstance(results[1], reactions.UnknownKind)
    other = database.connect(small_db)  # what another program sees once it was acknowledged
    try:
        assert other.execute("SELECT device FROM write_keys").fetchall() == [("phone-1",)]
        assert other.execute("SELECT device FROM feedback").fetchall() == [("phone-1",)]
    finally:
        other.close()


def test_a_result_that_stored_nothing_leaves_the_key_unspent(db):
    sid = session_id(db)
    what = request_digest("reaction", sid, "useful")

    def tap(device: str, at: dt.datetime, key: str):
        return once(
            db,
            device,
            key,
            what,
            lambda c: reactions.record_reaction(c, sid, "useful", device, at=at),
            at=at,
            memo=lambda r: {"at": r.at} if r.counted else None,
            replay=lambda m: reactions.ReactionResult(True, "useful", m["at"]),
        )

    assert tap("p", T0, "a").counted
    assert not tap("p", T0 + dt.timedelta(seconds=1), "b").counted  # the cooldown
    assert rows(db, "write_keys") == 1
    late = tap("p", T0 + dt.timedelta(seconds=30), "b")
    assert late.counted and rows(db, "reactions") == 2


def test_keys_older_than_a_day_are_pruned_as_keys_are_recorded(db):
    what = request_digest("feedback")
    for n in range(writekeys.PRUNE_EVERY - 1):
        once(db, "phone-1", f"old-{n}", what, store_feedback(db), at=T0)
    assert rows(db, "write_keys") == writekeys.PRUNE_EVERY - 1
    later = T0 + writekeys.KEEP + dt.timedelta(minutes=1)
    once(db, "phone-1", "new", what, store_feedback(db), at=later)
    assert db.execute("SELECT key FROM write_keys").fetchall() == [("new",)]
    assert rows(db, "feedback") == writekeys.PRUNE_EVERY  # rows are never pruned


def test_without_a_key_the_action_just_runs(db):
    for _ in range(2):
        once(db, "phone-1", None, request_digest("feedback"), store_feedback(db), at=T0)
    assert rows(db, "feedback") == 2 and rows(db, "write_keys") == 0


@pytest.mark.parametrize("key", ["a", "A-z_09", "x" * 64, writekeys.new_key()])
def test_valid_keys(key):
    assert check_key(key) == key


@pytest.mark.parametrize("key", ["x" * 65, " a", "a b", "é", "a/b", "a\n", 5, ["a"], {"a": 1}])
def test_invalid_keys(key):
    with pytest.raises(BadKey):
        check_key(key)


def test_no_key():
    assert check_key(None) is None and check_key("") is None
