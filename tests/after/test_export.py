"""CSV export: one file per table and view, UTF-8 with BOM, formulas kept as text."""

from __future__ import annotations

import csv

from bigconv.data import store
from bigconv.data.export import export_csv, exportable
from tests.after.day import HOSTILE
from tests.conftest import run_cli


def read(path) -> list[dict]:
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # the BOM Excel needs to read UTF-8
    with path.open(encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))


def test_every_table_and_view_exported(day_db, tmp_path):
    db = store.connect(day_db)
    try:
        done = export_csv(db, tmp_path / "out")
        names = {item.name for item in done}
        log_rows = db.execute("SELECT count(*) FROM log").fetchone()[0]
    finally:
        db.close()
    assert {"log", "checkins", "attendance", "feedback", "reactions", "attendees"} <= names
    assert {p.stem for p in (tmp_path / "out").glob("*.csv")} == names
    assert len(read(tmp_path / "out" / "log.csv")) == log_rows
    assert len(read(tmp_path / "out" / "checkins.csv")) == 4
    assert len(read(tmp_path / "out" / "attendance.csv")) == 4


def test_accents_and_hostile_text_survive(day_db, tmp_path):
    db = store.connect(day_db)
    export_csv(db, tmp_path)
    db.close()
    people = read(tmp_path / "attendees.csv")
    assert "O'Brien-Müller" in {p["last_name"] for p in people}
    assert "[bold]Bob[/]" in {p["last_name"] for p in people}
    comments = {f["comment"] for f in read(tmp_path / "feedback.csv")}
    assert HOSTILE in comments


def test_formula_cells_are_kept_as_text(day_db, tmp_path):
    db = store.connect(day_db)
    with store.immediate(db):
        db.execute(
            "INSERT INTO feedback (session_id, rating, comment, at, device)"
            " VALUES (2, -1 + 5, '=HYPERLINK(\"http://x\")', ?, 'evil')",
            [store.iso()],
        )
    export_csv(db, tmp_path / "safe")
    export_csv(db, tmp_path / "raw", raw=True)
    db.close()
    safe = read(tmp_path / "safe" / "feedback.csv")[-1]
    raw = read(tmp_path / "raw" / "feedback.csv")[-1]
    assert safe["comment"] == '\'=HYPERLINK("http://x")'
    assert raw["comment"] == '=HYPERLINK("http://x")'
    assert safe["rating"] == "4"


def test_full_text_indexes_are_left_out(db):
    db["attendees"].enable_fts(["first_name", "last_name"])
    names = exportable(db)
    assert "attendees" in names
    assert not [n for n in names if n.startswith("attendees_fts")]


def test_cli_export(day_db, small_event, tmp_path):
    done = run_cli("export", small_event, "--out", tmp_path / "csv")
    assert done.returncode == 0, done.stderr
    assert "log.csv" in done.stdout
    assert (tmp_path / "csv" / "attendance.csv").exists()


def test_cli_export_without_database_exits_2(small_event, tmp_path):
    done = run_cli("export", small_event, "--out", tmp_path / "csv")
    assert done.returncode == 2
    assert "no database yet" in done.stderr
    assert not (tmp_path / "small.db").exists()
