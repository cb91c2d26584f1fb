"""Shared fixtures: real event files and real SQLite databases in a temporary folder.

Where tests live (ARCHITECTURE.md, "Testing map"): tests/core, data, services, output, cli,
tui and web each test that part of bigconv/, a file in the folder of the module it tests
(tests/web/stations: the staff stations); tests/e2e holds journeys across the parts with real
processes; at the top, the rules over every file (test_layering, test_untrusted_text) and the
benchmarks (test_bench). Helpers several modules share live in tests/helpers/, one module per
job; fixtures live in conftest.py files; no file imports a test module or a conftest.py
(tests/test_layering.py checks both the mirror and the imports).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bigconv.data import database
from bigconv.services.setup import initialise, load
from tests.helpers import ROOT
from tests.helpers.browser import CHROMIUM_ARGS
from tests.helpers.day import fill_day
from tests.helpers.events import SMALL_EVENT, SMALL_STAFF, copy_day
from tests.helpers.processes import require_tool


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
def day_db(small_db: Path) -> Path:
    """The small event with a morning recorded (tests/helpers/day.py)."""
    db = database.connect(small_db)
    fill_day(db)
    db.close()
    return small_db


@pytest.fixture
def db(small_db: Path):
    """An open connection to the small event's database."""
    conn = database.connect(small_db)
    yield conn
    conn.close()


@pytest.fixture
async def browser():
    """Debian's headless Chromium driven by Playwright (never a downloaded browser)."""
    chromium = require_tool("chromium")
    from playwright.async_api import async_playwright

    async with async_playwright() as p:
        launched = await p.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        yield launched
        await launched.close()


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
    "test_cli_rehearsal.py",
    "test_cli_outputs.py",
}
# A file that calls require_tool("tmux") is marked `tmux`; one that drives tmux through a
# helper (tests/helpers/terminal.py) marks itself: `pytestmark = pytest.mark.tmux`.
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
        slow = folder in SLOW_FOLDERS or path.name in SLOW_FILES
        if slow or item.get_closest_marker("browser") or item.get_closest_marker("tmux"):
            item.add_marker(pytest.mark.slow)
