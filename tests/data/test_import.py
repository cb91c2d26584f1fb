"""Staff CSVs as schools export them: encodings, headers, re-imports, choices, rejections."""

from __future__ import annotations

import pytest

from bigconv.data import database
from bigconv.data.attendees import ImportError_, import_csv


def write(tmp_path, text: str, encoding: str = "utf-8", name: str = "staff.csv"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def names(db) -> set[tuple[str, str]]:
    return {(r["first_name"], r["last_name"]) for r in db["attendees"].rows}


def test_excel_windows_1252_keeps_accents(db, tmp_path):
    path = write(
        tmp_path,
        "Forename,Surname,E-mail,Academy\r\nZoë,O'Brien-Müller,zobm@c.sch.uk,Gamma\r\n",
        "cp1252",
    )
    report = import_csv(db, path)
    assert report.imported == 1
    assert ("Zoë", "O'Brien-Müller") in names(db)


def test_utf8_with_bom_keeps_vietnamese_name(db, tmp_path):
    path = write(
        tmp_path, "\ufeffGiven name;Family name;Email;Site\nNguyễn Thị;Hồng;hong@c.sch.uk;Gamma\n"
    )
    report = import_csv(db, path)
    assert report.imported == 1
    row = next(db["attendees"].rows_where("email = ?", ["hong@c.sch.uk"]))
    assert (row["first_name"], row["last_name"], row["school"]) == ("Nguyễn Thị", "Hồng", "Gamma")


def test_reimport_updates_and_never_duplicates(db, tmp_path):
    count = db["attendees"].count
    path = write(
        tmp_path,
        "Staff ID,First Name,Last Name,Email,School,Role\nS1,Ada,King,ada@a.sch.uk,Alpha School,Head\nS9,New,Person,new@a.sch.uk,Alpha School,Teacher\n",
    )
    report = import_csv(db, path)
    assert (report.imported, report.updated) == (1, 1)
    assert db["attendees"].count == count + 1
    ada = next(db["attendees"].rows_where("staff_id = 'S1'"))
    assert (ada["last_name"], ada["role"]) == ("King", "Head")
    again = import_csv(db, path)
    assert (again.imported, again.updated, again.unchanged) == (0, 0, 2)


def test_badges_are_unique_and_kept(db, tmp_path):
    badges = {r["id"]: r["badge"] for r in db["attendees"].rows}
    assert len(set(badges.values())) == len(badges)
    import_csv(db, write(tmp_path, "Staff ID,First Name,Surname\nS1,Ada,Lovelace\n"))
    assert {r["id"]: r["badge"] for r in db["attendees"].rows} == badges


def test_same_name_at_different_schools_are_two_people(db):
    rows = list(db["attendees"].rows_where("first_name = 'Sarah' AND last_name = 'Khan'"))
    assert {r["school"] for r in rows} == {"Alpha School", "Beta School"}


def test_rejected_rows_have_line_numbers_and_reasons(db, tmp_path):
    path = write(
        tmp_path,
        "First name,Surname,Email,Choice 1\n"
        "Good,Row,good@x.sch.uk,Oracy\n"
        ",Nofirst,nofirst@x.sch.uk,\n"
        "Bad,Email,not-an-email,\n"
        "Bad,Choice,bc@x.sch.uk,Underwater Basket Weaving\n"
        "Twice,Listed,good@x.sch.uk,\n",
    )
    report = import_csv(db, path)
    assert report.imported == 1
    assert report.rejected == [
        (3, "no first name"),
        (4, "not an email address: 'not-an-email'"),
        (5, "choice 1: no session with code or title 'Underwater Basket Weaving'"),
        (6, "same person as line 2 (good@x.sch.uk)"),
    ]


def test_dry_run_changes_nothing(db, tmp_path):
    before = (db["attendees"].count, db["log"].count, db["preferences"].count)
    path = write(tmp_path, "First name,Surname,Choice 1\nDry,Run,Oracy\n")
    report = import_csv(db, path, dry_run=True)
    assert report.imported == 1 and report.dry_run
    assert (db["attendees"].count, db["log"].count, db["preferences"].count) == before


def test_choices_by_title_or_code_and_in_a_second_file(db, tmp_path):
    code = db.execute("SELECT code FROM sessions WHERE title = 'Oracy'").fetchone()[0]
    path = write(
        tmp_path,
        f"Staff ID,Preference 1,2nd choice\nS1,{code.lower()},Wellbeing\n",
        name="prefs.csv",
    )
    report = import_csv(db, path)
    assert report.rejected == [] and report.updated == 1
    prefs = db.execute(
        "SELECT p.rank, s.title FROM preferences p JOIN sessions s ON s.id = p.session_id"
        " JOIN attendees a ON a.id = p.attendee_id WHERE a.staff_id = 'S1' ORDER BY p.rank"
    ).fetchall()
    assert [tuple(p) for p in prefs] == [(1, "Oracy"), (2, "Wellbeing")]


def test_map_overrides_header(db, tmp_path):
    path = write(tmp_path, "Known As,Surname\nBeth,Jones\n")
    report = import_csv(db, path, overrides={"Known As": "first_name"})
    assert report.imported == 1 and ("Beth", "Jones") in names(db)


def test_full_name_column_is_split(db, tmp_path):
    import_csv(
        db,
        write(tmp_path, 'Name,Email\n"Müller, Jürgen",jm@x.sch.uk\nMary Anne Smith,mas@x.sch.uk\n'),
    )
    assert {("Jürgen", "Müller"), ("Mary Anne", "Smith")} <= names(db)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("Email,School\nx@y.sch.uk,A\n", "no name column found"),
        ("First name,Email\nA,a@b.sch.uk\n", "no surname column"),
        ("", "empty file"),
    ],
)
def test_unusable_files_change_nothing(db, tmp_path, text, message):
    before = db["attendees"].count
    with pytest.raises(ImportError_, match=message):
        import_csv(db, write(tmp_path, text))
    assert db["attendees"].count == before


def test_unknown_map_column(db, tmp_path):
    with pytest.raises(ImportError_, match="no column 'Nope'"):
        import_csv(
            db, write(tmp_path, "First name,Surname\nA,B\n"), overrides={"Nope": "first_name"}
        )


def test_import_logs_each_person_it_adds(small_db, tmp_path):
    db = database.connect(small_db)
    path = write(tmp_path, "First name,Surname\n" + "".join(f"P{i},Q{i}\n" for i in range(200)))
    before = db["log"].count
    import_csv(db, path)
    assert db["log"].count == before + 200
