"""A database in a folder that cannot be written: the message says so and why (SQLite makes
its -wal and -shm beside the file), not only "unable to open database file". A real
read-only folder: as another user when the tests run as root (tests/helpers/users.py)."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.helpers.damage import flip_index_rowids
from tests.helpers.events import copy_day
from tests.helpers.processes import run_cli
from tests.helpers.users import give_to_user, reachable_tmp, read_only, run_as_user, run_cli_as_user


@pytest.fixture
def day_folder(small_event, small_db) -> Iterator[Path]:
    """The small day copied (the .db alone, no -wal or -shm) into a folder of its own."""
    with reachable_tmp() as tmp:
        folder = tmp / "day"
        folder.mkdir()
        copy_day(small_event.parent, folder)
        give_to_user(tmp)
        yield folder


def one_line(done) -> str:
    lines = done.stderr.strip().splitlines()
    assert done.returncode == 2, (done.returncode, done.stdout, done.stderr)
    assert len(lines) == 1 and "Traceback" not in done.stderr, done.stderr
    return lines[0]


def test_a_database_in_a_folder_that_cannot_be_written_says_why(day_folder):
    read_only(day_folder)
    line = one_line(run_cli_as_user("checkin", day_folder / "small.toml", "S1"))
    assert f"the folder {day_folder} is not writable" in line
    assert "small.db-wal" in line and "small.db-shm" in line


def test_a_new_database_in_a_folder_that_cannot_be_written_says_why(day_folder):
    (day_folder / "small.db").unlink()
    read_only(day_folder)
    line = one_line(run_cli_as_user("init", day_folder / "small.toml"))
    assert f"the folder {day_folder} is not writable" in line


def test_a_database_under_a_file_says_so(small_event, tmp_path):
    (tmp_path / "notes.txt").write_text("a file")
    line = one_line(run_cli("init", small_event, "--db", tmp_path / "notes.txt" / "x.db"))
    assert "notes.txt is a file, not a folder" in line


def test_a_backup_into_a_folder_that_cannot_be_written_says_so(day_folder):
    """The periodic backups of `serve` and the stations (the data layer, no CLI check first)."""
    backups = day_folder / "backups"
    backups.mkdir()
    read_only(backups)
    script = (
        "import sys; from bigconv.core.errors import StoreError; from bigconv.data import backup\n"
        "try: backup.backup(sys.argv[1], sys.argv[2])\n"
        "except StoreError as exc: print(exc)"
    )
    done = run_as_user(sys.executable, "-c", script, day_folder / "small.db", backups)
    assert done.returncode == 0, done.stderr
    assert f"backup to {backups} failed: that folder is not writable" in done.stdout
    assert "unable to open" not in done.stdout


def test_the_doctor_says_the_folder_not_damage(day_folder):
    """`doctor` in that folder: not "the integrity_check fails ... bigconv repair"."""
    read_only(day_folder)
    done = run_cli_as_user("doctor", day_folder / "small.toml")
    assert done.returncode == 1, done.stderr
    problems = [line for line in done.stdout.splitlines() if line.startswith("PROBLEM")]
    assert len(problems) == 1, done.stdout
    assert f"could not run: the folder {day_folder} is not writable" in problems[0]
    assert "repair" not in done.stdout + done.stderr


def test_restore_into_a_folder_that_cannot_be_written_is_one_line(day_folder):
    made = run_cli("backup", day_folder / "small.toml", "--to", day_folder / "kept")
    assert made.returncode == 0, made.stderr
    (backup,) = (day_folder / "kept").glob("*.db")
    before = (day_folder / "small.db").read_bytes()
    read_only(day_folder)
    line = one_line(run_cli_as_user("restore", day_folder / "small.toml", backup))
    assert f"{day_folder}: cannot write there: permission denied" in line
    assert (day_folder / "small.db").read_bytes() == before


def test_repair_in_a_folder_that_cannot_be_written_is_one_line(day_folder):
    flip_index_rowids(day_folder / "small.db", "attendees_email")
    before = (day_folder / "small.db").read_bytes()
    read_only(day_folder)
    done = run_cli_as_user("repair", day_folder / "small.toml")
    line = one_line(done)
    assert f"{day_folder}: cannot write there: permission denied" in line
    assert "Repairing" not in done.stdout
    assert (day_folder / "small.db").read_bytes() == before
