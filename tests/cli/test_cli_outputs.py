"""Every command that writes a file checks the place first: a folder it cannot write, a
folder that is a file, a file name taken by a folder give one line and exit 2, and change
nothing (no link revoked, no round made, no file half written). Real files, the real CLI.

Tests run as root in CI, and root ignores permission bits: the permission cases run the
command as another user (nobody) when this process is root, else they take the write bit
away from the folder."""

from __future__ import annotations

import csv
import hashlib
import sqlite3
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from bigconv.data import database
from tests.helpers.events import copy_day
from tests.helpers.followup_day import fill_commitments
from tests.helpers.processes import run_cli
from tests.helpers.users import give_to_user, reachable_tmp, read_only, run_cli_as_user

# About sixty real `bigconv` processes (every writing command, every kind of place): kept out
# of the fast subset, like the other files that start many processes (tests/conftest.py).
pytestmark = pytest.mark.slow


def digest(db_path: Path) -> str:
    """Everything the database holds, as text (the file's bytes may change on a mere read)."""
    conn = sqlite3.connect(db_path)
    try:
        return hashlib.sha256("\n".join(conn.iterdump()).encode()).hexdigest()
    finally:
        conn.close()


def rows(db_path: Path, sql: str) -> list[tuple]:
    db = database.connect(db_path)
    try:
        return db.execute(sql).fetchall()
    finally:
        db.close()


def commands(event: Path, out: Path) -> dict[str, list]:
    """Every command that writes a file, writing into `out` (report: `out/report.html`)."""
    return {
        "export": ["export", event, "--out", out],
        "report": ["report", event, "--out", out / "report.html"],
        "cpd": ["cpd", event, "--out", out],
        "qr": ["qr", event, "--out", out],
        "badges": ["badges", event, "--out", out],
        "schools": ["schools", event, "--out", out],
        "day-links": ["day-links", event, "--out", out, "--days", "3"],
        "followup": ["followup", event, "--round", "4 weeks", "--out", out],
        "backup": ["backup", event, "--to", out],
    }


WRITERS = list(commands(Path("e"), Path("o")))


def refused_in_one_line(done: subprocess.CompletedProcess, *words: str) -> str:
    """The command exited 2 with one line on stderr (holding `words`), nothing on stdout."""
    lines = done.stderr.strip().splitlines()
    assert done.returncode == 2, (done.returncode, done.stdout, done.stderr)
    assert len(lines) == 1, done.stderr
    assert "Traceback" not in done.stderr
    assert done.stdout == "", done.stdout
    assert all(word.lower() in lines[0].lower() for word in words), lines[0]
    return lines[0]


@pytest.fixture
def committed(small_event, small_db) -> Path:
    """The small day with three named commitments (so `followup` has links to make)."""
    db = database.connect(small_db)
    fill_commitments(db)
    db.close()
    return small_event


# -- a folder that is a file, a file name taken by a folder (root cannot ignore these) -------


@pytest.mark.parametrize("command", WRITERS)
def test_a_folder_under_a_file_is_one_line(committed, small_db, tmp_path, command):
    blocker = tmp_path / "notes.txt"
    blocker.write_text("a file, not a folder")
    before = digest(small_db)
    done = run_cli(*commands(committed, blocker / "out")[command])
    refused_in_one_line(done, "cannot write", "notes.txt", "is a file")
    assert digest(small_db) == before
    assert blocker.read_text() == "a file, not a folder"


@pytest.mark.parametrize("command", [c for c in WRITERS if c != "report"])
def test_an_out_folder_that_is_a_file_is_one_line(committed, small_db, tmp_path, command):
    """`--out notes.txt` where notes.txt is a file: one line, not click's usage block."""
    blocker = tmp_path / "notes.txt"
    blocker.write_text("a file, not a folder")
    before = digest(small_db)
    done = run_cli(*commands(committed, blocker)[command])
    refused_in_one_line(done, "cannot write", "notes.txt", "is a file")
    assert digest(small_db) == before


def test_a_report_named_as_a_folder_is_one_line(small_event, small_db, tmp_path):
    (tmp_path / "out" / "report.html").mkdir(parents=True)
    done = run_cli(*commands(small_event, tmp_path / "out")["report"])
    refused_in_one_line(done, "report.html", "is a folder")


@pytest.mark.parametrize(
    ("command", "taken"),
    [
        ("export", "attendees.csv"),
        ("cpd", "certificates.html"),
        ("qr", "posters.html"),
        ("badges", "badges.html"),
        ("schools", "alpha-school.html"),
        ("day-links", "day-links.csv"),
        ("followup", "followup-4-weeks.csv"),
    ],
)
def test_a_file_name_taken_by_a_folder_changes_nothing(
    committed, small_db, tmp_path, command, taken
):
    """One of the files a command writes is a folder already: one line, exit 2, and no other
    file of the set is written (the folder holds what it held), no link, no round."""
    out = tmp_path / "out"
    (out / taken).mkdir(parents=True)
    (out / "cpd.csv").write_text("last year's\n")  # an older file of the set stays as it was
    before = digest(small_db)
    done = run_cli(*commands(committed, out)[command])
    refused_in_one_line(done, "cannot write", taken)
    assert digest(small_db) == before
    assert sorted(p.name for p in out.iterdir()) == sorted({taken, "cpd.csv"})
    assert (out / "cpd.csv").read_text() == "last year's\n"


# -- a folder this user may not write (a real permission) ------------------------------------


@pytest.fixture
def shared_tmp() -> Iterator[Path]:
    with reachable_tmp() as folder:
        yield folder


@pytest.fixture
def users_day(committed, shared_tmp) -> Path:
    """A copy of the small day (with commitments) that `run_cli_as_user`'s user owns."""
    day = shared_tmp / "day"
    day.mkdir()
    copy_day(committed.parent, day)
    give_to_user(shared_tmp)
    done = run_cli_as_user("sessions", day / "small.toml")
    if done.returncode != 0:
        pytest.fail(f"the other user cannot run bigconv here: {done.stdout}{done.stderr}")
    return day / "small.toml"


@pytest.mark.parametrize("command", WRITERS)
def test_a_folder_that_cannot_be_written_is_one_line(users_day, shared_tmp, command):
    out = shared_tmp / "out"
    out.mkdir()
    read_only(out)
    db_path = users_day.with_suffix(".db")
    before = digest(db_path)
    done = run_cli_as_user(*commands(users_day, out)[command])
    refused_in_one_line(done, "cannot write", str(out), "permission denied")
    assert digest(db_path) == before
    assert list(out.iterdir()) == []


# -- links already sent stay valid ------------------------------------------------------------


def valid_links(db_path: Path) -> list[tuple]:
    return rows(db_path, "SELECT id, purpose FROM personal_links WHERE revoked_at IS NULL")


def test_day_links_to_a_folder_it_cannot_write_revoke_nothing(users_day, shared_tmp):
    sent = shared_tmp / "sent"
    first = run_cli_as_user("day-links", users_day, "--out", sent, "--days", "3")
    assert first.returncode == 0, first.stderr
    db_path = users_day.with_suffix(".db")
    links = valid_links(db_path)
    assert len(links) == 5
    out = shared_tmp / "out"
    out.mkdir()
    read_only(out)
    again = run_cli_as_user("day-links", users_day, "--out", out, "--days", "3")
    refused_in_one_line(again, "cannot write")
    assert valid_links(db_path) == links
    assert not (out / "day-links.csv").exists()


def test_day_links_whose_file_cannot_be_placed_revoke_nothing(small_event, small_db, tmp_path):
    """The folder is writable but the CSV's name is taken by a folder: the links already sent
    keep working and no new ones exist."""
    first = run_cli("day-links", small_event, "--out", tmp_path / "sent", "--days", "3")
    assert first.returncode == 0, first.stderr
    links = valid_links(small_db)
    (tmp_path / "out" / "day-links.csv").mkdir(parents=True)
    again = run_cli("day-links", small_event, "--out", tmp_path / "out", "--days", "3")
    refused_in_one_line(again, "day-links.csv")
    assert valid_links(small_db) == links
    assert rows(small_db, "SELECT count(*) FROM personal_links")[0][0] == len(links)


def test_a_followup_round_that_cannot_be_written_is_not_made(committed, small_db, tmp_path):
    """The round is made with its file or not at all: afterwards the same command works."""
    (tmp_path / "out" / "followup-4-weeks.csv").mkdir(parents=True)
    done = run_cli("followup", committed, "--round", "4 weeks", "--out", tmp_path / "out")
    refused_in_one_line(done, "followup-4-weeks.csv")
    assert rows(small_db, "SELECT count(*) FROM followup_rounds") == [(0,)]
    assert rows(small_db, "SELECT count(*) FROM personal_links WHERE purpose = 'followup'") == [
        (0,)
    ]
    again = run_cli("followup", committed, "--round", "4 weeks", "--out", tmp_path / "ok")
    assert again.returncode == 0, again.stderr
    assert (tmp_path / "ok" / "followup-4-weeks.csv").is_file()


# -- people with no email ---------------------------------------------------------------------


def test_day_links_say_who_has_no_email(small_event, small_db, tmp_path):
    extra = tmp_path / "more.csv"
    extra.write_text(
        "Staff ID,Forename,Surname,Email,School,Job Title\n"
        "S6,Grace,Hopper,,Gamma School,Teacher\n"
        "S7,Alan,Turing,,Gamma School,Teacher\n",
        encoding="utf-8",
    )
    imported = run_cli("import-attendees", small_event, extra)
    assert imported.returncode == 0, imported.stderr
    done = run_cli("day-links", small_event, "--out", tmp_path / "out", "--days", "3")
    assert done.returncode == 0, done.stderr
    with (tmp_path / "out" / "day-links.csv").open(encoding="utf-8-sig") as f:
        assert len(list(csv.DictReader(f))) == 5
    said = [line for line in done.stderr.splitlines() if "no email" in line]
    assert len(said) == 1, done.stderr
    assert "2 people" in said[0]
    assert "Grace Hopper" in said[0] and "Alan Turing" in said[0]
