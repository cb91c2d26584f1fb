"""Shared fixtures: real event files and real SQLite databases in a temporary folder."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from bigconv.data import database
from bigconv.services.setup import initialise, load

ROOT = Path(__file__).resolve().parent.parent

# The small event's day at 10:20, while its morning slot runs. Every app or web site a test
# builds gets a clock of the test's own (this one when the time does not matter), and every
# process a test starts gets `--at`, so no test depends on the date it runs on.
SMALL_DAY = dt.datetime(2026, 11, 27, 10, 20, tzinfo=dt.UTC)


def on_the_day(moment: dt.datetime = SMALL_DAY):
    """A clock stopped at `moment` (by default the small event's morning), for the factories."""
    return lambda: moment


SMALL_EVENT = """
[event]
name = "Small Test Day"
date = 2026-11-27
timezone = "Europe/London"
venue = "Test Academy"
base_url = "http://192.0.2.10:8000"

[attendees]
csv = "staff.csv"

[audiences]
teaching = ["Teacher"]

[[rooms]]
name = "Hall"
capacity = 100

[[rooms]]
name = "Room A"
capacity = 3

[[rooms]]
name = "Room B"
capacity = 2

[[slots]]
label = "Plenary"
start = "09:00"
end = "09:30"
kind = "plenary"

[[slots]]
label = "Morning"
start = "10:00"
end = "11:00"

[[slots]]
label = "Afternoon"
start = "13:00"
end = "14:00"

[[sessions]]
title = "Welcome"
room = "Hall"
slot = "Plenary"

[[sessions]]
title = "Phonics"
lead = "Ada Lovelace"
room = "Room A"
slot = "Morning"
audience = "teaching"

[[sessions]]
title = "Wellbeing"
room = "Room B"
slot = "Morning"

[[sessions]]
title = "Wellbeing"
room = "Room A"
slot = "Afternoon"

[[sessions]]
title = "Oracy"
room = "Room B"
slot = "Afternoon"
"""

SMALL_STAFF = """Staff ID,Forename,Surname,Email,School,Job Title,Choice 1,Choice 2
S1,Ada,Lovelace,ada@a.sch.uk,Alpha School,Teacher,Phonics,Wellbeing
S2,Zoë,O'Brien-Müller,zoe@a.sch.uk,Alpha School,Teacher,Wellbeing,Oracy
S3,Bob,[bold]Bob[/],bob@b.sch.uk,Beta School,Teaching Assistant,Oracy,Wellbeing
S4,Sarah,Khan,s.khan@a.sch.uk,Alpha School,Teacher,Phonics,Oracy
S5,Sarah,Khan,s.khan@b.sch.uk,Beta School,Office Manager,Wellbeing,Oracy
"""


@pytest.fixture
def small_event(tmp_path: Path) -> Path:
    """A hand-made five-person event file (with its staff CSV) in a temporary folder."""
    (tmp_path / "staff.csv").write_text(SMALL_STAFF, encoding="utf-8")
    path = tmp_path / "small.toml"
    path.write_text(SMALL_EVENT, encoding="utf-8")
    return path


@pytest.fixture
def small_db(small_event: Path) -> Path:
    """The small event initialised into a real SQLite file; returns the database path."""
    ctx = load(small_event, None)
    initialise(ctx).db.close()
    return ctx.db_path


def copy_day(source: Path, target: Path) -> None:
    """Copy an event folder's event file, staff CSV and (closed, checkpointed) database."""
    for item in source.iterdir():
        if item.suffix in (".toml", ".csv", ".db"):
            shutil.copy(item, target / item.name)


@pytest.fixture(scope="session")
def sample_template(tmp_path_factory) -> Path:
    """The real sample day initialised once per test run (copy it before writing)."""
    folder = tmp_path_factory.mktemp("sample")
    for name in ("sample_event.toml", "sample_staff.csv"):
        shutil.copy(ROOT / name, folder / name)
    ctx = load(folder / "sample_event.toml", None)
    initialise(ctx).db.close()
    return folder


@pytest.fixture
def sample_event(sample_template: Path, tmp_path: Path) -> Path:
    """A private copy of the initialised sample day; returns the event file path."""
    copy_day(sample_template, tmp_path)
    return tmp_path / "sample_event.toml"


@pytest.fixture
def db(small_db: Path):
    """An open connection to the small event's database."""
    conn = database.connect(small_db)
    yield conn
    conn.close()


def run_cli(
    *args: str, cwd: Path | None = None, input: str | None = None
) -> subprocess.CompletedProcess:
    """Run the real `bigconv` command in a child process."""
    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
    return subprocess.run(
        [sys.executable, "-m", "bigconv", *map(str, args)],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=env,
        input=input,
        timeout=120,
    )


# Debian's Chromium on a closed network: without the background-networking flags it keeps
# trying hosts this network refuses (see RECIPES.md).
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture
async def browser():
    """Debian's headless Chromium driven by Playwright (never a downloaded browser)."""
    chromium = require_tool("chromium")
    from playwright.async_api import async_playwright

    async with async_playwright() as p:
        launched = await p.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        yield launched
        await launched.close()


def require_tool(name: str) -> str:
    """The path of a system tool; skip if absent, except in CI (BIGCONV_REQUIRE_TOOLS=1) where it fails."""
    path = shutil.which(name)
    if path:
        return path
    if os.environ.get("BIGCONV_REQUIRE_TOOLS"):
        pytest.fail(f"{name} is not installed (CI must install it)")
    pytest.skip(f"{name} is not installed (apt-get install it to run this test)")


# Markers: `browser` (Debian's Chromium), `tmux` (a real terminal), `slow` (real processes,
# servers or screens: tests/e2e, tests/tui, tests/web, and every browser or tmux test). The
# fast subset, `pytest -m "not slow"`, runs in under a minute (README, "The two commands").
SLOW_FOLDERS = ("e2e", "tui", "web")
# Files elsewhere that start many real processes (every benchmark, SIGKILLed backups, ...).
SLOW_FILES = {
    "test_bench.py",
    "test_full_disk.py",
    "test_backup_killed.py",
    "test_index_damage.py",
    "test_followup_cli.py",
    "test_checkin_processes.py",
    "test_doctor.py",
    "test_backup_damaged.py",
}
_uses_tmux: dict[Path, bool] = {}


def pytest_collection_modifyitems(config, items) -> None:
    for item in items:
        path = Path(str(item.fspath))
        if path not in _uses_tmux:
            _uses_tmux[path] = 'require_tool("tmux")' in path.read_text(encoding="utf-8")
        if "browser" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.browser)
        if _uses_tmux[path]:
            item.add_marker(pytest.mark.tmux)
        folder = path.relative_to(ROOT / "tests").parts[0]
        slow = folder in SLOW_FOLDERS or path.name in SLOW_FILES or _uses_tmux[path]
        if slow or item.get_closest_marker("browser"):
            item.add_marker(pytest.mark.slow)
