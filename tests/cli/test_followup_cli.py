"""The CPD loop's commands in child processes: day-links, followup, followup-status, schools,
barrier-addressed, and the report and certificates that show what came of the day."""

from __future__ import annotations

import csv
import datetime as dt
import os

import pytest

from bigconv.core.text import clean_line
from bigconv.data import database
from bigconv.data import followup as fu
from tests.helpers.db import digest
from tests.helpers.followup_day import fill_commitments
from tests.helpers.processes import run_cli

BASE = "https://cpd.example.org"


def read_csv(path) -> list[dict]:
    with path.open(encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))


@pytest.fixture
def committed(small_db):
    db = database.connect(small_db)
    ids = fill_commitments(db)
    db.close()
    return ids


def answer(db_path, token: str, tried: str, obstacles: str = "", happened: str = "") -> None:
    """Answer as the link's holder would (the site's own call), at the real time now."""
    db = database.connect(db_path)
    # Deliberate clock read: `bigconv followup` opens its round at this machine's time (faked or
    # not) for 28 days, so an answer now falls inside it on any date.
    now = dt.datetime.now(dt.UTC)
    link = fu.resolve_link(db, token, at=now)
    (mine,) = fu.commitments_of(db, link.person.id)
    fu.record_answers(db, link, [fu.AnswerInput(mine.id, tried, happened, obstacles)], at=now)
    db.close()


def test_a_follow_up_round_from_the_command_line(committed, small_event, small_db, tmp_path):
    out = tmp_path / "out"
    done = run_cli("followup", small_event, "--round", "4 weeks", "--out", out, "--base-url", BASE)
    assert done.returncode == 0, done.stderr
    assert "3 personal links" in done.stdout
    rows = read_csv(out / "followup-4-weeks.csv")
    assert [r["first_name"] for r in rows] == ["Ada", "Zoë", "Bob"]
    ada = rows[0]
    assert ada["email"] == "ada@a.sch.uk"
    assert ada["commitments"] == "Retrieval quiz on Mondays (Y7 set 2, week 1), from “Phonics”"
    assert ada["link"].startswith(f"{BASE}/me/") and len(ada["link"]) == len(BASE) + 4 + 32
    tokens = {r["first_name"]: r["link"].rsplit("/", 1)[1] for r in rows}

    before = digest(small_db)
    again = run_cli("followup", small_event, "--round", "4 weeks", "--out", out)
    assert again.returncode == 1 and "already exists" in again.stderr
    assert "Traceback" not in again.stderr and digest(small_db) == before

    status = run_cli("followup-status", small_event, "--round", "4 weeks")
    assert "3 not answered" in status.stdout
    answer(small_db, tokens["Ada"], "partly", obstacles="No time to plan", happened="Twice")
    answer(small_db, tokens["Bob"], "yes")
    status = run_cli("followup-status", small_event)
    assert "1 not answered" in status.stdout
    assert "Alpha School: Zoë O'Brien-Müller <zoe@a.sch.uk>" in status.stdout
    assert "Bob" not in status.stdout

    schools = run_cli("schools", small_event, "--out", out / "schools")
    assert schools.returncode == 0, schools.stderr
    assert sorted(p.name for p in (out / "schools").iterdir()) == [
        "alpha-school.csv",
        "alpha-school.html",
        "beta-school.csv",
        "beta-school.html",
    ]
    assert "2 unnamed commitments came from phones that opened no personal link" in schools.stdout
    alpha = (out / "schools" / "alpha-school.html").read_text(encoding="utf-8")
    beta = (out / "schools" / "beta-school.html").read_text(encoding="utf-8")
    assert "Ada Lovelace" in alpha and "No time to plan" in alpha and "not yet" in alpha
    assert "Time to plan with a colleague" in alpha  # support asked for on the day
    assert "Ada" not in beta and "Retrieval" not in beta and "Walk at lunch" in beta
    assert "<img" not in beta and "Tuesdays &lt;img src=x" in beta  # text, never markup
    answer_row = next(
        r for r in read_csv(out / "schools" / "alpha-school.csv") if r["what_got_in_the_way"]
    )
    assert (answer_row["name"], answer_row["tried"]) == ("Ada Lovelace", "Partly")

    bad = run_cli("barrier-addressed", small_event, "999")
    assert bad.returncode == 2 and "no follow-up answer number 999" in bad.stderr
    done = run_cli(
        "barrier-addressed",
        small_event,
        answer_row["answer_id"],
        "--note",
        "PPA time moved",
        "--station",
        "Alpha CPD lead",
    )
    assert done.returncode == 0, done.stderr
    run_cli("schools", small_event, "--out", out / "schools")
    alpha = (out / "schools" / "alpha-school.html").read_text(encoding="utf-8")
    assert "PPA time moved" in alpha and "✓" in alpha

    cpd = run_cli("cpd", small_event, "--out", out / "cpd")
    assert cpd.returncode == 0, cpd.stderr
    certificates = (out / "cpd" / "certificates.html").read_text(encoding="utf-8")
    assert "4 weeks: Partly" in certificates and "Twice" in certificates
    assert "Sessions led for colleagues" in certificates  # Ada leads Phonics
    extra = read_csv(out / "cpd" / "cpd-followups.csv")
    assert ("led", "Ada", "Phonics") in {
        (r["kind"], r["first_name"], r["session_title"]) for r in extra
    }
    assert ("commitment", "Bob", "Yes") in {(r["kind"], r["first_name"], r["tried"]) for r in extra}


def test_the_report_shows_the_evidence_chain_and_cost(committed, small_event, tmp_path):
    text = small_event.read_text(encoding="utf-8")
    text = text.replace('venue = "Test Academy"', 'venue = "Test Academy"\nstaff_hour_cost = 30')
    small_event.write_text(text + '\n[[costs]]\nlabel = "Venue hire"\namount = 500\n')
    done = run_cli("report", small_event, "--out", tmp_path / "report.html")
    assert done.returncode == 0, done.stderr
    html = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert "From the day to practice" in html and "Was it worth it?" in html
    assert "<b>20</b><span>staff hours (4 people × 5 h 00 min)</span>" in html
    assert "<b>500</b><span>Venue hire</span>" in html
    assert "<b>1,100</b><span>in all</span>" in html
    assert "<script>" not in html  # unnamed commitments are counted, never shown
    assert "<span>1st 2</span><span>not chosen 1</span>" in html  # Phonics


def test_day_links_from_the_command_line(committed, small_event, small_db, tmp_path):
    old = committed["day"]["AdaA"]
    bad = run_cli("day-links", small_event, "--out", tmp_path, "--base-url", "ftp://x")
    assert bad.returncode == 2 and "--base-url" in bad.stderr
    long_ago = tmp_path / "long_ago.toml"
    long_ago.write_text(small_event.read_text().replace("2026-11-27", "2001-11-27"))
    over = run_cli("day-links", long_ago, "--db", small_db, "--out", tmp_path)
    assert over.returncode == 2 and "--days" in over.stderr  # that day is over
    done = run_cli("day-links", small_event, "--out", tmp_path, "--days", "2")
    assert done.returncode == 0, done.stderr
    rows = read_csv(tmp_path / "day-links.csv")
    assert len(rows) == 5 and all(r["link"].startswith("http://192.0.2.10:8000/me/") for r in rows)
    db = database.connect(small_db)
    # Deliberate clock read: `bigconv day-links --days 2` opened the links from this machine's time.
    now = dt.datetime.now(dt.UTC)
    assert fu.resolve_link(db, old, at=now) is None  # revoked by the new links
    ada = next(r for r in rows if r["first_name"] == "Ada")["link"].rsplit("/", 1)[1]
    assert fu.resolve_link(db, ada, at=now).person.first_name == "Ada"
    db.close()


def test_bad_round_names_and_costs_exit_2_and_change_nothing(committed, small_event, small_db):
    before = digest(small_db)
    empty = run_cli("followup", small_event, "--round", "  ", "--out", small_event.parent)
    assert empty.returncode == 2 and "give the round a name" in empty.stderr
    text = small_event.read_text(encoding="utf-8")
    small_event.write_text(text + '\n[[costs]]\nlabel = "Cover"\namount = -5\n')
    bad = run_cli("report", small_event, "--out", small_event.parent / "r.html")
    assert bad.returncode == 2 and 'cost 1 ("Cover"), amount: must not be negative' in bad.stderr
    assert "Traceback" not in bad.stderr + empty.stderr
    assert digest(small_db) == before


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("4\u061c\u2028weeks", "4 weeks"),  # an Arabic letter mark and a line separator
        ("\u202e4 weeks\u2069\x1b[2J\x85", "4 weeks[2J"),  # bidi override, isolate, ESC, NEL
        (os.fsdecode(b"4\xffweeks"), "4weeks"),  # a byte that is no UTF-8: a lone surrogate
    ],
)
def test_a_round_name_is_stored_as_one_clean_line(committed, small_event, small_db, typed, stored):
    """`--round` goes through the one text rule (bigconv/core/text.py), as every typed value."""
    assert clean_line(typed).strip() == stored
    out = small_event.parent / "out"
    done = run_cli("followup", small_event, "--round", typed, "--out", out, "--base-url", BASE)
    assert done.returncode == 0, done.stderr
    assert f"round “{stored}”" in done.stdout
    db = database.connect(small_db)
    assert db.execute("SELECT label FROM followup_rounds").fetchall() == [(stored,)]
    assert fu.find_round(db, typed).label == stored  # the typed name finds it again
    db.close()
    status = run_cli("followup-status", small_event, "--round", typed)
    assert status.returncode == 0, status.stderr
    assert f"Round “{stored}”" in status.stdout
