"""A rehearsal's copy of the day's file (bigconv/data/rehearsal.py): made through SQLite while
the day's file is held, a file of its own for the file rules, never replacing one in use; and
the reset that undoes what a rehearsal left in the day's file, never deleting it."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from bigconv.core.clock import iso
from bigconv.core.errors import StoreError
from bigconv.data import backup, database, fileguard
from bigconv.data import rehearsal as files
from bigconv.data.attendance import mark_present
from bigconv.data.checkin import check_in
from bigconv.data.log import log
from tests.helpers.db import table

# Holds the file open as a station does; with an argument, first writes that many log rows,
# which stay in its -wal (connections never checkpoint by themselves).
HOLD = textwrap.dedent(
    """
    import sys, time
    from bigconv.core.clock import iso
    from bigconv.data import database, fileguard
    from bigconv.data.log import log
    fileguard.set_label("station Desk 9")
    db = database.connect(sys.argv[1])
    with database.immediate(db):
        for n in range(int(sys.argv[2])):
            log(db, "note", station="Desk 9", at=iso(), detail=f"in the -wal {n}")
    print("holding", flush=True)
    time.sleep(60)
    """
)


def holder(db_path: Path, writes: int = 0) -> subprocess.Popen:
    proc = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(db_path), str(writes)], stdout=subprocess.PIPE, text=True
    )
    assert proc.stdout.readline().strip() == "holding"
    return proc


def count(db_path: Path, sql: str) -> int:
    return table(db_path, sql)[0][0]


def test_the_copy_is_made_through_sqlite_while_a_station_holds_the_day_and_is_a_file_of_its_own(
    small_db, tmp_path
):
    proc = holder(small_db, writes=30)
    try:
        before = fileguard.identity(small_db, with_id=True)
        target = files.copy_path(small_db)
        assert target.name == "small.rehearsal.db"
        assert files.make_copy(small_db, target, made_at=iso()) is None
        # What the station committed is in the copy, though only in the day's -wal yet.
        assert count(target, "SELECT count(*) FROM log WHERE action = 'note'") == 30
        copy = fileguard.identity(target, with_id=True)
        assert copy is not None and before is not None
        assert copy.fid != before.fid  # a copy put in place by hand is never taken for the day
        assert fileguard.identity(small_db, with_id=True) == before  # the day's file untouched
        # The day's holders are its own; the copy has a holders folder of its own.
        assert [h.pid for h in fileguard.holders(small_db)] == [proc.pid]
        assert fileguard.holders(target) == []
        db = database.connect(target)
        info = files.copy_info(db)
        assert info is not None and info.source == str(small_db.resolve())
        assert info.log_id == files.newest_log_id(db)
        assert [h.pid for h in fileguard.holders(target, others=False)] == [os.getpid()]
        db.close()
    finally:
        proc.kill()
        proc.wait()
    assert count(small_db, "SELECT count(*) FROM meta WHERE key = 'rehearsal_copy_of'") == 0


def test_no_copy_is_made_while_a_restore_runs_on_the_days_file_or_the_copy(small_db):
    target = files.copy_path(small_db)
    with fileguard.restoring(small_db), pytest.raises(StoreError, match="a restore is running"):
        files.make_copy(small_db, target, made_at=iso())
    assert not target.exists()
    files.make_copy(small_db, target, made_at=iso())
    before = fileguard.identity(target, with_id=True)
    with fileguard.restoring(target), pytest.raises(StoreError, match="a restore is running"):
        files.make_copy(small_db, target, made_at=iso())
    assert fileguard.identity(target, with_id=True) == before


def test_a_copy_a_station_still_rehearses_on_is_never_replaced(small_db):
    target = files.copy_path(small_db)
    files.make_copy(small_db, target, made_at=iso())
    proc = holder(target)
    try:
        before = fileguard.identity(target, with_id=True)
        with pytest.raises(StoreError, match=rf"station Desk 9 \(pid {proc.pid}\)"):
            files.make_copy(small_db, target, made_at=iso())
        assert fileguard.identity(target, with_id=True) == before
    finally:
        proc.kill()
        proc.wait()


def test_a_new_copy_moves_the_last_one_aside_with_its_log_never_deleting_it(small_db):
    target = files.copy_path(small_db)
    files.make_copy(small_db, target, made_at=iso())
    db = database.connect(target)
    check_in(db, 1, station="Rehearsal desk")
    db.close()
    moved = files.make_copy(small_db, target, made_at=iso())
    assert moved is not None and moved.name.startswith("small.rehearsal.db.previous-rehearsal-")
    assert count(moved, "SELECT count(*) FROM checkins") == 1  # kept, whole
    assert count(target, "SELECT count(*) FROM checkins") == 0  # the new copy is the day's
    assert backup.check(target) == "ok"


EVENT_DAY = dt.datetime(2026, 11, 27, tzinfo=dt.UTC)


def at(hour: int, minute: int = 0, day: dt.datetime = EVENT_DAY) -> dt.datetime:
    return day.replace(hour=hour, minute=minute)


def test_the_reset_stamps_the_window_undone_and_logs_each_never_deleting(db, codes_by_title):
    check_in(db, 1, station="Rehearsal", at=at(8, 30))
    check_in(db, 2, station="Rehearsal", at=at(9, 10))
    check_in(db, 3, station="Desk 1", at=at(9, 40))  # the doors opened at 09:30
    check_in(db, 4, station="Rehearsal", at=at(8, 0, EVENT_DAY - dt.timedelta(days=3)))
    mark_present(db, codes_by_title["Phonics"], 1, station="Rehearsal", at=at(10, 5))
    start, end = iso(at(0)), iso(at(9, 30))
    found = files.standing_records(db, start, end)
    assert [(r.kind, r.attendee_id, r.station) for r in found] == [
        ("check-in", 1, "Rehearsal"),
        ("check-in", 2, "Rehearsal"),
    ]
    whole_day = files.standing_records(db, iso(at(0)), iso(at(0) + dt.timedelta(days=1)))
    by_station = [r for r in whole_day if r.station == "Rehearsal"]
    assert files.standing_records(db, iso(at(0)), iso(at(23)), ("rehearsal",)) == by_station
    assert [r.kind for r in by_station] == ["check-in", "check-in", "attendance"]
    assert "Phonics" in by_station[-1].session

    now = iso(at(7, 0, EVENT_DAY + dt.timedelta(days=10)))
    assert files.undo_records(db, by_station, station="Lead", at=now) == 3
    assert files.undo_records(db, by_station, station="Lead", at=now) == 0  # once only
    assert db.execute("SELECT count(*) FROM checkin_records").fetchone()[0] == 4  # kept
    assert [r[0] for r in db.execute("SELECT attendee_id FROM checkins ORDER BY 1")] == [3, 4]
    assert db.execute("SELECT count(*) FROM attendance").fetchone()[0] == 0
    undone = db.execute(
        "SELECT undone_at, undone_by FROM checkin_records WHERE attendee_id IN (1, 2)"
    ).fetchall()
    assert undone == [(now, files.UNDONE_BY)] * 2
    logged = db.execute(
        "SELECT station, attendee_id, detail FROM log WHERE action = 'rehearsal_undone' ORDER BY id"
    ).fetchall()
    assert [(s, a) for s, a, _ in logged] == [("Lead", 1), ("Lead", 2), ("Lead", 1)]
    assert '"made_by": "Rehearsal"' in logged[0][2]


def test_the_reset_names_what_it_leaves_alone(db):
    log(db, "note", station="x", at=iso())  # not counted: only what phones and walk-ins made
    db.execute(
        "INSERT INTO reactions (session_id, kind, at, device) VALUES (1, 'useful', ?, 'd')",
        [iso(at(10))],
    )
    assert files.left_alone(db, iso(at(0)), iso(at(23))) == {"reactions": 1}
    assert files.left_alone(db, iso(at(11)), iso(at(23))) == {}


@pytest.fixture
def codes_by_title(db) -> dict[str, int]:
    """Session ids by title (the first of each)."""
    found: dict[str, int] = {}
    for sid, title in db.execute("SELECT id, title FROM sessions ORDER BY id"):
        found.setdefault(title, sid)
    return found


def test_a_restore_of_the_days_file_neither_waits_for_nor_touches_a_running_rehearsal(
    small_db, tmp_path
):
    good = backup.backup(small_db, tmp_path / "b")
    target = files.copy_path(small_db)
    files.make_copy(small_db, target, made_at=iso())
    proc = holder(target)  # a station of the rehearsal, never pausing for anyone
    try:
        before = fileguard.identity(target, with_id=True)
        backup.restore(good, small_db, wait=0.5)  # would raise if it waited for that station
        assert fileguard.identity(target, with_id=True) == before
        assert fileguard.restore_marker(target) is None
    finally:
        proc.kill()
        proc.wait()
