"""A person's identity on import (badge, staff ID, email, else name + school), school MIS
headers, and choices and allocations that are replaced or removed being kept."""

from __future__ import annotations

import json
import re

import pytest

from bigconv.core.event import load_event
from bigconv.data import database
from bigconv.data.attendees import import_csv, map_columns
from bigconv.data.sync import apply_event
from tests.helpers import ROOT
from tests.helpers.processes import run_cli


def write(tmp_path, text: str, name: str = "staff.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def people(db, first: str, last: str) -> list[dict]:
    return list(db["attendees"].rows_where("first_name = ? AND last_name = ?", [first, last]))


def test_reimporting_people_without_email_never_duplicates_them(db, tmp_path):
    path = write(
        tmp_path,
        "Forename,Surname,Email,School\nAmy,Noemail,,Gamma School\nBen,Has,ben@g.sch.uk,Gamma School\n",
    )
    first = import_csv(db, path)
    assert first.imported == 2
    for _ in range(2):
        again = import_csv(db, path)
        assert (again.imported, again.unchanged, again.possible_duplicates) == (0, 2, [])
    assert len(people(db, "Amy", "Noemail")) == 1


def test_name_and_school_find_someone_known_and_fill_in_what_was_missing(db, tmp_path):
    import_csv(db, write(tmp_path, "Forename,Surname,School\nAmy,Noemail,Gamma School\n"))
    later = import_csv(
        db,
        write(
            tmp_path,
            "Forename,Surname,Email,School,Role\nAMY,NOEMAIL,amy@g.sch.uk,gamma school,SENCO\n",
            "b.csv",
        ),
    )
    assert (later.imported, later.updated) == (0, 1)
    (amy,) = people(db, "AMY", "NOEMAIL")
    assert (amy["email"], amy["role"]) == ("amy@g.sch.uk", "SENCO")
    logged = json.loads(
        db.execute("SELECT detail FROM log WHERE action = 'attendee_updated'").fetchone()[0]
    )
    assert logged["was"]["first_name"] == "Amy" and logged["was"]["email"] == ""


def test_a_row_that_might_be_someone_known_is_reported_not_added(db, tmp_path):
    """Sarah Khan of Alpha School is known (staff ID S4, s.khan@a.sch.uk); a row with the same
    name and school but another email and no staff ID might be her."""
    count = db["attendees"].count
    report = import_csv(
        db, write(tmp_path, "Forename,Surname,Email,School\nSarah,Khan,sk2@a.sch.uk,Alpha School\n")
    )
    assert report.imported == 0 and db["attendees"].count == count
    ((line, doubt),) = report.possible_duplicates
    assert line == 2
    assert doubt.startswith("possible duplicate of Sarah Khan (") and "Alpha School" in doubt
    assert "s.khan@a.sch.uk" in doubt and "Beta School" not in doubt


def test_possible_duplicate_within_one_file_names_its_line(db, tmp_path):
    report = import_csv(
        db,
        write(
            tmp_path,
            "Forename,Surname,Email,School\nSam,Lee,sam1@g.sch.uk,Gamma\nSam,Lee,sam2@g.sch.uk,Gamma\n",
        ),
    )
    assert report.imported == 1
    ((line, doubt),) = report.possible_duplicates
    assert line == 3 and doubt.startswith("possible duplicate of Sam Lee (") and ", line 2" in doubt


def test_a_different_staff_id_or_school_is_another_person(db, tmp_path):
    report = import_csv(
        db,
        write(
            tmp_path,
            "Staff ID,Forename,Surname,School\nS77,Ada,Lovelace,Alpha School\n"
            "S78,Sam,Lee,Gamma\n,Sam,Lee,Delta\n",
        ),
    )
    assert report.imported == 3 and report.possible_duplicates == []
    assert len(people(db, "Ada", "Lovelace")) == 2


def test_dry_run_shows_possible_duplicates_and_changes_nothing(small_event, small_db, tmp_path):
    path = write(tmp_path, "Forename,Surname,Email,School\nSarah,Khan,sk2@a.sch.uk,Alpha School\n")
    result = run_cli("import-attendees", small_event, path, "--dry-run")
    assert result.returncode == 0, result.stderr
    assert "Would import 0" in result.stdout and "possible duplicates 1" in result.stdout
    assert "staff.csv:2: possible duplicate of Sarah Khan" in result.stderr
    db = database.connect(small_db)
    assert db["attendees"].count == 5
    db.close()


def test_school_mis_staff_exports(db, tmp_path):
    sims = (
        "Title,Legal Surname,Legal Forename,Preferred Surname,Preferred Forename,Staff Code,"
        "Work Email,Establishment,Post\n"
        "Mrs,Smith-Jones,Elizabeth,Smith,Liz,LSJ,liz@d.sch.uk,Delta Academy,Teacher\n"
    )
    arbor = (
        "Legal first name,Preferred first name,Legal last name,Preferred last name,"
        "Email address,Job title,School name,Staff ID\n"
        "Robert,Bob,Okafor,Okafor,bob@e.sch.uk,TA,Epsilon School,E12\n"
    )
    bromcom = "Forename,Known As,Surname,Staff Code,Email,Staff Type,Site\nMohammed,Mo,Ali,MA1,mo@f.sch.uk,Support,Zeta\n"
    for name, text in (("sims", sims), ("arbor", arbor), ("bromcom", bromcom)):
        report = import_csv(db, write(tmp_path, text, f"{name}.csv"))
        assert report.imported == 1, (name, report)
    liz = next(db["attendees"].rows_where("staff_id = 'LSJ'"))
    assert (liz["first_name"], liz["last_name"], liz["email"], liz["school"], liz["role"]) == (
        "Liz",
        "Smith",
        "liz@d.sch.uk",
        "Delta Academy",
        "Teacher",
    )
    bob = next(db["attendees"].rows_where("staff_id = 'E12'"))
    assert (bob["first_name"], bob["school"], bob["role"]) == ("Bob", "Epsilon School", "TA")
    mo = next(db["attendees"].rows_where("staff_id = 'MA1'"))
    assert (mo["first_name"], mo["last_name"], mo["school"]) == ("Mo", "Ali", "Zeta")


def test_a_blank_preferred_name_falls_back_to_the_legal_one(db, tmp_path):
    text = "Legal Forename,Known As,Surname,Staff Code\nElizabeth,Liz,Smith,L1\nRobert,,Jones,R1\n"
    report = import_csv(db, write(tmp_path, text))
    assert report.imported == 2 and report.rejected == []
    firsts = {
        r["staff_id"]: r["first_name"]
        for r in db["attendees"].rows_where("staff_id IN ('L1', 'R1')")
    }
    assert firsts == {"L1": "Liz", "R1": "Robert"}


def test_preferred_names_win_whatever_the_column_order():
    fields, _ = map_columns(["Legal Forename", "Surname", "Known As"], {})
    assert fields == {"first_name": 2, "last_name": 1}


def test_replaced_choices_are_kept_with_when_why_and_who(db, tmp_path):
    path = write(tmp_path, "Staff ID,Choice 1,Choice 2\nS1,Oracy,Phonics\n", "choices.csv")
    ada = next(db["attendees"].rows_where("staff_id = 'S1'"))
    before = db.execute(
        "SELECT session_id, rank FROM preferences WHERE attendee_id = ? ORDER BY rank", [ada["id"]]
    ).fetchall()
    import_csv(db, path, station="Office")
    kept = db.execute(
        "SELECT session_id, rank, reason, station FROM preferences_replaced WHERE attendee_id = ?"
        " ORDER BY rank",
        [ada["id"]],
    ).fetchall()
    assert [(s, r) for s, r, _, _ in kept] == [tuple(b) for b in before]
    assert {(why, who) for *_, why, who in kept} == {("new choices imported", "Office")}
    logged = db.execute(
        "SELECT station FROM log WHERE action = 'preferences_replaced' AND attendee_id = ?",
        [ada["id"]],
    ).fetchall()
    assert logged == [("Office",)]


def test_removing_a_session_keeps_its_allocations_and_choices(small_event, small_db):
    db = database.connect(small_db)
    oracy = db.execute("SELECT id, code FROM sessions WHERE title = 'Oracy'").fetchone()
    db["allocations"].insert({"attendee_id": 1, "session_id": oracy[0]})
    db.conn.commit()
    chose = db.execute(
        "SELECT count(*) FROM preferences WHERE session_id = ?", [oracy[0]]
    ).fetchone()[0]
    assert chose > 0
    text = small_event.read_text()
    small_event.write_text(
        text.replace('[[sessions]]\ntitle = "Oracy"\nroom = "Room B"\nslot = "Afternoon"\n', "")
    )
    apply_event(db, load_event(small_event), station="Organiser")
    kept = db.execute(
        "SELECT attendee_id, reason, station FROM allocations_replaced WHERE session_id = ?",
        [oracy[0]],
    ).fetchall()
    assert kept == [(1, f"session {oracy[1]} 'Oracy' removed from the event file", "Organiser")]
    assert (
        db.execute(
            "SELECT count(*) FROM preferences_replaced WHERE session_id = ? AND station = 'Organiser'",
            [oracy[0]],
        ).fetchone()[0]
        == chose
    )
    synced = db.execute("SELECT station, detail FROM log WHERE action = 'event_synced'").fetchall()
    assert synced[-1][0] == "Organiser" and "Oracy" in json.loads(synced[-1][1])["removed"][0]
    db.close()


def test_the_log_says_which_station_replaced_choices(small_event, small_db, tmp_path):
    path = write(tmp_path, "Staff ID,Choice 1,Choice 2\nS1,Oracy,Phonics\n", "choices.csv")
    done = run_cli("import-attendees", small_event, path, "--station", "Office laptop")
    assert done.returncode == 0, done.stderr
    db = database.connect(small_db)
    assert db.execute("SELECT DISTINCT station FROM preferences_replaced").fetchall() == [
        ("Office laptop",)
    ]
    assert db.execute(
        "SELECT station FROM log WHERE action = 'preferences_replaced'"
    ).fetchall() == [("Office laptop",)]
    db.close()


def test_a_walk_in_with_a_known_email_is_refused_naming_them(db):
    import pytest

    from bigconv.data.desk import WalkInError, register_walk_in

    count = db["attendees"].count
    with pytest.raises(WalkInError, match=r"ADA@a.sch.uk is already Ada Lovelace \(BC"):
        register_walk_in(db, first_name="Ada", last_name="L", email="ADA@a.sch.uk", station="D")
    assert db["attendees"].count == count


def test_staff_codes_are_unique_only_within_a_school(db, tmp_path):
    """SIMS and Bromcom staff codes are three letters, unique within one school: in a file with
    a school column and IDs of at most four letters or digits, the identity is (school, code)."""
    text = (
        "Staff Code,Forename,Surname,School\n"
        "JSM,John,Smith,Alpha School\n"
        "JSM,Jane,Smart,Beta School\n"
        "JSM,Johnny,Smith,alpha school\n"  # the same code at the same school: the same person
    )
    path = write(tmp_path, text)
    report = import_csv(db, path)
    assert report.imported == 2
    assert report.rejected == [(4, "same person as line 2 (JSM at alpha school)")]
    jsm = {r["school"]: r["first_name"] for r in db["attendees"].rows_where("staff_id = 'JSM'")}
    assert jsm == {"Alpha School": "John", "Beta School": "Jane"}
    again = import_csv(db, path)
    assert (again.imported, again.unchanged) == (0, 2)
    later = import_csv(
        db,
        write(
            tmp_path,
            "Staff Code,Forename,Surname,School,Email\nJSM,Jane,Smart,Beta School,js@b.sch.uk\n",
            "later.csv",
        ),
    )
    assert (later.imported, later.updated) == (0, 1)
    assert db["attendees"].count_where("staff_id = 'JSM'") == 2
    assert next(db["attendees"].rows_where("email = 'js@b.sch.uk'"))["first_name"] == "Jane"
    # Longer IDs (payroll numbers) are the trust's: the same ID at another school is the same
    # person; so is a short code in a file with no school column.
    text = (
        "Staff ID,Forename,Surname,School\n"
        "E10001,Ann,Ray,Alpha School\nE10001,Ann,Ray,Beta School\nJS,Jo,Sam,Beta School\n"
    )
    report = import_csv(db, write(tmp_path, text, "payroll.csv"))
    assert report.imported == 2
    assert report.rejected == [(3, "same person as line 2 (E10001)")]
    no_school = "Staff Code,Forename,Surname\nJSM,Kim,Ode\nJSM,Lu,Pai\n"
    report = import_csv(db, write(tmp_path, no_school, "one-school.csv"))
    assert report.rejected == [(3, "same person as line 2 (JSM)")]


SIMS = (
    "StaffCode,Title,LegalForename,PreferredForename,LegalSurname,PreferredSurname,WorkEmail,"
    "School\n"
    "JSM,Mrs,Jacqueline,Jackie,Smith-Morgan,Smith,jackie@a.sch.uk,Alpha School\n"
    "JSM,Mr,Jonathan,,Smart,,jon@b.sch.uk,Beta School\n"
)
BROMCOM = (
    "Staff Code,Title,First Name,Last Name,Preferred First Name,Preferred Last Name,"
    "Work Email,Job Title,Site\n"
    "JSM,Mrs,Jacqueline,Smith-Morgan,Jackie,Smith,jackie@a.sch.uk,Teacher,Alpha School\n"
    "JSM,Mr,Jonathan,Smart,,,jon@b.sch.uk,TA,Beta School\n"
)
ARBOR = (  # opened in Excel and saved as "Unicode Text": UTF-16, tabs, CRLF
    "Legal first name\tPreferred name\tLegal last name\tPreferred last name\tEmail address\t"
    "School name\tJob title\r\n"
    "Jacqueline\tJackie\tSmith-Morgan\tSmith\tjackie@a.sch.uk\tAlpha School\tTeacher\r\n"
    "Jonathan\t\tSmart\t\tjon@b.sch.uk\tBeta School\tTA\r\n"
)


@pytest.mark.parametrize(
    ("text", "encoding"),
    [(SIMS, "utf-8-sig"), (BROMCOM, "utf-8"), (ARBOR, "utf-16")],
    ids=["SIMS", "Bromcom", "Arbor"],
)
def test_preferred_names_win_in_each_systems_export(db, tmp_path, text, encoding):
    path = tmp_path / "export.csv"
    path.write_bytes(text.encode(encoding))
    report = import_csv(db, path)
    assert (report.imported, report.rejected, report.possible_duplicates) == (2, [], [])
    found = {
        r["email"]: (r["first_name"], r["last_name"], r["school"], r["role"])
        for r in db["attendees"].rows_where("email IN ('jackie@a.sch.uk', 'jon@b.sch.uk')")
    }
    roles = ("Teacher", "TA") if "Job" in text else ("", "")
    assert found == {
        "jackie@a.sch.uk": ("Jackie", "Smith", "Alpha School", roles[0]),
        "jon@b.sch.uk": ("Jonathan", "Smart", "Beta School", roles[1]),
    }


def test_the_readmes_export_headers_are_all_read():
    """Every header the README names for SIMS, Bromcom and Arbor is read as a field."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    rows = [
        line for line in readme.splitlines() if line.startswith(("| SIMS", "| Bromcom", "| Arbor"))
    ]
    assert len(rows) == 3
    headers = [h for row in rows for h in re.findall(r'`([^`]+)`|"([^"]+)"', row)]
    headers = [a or b for a, b in headers]
    assert len(headers) > 20
    unread = [h for h in headers if not map_columns([h], {})[0]]
    assert unread == []
