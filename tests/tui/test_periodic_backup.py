"""The app backs up in a worker thread when asked to, and never when not."""

from __future__ import annotations

from bigconv.data import backup
from bigconv.tui.app import make_app
from bigconv.tui.config import StationConfig
from tests.helpers.events import on_the_day


async def test_app_backs_up_every_interval(small_db):
    app = make_app(small_db, StationConfig(backup_every=0.2, clock=on_the_day()))
    async with app.run_test() as pilot:
        for _ in range(100):  # wait (up to 10 s) for two backups, without assuming a speed
            if len(backup.backups(backup.default_dir(small_db), small_db)) >= 2:
                break
            await pilot.pause(0.1)
    made = backup.backups(backup.default_dir(small_db), small_db)
    assert len(made) >= 2
    assert all(backup.check(p) == "ok" for p in made)


async def test_no_backups_by_default(small_db):
    app = make_app(small_db, StationConfig(clock=on_the_day()))
    async with app.run_test() as pilot:
        await pilot.pause(0.5)
        assert app.backups is None
    assert not backup.default_dir(small_db).exists()


async def test_failed_backup_is_shown_not_raised(small_db, tmp_path):
    app = make_app(small_db, StationConfig(backup_every=0.2, clock=on_the_day()))
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x")
    app.backups.dest_dir = blocker / "backups"  # cannot be created: a file is in the way
    async with app.run_test() as pilot:
        for _ in range(100):
            if app._notifications:
                break
            await pilot.pause(0.1)
        messages = [n.message for n in app._notifications]
    assert any("Backup failed" in m for m in messages)
    assert "cannot create the backup folder" in app.backups.last_error
