"""A station survives a missing, replaced, damaged, locked or full database and recovers by itself."""

from __future__ import annotations

import asyncio
import sqlite3

from bigconv.core.clock import iso
from bigconv.core.errors import StoreError
from bigconv.data import backup, database
from bigconv.data.checkin import check_in
from bigconv.tui.app import make_app
from bigconv.tui.config import StationConfig
from tests.helpers.events import on_the_day


async def wait_for(predicate, timeout: float = 5.0) -> bool:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while loop.time() < deadline:
        if predicate():
            return True
        await asyncio.sleep(0.05)
    return predicate()


def problem(app) -> str:
    return app.problem or ""


async def test_missing_file_then_restored(small_db):
    app = make_app(small_db, StationConfig(station="Desk 1", clock=on_the_day()))
    async with app.run_test(size=(120, 40)):
        aside = small_db.with_name("aside.db")
        small_db.rename(aside)
        assert await wait_for(lambda: "missing" in problem(app))
        assert "NOTHING IS BEING SAVED" in app.sub_title
        # A write now is refused rather than lost in the unlinked file.
        try:
            check_in(app.db, 1, station="Desk 1")
        except StoreError as exc:
            assert "missing" in str(exc)
        else:
            raise AssertionError("a write to a missing file must be refused")
        aside.rename(small_db)
        assert await wait_for(lambda: app.problem is None)
        assert app.sub_title == "Station: Desk 1"
        assert check_in(app.db, 1, station="Desk 1").checked_in
        assert app.is_running


async def test_damaged_file_then_restored_from_a_copy(small_db):
    app = make_app(small_db, StationConfig(station="Desk 1", clock=on_the_day()))
    async with app.run_test(size=(120, 40)):
        check_in(app.db, 2, station="Desk 1")
        good = small_db.with_name("good.db")
        src = sqlite3.connect(small_db)
        dst = sqlite3.connect(good)
        src.backup(dst)
        src.close()
        dst.close()
        small_db.unlink()
        small_db.write_bytes(b"garbage" * 1000)
        assert await wait_for(lambda: problem(app) != "")
        small_db.unlink()
        good.rename(small_db)
        # Put back by hand while the old file's -wal is beside it: never written to, it says
        # so and what to do; `bigconv restore` of the file in place lets the station carry on.
        assert await wait_for(lambda: "bigconv restore" in problem(app), timeout=2.0)
        assert "NOTHING IS BEING SAVED" in app.sub_title
        backup.restore(small_db, small_db)
        assert await wait_for(lambda: app.problem is None)
        assert database.describe(sqlite3.DatabaseError("file is not a database")).startswith(
            "the database file is damaged"
        )
        # What was stored before the damage is there after the restore.
        assert (
            app.db.execute("SELECT count(*) FROM checkins WHERE attendee_id = 2").fetchone()[0] == 1
        )


async def test_locked_database_then_released(small_db):
    app = make_app(small_db, StationConfig(station="Desk 1", clock=on_the_day()))
    async with app.run_test(size=(120, 40)) as pilot:
        app.db.execute("PRAGMA busy_timeout = 100")
        other = sqlite3.connect(small_db, isolation_level=None)
        other.execute("BEGIN EXCLUSIVE")
        app.call_later(app.guarded, check_in, app.db, 3, station="Desk 1")
        assert await wait_for(lambda: "locked" in problem(app))
        assert (
            app.db.execute("SELECT count(*) FROM checkins WHERE attendee_id = 3").fetchone()[0] == 0
        )
        other.execute("ROLLBACK")
        other.close()
        assert await wait_for(lambda: app.problem is None), app.problem
        await pilot.pause()
        assert app.is_running


async def test_disk_full_is_reported_and_nothing_half_written(small_db):
    app = make_app(small_db, StationConfig(station="Desk 1", clock=on_the_day()))
    async with app.run_test(size=(120, 40)):
        pages = app.db.execute("PRAGMA page_count").fetchone()[0]
        app.db.execute(f"PRAGMA max_page_count = {pages}")  # SQLite's own "disk is full" path

        def fill() -> None:
            with database.immediate(app.db):
                for i in range(2000):
                    app.db.execute(
                        "INSERT INTO reactions (session_id, kind, at, device) VALUES (1, 'useful', ?, ?)",
                        [iso(), "x" * 200 + str(i)],
                    )

        app.call_later(app.guarded, fill)
        # This simulation fills the file, not the disk, so the station's probe may find the
        # database writable again at once: look for the message it showed, not the state.
        assert await wait_for(lambda: any("disk is full" in n.message for n in app._notifications))
        assert app.db.execute("SELECT count(*) FROM reactions").fetchone()[0] == 0
        app.db.execute("PRAGMA max_page_count = 1073741823")
        assert await wait_for(lambda: app.problem is None)
        fill()
        assert app.db.execute("SELECT count(*) FROM reactions").fetchone()[0] == 2000


async def test_desk_scan_while_locked_says_not_saved_then_works(small_db):
    from bigconv.tui.widgets.banner import Banner

    ada = (
        database.connect(small_db)
        .execute("SELECT badge, id FROM attendees WHERE first_name = 'Ada'")
        .fetchone()
    )
    app = make_app(small_db, StationConfig(station="Desk 1", mode="desk", clock=on_the_day()))
    async with app.run_test(size=(120, 40)) as pilot:
        app.db.execute("PRAGMA busy_timeout = 100")
        other = sqlite3.connect(small_db, isolation_level=None)
        other.execute("BEGIN EXCLUSIVE")
        await pilot.press(*ada[0], "enter")
        assert await wait_for(lambda: app.screen.query_one(Banner).kind == "error")
        assert "NOT SAVED" in app.screen.query_one(Banner).text
        assert "locked" in problem(app) and app.is_running
        other.execute("ROLLBACK")
        other.close()
        assert await wait_for(lambda: app.problem is None)
        await pilot.press(*ada[0], "enter")
        assert await wait_for(lambda: app.screen.query_one(Banner).kind == "ok")
        assert (
            app.db.execute(
                "SELECT count(*) FROM checkins WHERE attendee_id = ?", [ada[1]]
            ).fetchone()[0]
            == 1
        )
