"""CPD records: sessions actually attended, next steps only when the badge code was given."""

from __future__ import annotations

import csv
from zoneinfo import ZoneInfo

from bigconv.core.clock import iso
from bigconv.data import database
from bigconv.data.cpd import records
from bigconv.output.certificates import render_certificates, write_cpd_csv
from tests.helpers.day import HOSTILE, at
from tests.helpers.processes import run_cli

LONDON = ZoneInfo("Europe/London")


def cpd_of(path):
    db = database.connect(path)
    try:
        return {r.first_name + r.school[0]: r for r in records(db, LONDON)}
    finally:
        db.close()


def test_only_sessions_attended(day_db):
    found = cpd_of(day_db)
    assert set(found) == {"AdaA", "ZoëA", "BobB", "SarahA"}  # Sarah (Beta) never came
    [sarah] = found["SarahA"].sessions
    assert sarah.title == "Wellbeing"  # where she was present, not Phonics where allocated
    assert found["AdaA"].sessions[0].leads == "Ada Lovelace"
    assert f"{sarah.start:%H:%M}-{sarah.end:%H:%M}" == "10:00-11:00"
    assert found["AdaA"].minutes == 60


def test_next_step_linked_only_by_badge(day_db):
    found = cpd_of(day_db)
    assert (
        found["AdaA"].sessions[0].next_step == "Retrieval quiz on Mondays"
    )  # badge typed lower-case
    assert found["BobB"].sessions[0].next_step == "Walk at lunch"
    assert found["ZoëA"].sessions[0].next_step == ""  # her form had no badge code


def test_undone_attendance_is_not_on_the_record(day_db):
    db = database.connect(day_db)
    with database.immediate(db):
        db.execute(
            "UPDATE attendance_records SET undone_at = ?, undone_by = 'Room'"
            " WHERE attendee_id = (SELECT id FROM attendees WHERE first_name = 'Zoë')",
            [iso(at(10, 30))],
        )
    db.close()
    assert "ZoëA" not in cpd_of(day_db)


def test_csv_and_certificates(day_db, tmp_path):
    db = database.connect(day_db)
    with database.immediate(db):
        db.execute("UPDATE attendees SET first_name = ? WHERE first_name = 'Zoë'", [HOSTILE])
    found = records(db, LONDON)
    db.close()
    rows = write_cpd_csv(found, tmp_path / "cpd.csv")
    assert rows == 4
    with (tmp_path / "cpd.csv").open(encoding="utf-8-sig", newline="") as f:
        table = list(csv.DictReader(f))
    ada = next(r for r in table if r["first_name"] == "Ada")
    assert (ada["session_title"], ada["starts"], ada["ends"], ada["minutes"]) == (
        "Phonics",
        "10:00",
        "11:00",
        "60",
    )
    assert ada["next_step"] == "Retrieval quiz on Mondays"
    html = render_certificates(found, event="Small Test Day", date="2026-11-27", venue="X")
    assert html.count('class="page"') == 4
    assert "<script" not in html and "&lt;script&gt;" in html
    assert "Friday 27 November 2026" in html
    assert "My next step: Retrieval quiz on Mondays" in html


def test_cli_cpd(day_db, small_event, tmp_path):
    done = run_cli("cpd", small_event, "--out", tmp_path / "cpd")
    assert done.returncode == 0, done.stderr
    assert "4 sessions attended by 4 people" in done.stdout
    assert (tmp_path / "cpd" / "certificates.html").read_text(encoding="utf-8").count(
        'class="page"'
    ) == 4
