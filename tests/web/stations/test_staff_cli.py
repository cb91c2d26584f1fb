"""The staff passcode from the command line, and /staff served by `bigconv serve` and `run`."""

from __future__ import annotations

import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import aiohttp
from textual.widgets import Static

from bigconv.cli.compose import make_station_app
from bigconv.core.event import load_event
from bigconv.data import backup, database, passcode
from bigconv.data.fileguard import sqlite_line
from bigconv.tui.config import StationConfig
from bigconv.tui.dialogs.passcode import PasscodeScreen
from tests.helpers.db import table
from tests.helpers.processes import free_port, run_cli


def current(db_path: Path) -> str:
    db = database.connect(db_path)
    try:
        return passcode.staff_passcode(db)
    finally:
        db.close()


def test_init_makes_a_passcode_of_four_words_once(small_event):
    first = run_cli("init", small_event)
    assert first.returncode == 0, first.stderr
    code = current(small_event.with_suffix(".db"))
    words = code.split("-")
    assert len(words) == 4 and all(w in passcode.WORDS for w in words)
    assert f"Staff passcode (stations in a browser, /staff): {code}" in first.stdout
    assert code in run_cli("init", small_event).stdout  # the same one: init never changes it


def test_passcode_shows_and_changes(small_event, small_db):
    old = current(small_db)
    shown = run_cli("passcode", small_event)
    assert shown.returncode == 0 and shown.stdout.strip() == f"Staff passcode: {old}"
    new = run_cli("passcode", small_event, "--new", "--station", "Organiser")
    assert new.returncode == 0, new.stderr
    assert current(small_db) != old and current(small_db) in new.stdout
    chosen = run_cli("passcode", small_event, "--set", "  Blue Whale  Seven ")
    assert chosen.returncode == 0, chosen.stderr
    assert current(small_db) == "blue-whale-seven"
    rows = table(
        small_db, "SELECT station, detail FROM log WHERE action = 'staff_passcode_changed'"
    )
    assert [r[0] for r in rows][0] == "Organiser" and len(rows) == 2
    assert all("whale" not in r[1] and old not in r[1] for r in rows)


def test_bad_passcode_options_exit_2_and_change_nothing(small_event, small_db):
    old = current(small_db)
    for args in (("--set", "abc"), ("--set", "x" * 61), ("--new", "--set", "long enough")):
        done = run_cli("passcode", small_event, *args)
        assert done.returncode == 2, args
        assert len(done.stderr.strip().splitlines()) == 1 and "Traceback" not in done.stderr
    assert current(small_db) == old


def test_export_leaves_out_the_passcode_and_secret(small_event, small_db, tmp_path):
    code = current(small_db)
    secret = table(small_db, "SELECT value FROM meta WHERE key = 'staff_secret'")[0][0]
    done = run_cli("export", small_event, "--out", tmp_path / "csv")
    assert done.returncode == 0, done.stderr
    meta = (tmp_path / "csv" / "meta.csv").read_text(encoding="utf-8-sig")
    assert "event_name" in meta and "staff_passcode_version" in meta
    for path in (tmp_path / "csv").iterdir():
        text = path.read_text(encoding="utf-8-sig")
        assert code not in text and secret not in text, path.name


def test_serve_prints_the_staff_address_and_passcode_and_backs_up(small_event, small_db):
    port = free_port()
    cmd = [sys.executable, "-m", "bigconv", "serve", str(small_event), "--host", "127.0.0.1"]
    cmd += ["--port", str(port), "--backup-minutes", "0.01"]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline().startswith("Phone site: http://192.0.2.10:8000/CODE")
        assert proc.stdout.readline().strip() == sqlite_line()  # the SQLite in use, any warning
        line = proc.stdout.readline()
        assert (
            line.strip()
            == f"Staff stations: http://192.0.2.10:8000/staff  passcode: {current(small_db)}"
        )
        assert proc.stdout.readline().startswith("Backups: every 0.01 minutes into")
        page = ""
        for _ in range(100):
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/staff", timeout=2) as r:
                    page = r.read().decode()
                break
            except OSError:
                time.sleep(0.05)
        assert 'name="passcode"' in page
        folder = backup.default_dir(small_db)
        for _ in range(200):
            if backup.backups(folder, small_db):
                break
            time.sleep(0.05)
        found = backup.backups(folder, small_db)
        assert found and backup.check(found[0]) == "ok"
    finally:
        proc.terminate()
        proc.wait(timeout=10)


async def test_run_serves_staff_and_shows_the_passcode(small_event, small_db):
    port = free_port()
    app = make_station_app(
        small_db,
        StationConfig(event=load_event(small_event), serve_port=port, serve_host="127.0.0.1"),
    )
    async with app.run_test() as pilot:
        for _ in range(100):
            if "Phones" in app.sub_title:
                break
            await pilot.pause(0.05)
        # Where staff go is in the header; the passcode is not (a hall may read the header)
        # but shows on F12 until dismissed.
        assert "Staff: http://192.0.2.10:8000/staff" in app.sub_title
        assert current(small_db) not in app.sub_title
        await pilot.press("f12")
        await pilot.pause()
        assert isinstance(app.screen, PasscodeScreen)
        assert current(small_db) in str(app.screen.query_one(Static).render())
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, PasscodeScreen)
        async with (
            aiohttp.ClientSession() as client,
            client.get(f"http://127.0.0.1:{port}/staff") as r,
        ):
            assert 'name="passcode"' in await r.text()
