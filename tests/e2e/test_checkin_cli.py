"""`bigconv checkin` and `bigconv undo-checkin` as scripts and kiosks run them (stamped on the
event day with --at: the tests run on any date)."""

from __future__ import annotations

from bigconv.data import database
from bigconv.data.checkin import current_checkin
from bigconv.data.search import lookup
from tests.helpers.processes import run_cli


def badge_of(small_db, query):
    db = database.connect(small_db)
    try:
        return lookup(db, query)[0].person
    finally:
        db.close()


def test_check_in_by_name_then_refused_then_undo(small_event, small_db):
    ada = badge_of(small_db, "ada lovelace")
    done = run_cli("checkin", small_event, "Ada Lovelace", "--station", "Kiosk", "--at", "09:15")
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(f"Checked in: {ada.badge}  Ada Lovelace (Alpha School, Teacher)")
    assert "by Kiosk" in done.stdout
    again = run_cli(
        "checkin", small_event, ada.badge.lower(), "--station", "Desk 2", "--at", "09:16"
    )
    assert again.returncode == 1
    assert again.stderr.startswith("Already checked in:") and "by Kiosk" in again.stderr
    undone = run_cli("undo-checkin", small_event, ada.badge, "--station", "Desk 2", "--at", "09:17")
    assert undone.returncode == 0 and "Check-in undone" in undone.stdout
    db = database.connect(small_db)
    assert current_checkin(db, ada.id) is None
    db.close()
    twice = run_cli("undo-checkin", small_event, ada.badge, "--at", "09:18")
    assert twice.returncode == 1 and "Not checked in" in twice.stderr


def test_several_matches_are_listed_and_nothing_changes(small_event, small_db):
    result = run_cli("checkin", small_event, "sarah khan")
    assert result.returncode == 1
    lines = result.stderr.splitlines()
    assert lines[0] == "sarah khan: 2 attendees match; give a badge code or more of the name:"
    assert "Alpha School" in lines[1] and "Beta School" in lines[2]
    db = database.connect(small_db)
    assert db.execute("SELECT count(*) FROM checkins").fetchone()[0] == 0
    db.close()


def test_no_match_is_refused_and_bad_input_is_exit_2(small_event, small_db):
    none = run_cli("checkin", small_event, "Nobody Atall")
    assert none.returncode == 1 and "no attendee matches" in none.stderr
    bad = run_cli("checkin", small_event, " x ")
    assert bad.returncode == 2 and bad.stderr.count("\n") == 1 and "Traceback" not in bad.stderr
    missing = run_cli("checkin", small_event.with_name("nope.toml"), "ada")
    assert missing.returncode == 2 and "Traceback" not in missing.stderr


def test_accented_name_with_a_typo_from_the_command_line(small_event, small_db):
    result = run_cli("checkin", small_event, "zoe obrein", "--at", "09:15")
    assert result.returncode == 0, result.stderr
    assert "Zoë O'Brien-Müller" in result.stdout


def test_an_email_shaped_query_matches_emails_only(small_event, small_db):
    nobody = run_cli("checkin", small_event, "x@y")
    assert nobody.returncode == 1
    assert nobody.stderr.strip() == "x@y: no attendee matches this email"
    domain = run_cli("checkin", small_event, "@a.sch.uk")
    assert domain.returncode == 1
    lines = domain.stderr.splitlines()
    assert lines[0].startswith("@a.sch.uk: 3 attendees match; give a badge code, a whole email")
    assert all("@a.sch.uk" in line for line in lines[1:]) and len(lines) == 4
    whole = run_cli(
        "checkin", small_event, "S.Khan@B.sch.uk", "--station", "Desk 1", "--at", "09:15"
    )
    assert whole.returncode == 0, whole.stderr
    assert "Sarah Khan" in whole.stdout and "Beta School" in whole.stdout


def test_many_matches_say_how_many_and_show_the_first_few(sample_event):
    result = run_cli("checkin", sample_event, "@wa.sch.uk")
    assert result.returncode == 1
    lines = result.stderr.splitlines()
    assert lines[0] == (
        "@wa.sch.uk: more than 50 attendees match; give a badge code, a whole email"
        " or more of the name (the first 5 shown):"
    )
    assert len(lines) == 6 and all("@wa.sch.uk" in line for line in lines[1:])
