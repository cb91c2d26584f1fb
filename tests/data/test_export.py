"""CSV export: one file per table and view, UTF-8 with BOM, formulas kept as text."""

from __future__ import annotations

import csv
import datetime as dt

from bigconv.core.clock import iso
from bigconv.data import database, writekeys
from bigconv.data.export import export_csv, exportable
from tests.helpers.day import HOSTILE
from tests.helpers.processes import run_cli


def read(path) -> list[dict]:
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # the BOM Excel needs to read UTF-8
    with path.open(encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))


def test_every_table_and_view_exported(day_db, tmp_path):
    db = database.connect(day_db)
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
    db = database.connect(day_db)
    export_csv(db, tmp_path)
    db.close()
    people = read(tmp_path / "attendees.csv")
    assert "O'Brien-Müller" in {p["last_name"] for p in people}
    assert "[bold]Bob[/]" in {p["last_name"] for p in people}
    comments = {f["comment"] for f in read(tmp_path / "feedback.csv")}
    assert HOSTILE in comments


def test_formula_cells_are_kept_as_text(day_db, tmp_path):
    db = database.connect(day_db)
    with database.immediate(db):
        db.execute(
            "INSERT INTO feedback (session_id, rating, comment, at, device)"
            " VALUES (2, -1 + 5, '=HYPERLINK(\"http://x\")', ?, 'evil')",
            [iso()],
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


def test_cli_export_leaves_out_write_keys_and_secret_meta(day_db, small_event, tmp_path):
    """CSVs get shared: no file holds the phones' idempotency keys (the `write_keys` table,
    device ids beside keys), the staff passcode or a secret, though the file keeps them."""
    db = database.connect(day_db)
    key, request = "k3yOnlyInWriteKeys-9", writekeys.request_digest("export-test")
    at = dt.datetime.now(dt.UTC)
    writekeys.once(db, "phoneOnlyInWriteKeys01", key, request, lambda conn: 1, at=at)
    secrets = [v for (v,) in db.execute("SELECT value FROM meta WHERE key LIKE '%secret%'")]
    db.close()
    done = run_cli("export", small_event, "--out", tmp_path / "csv")
    assert done.returncode == 0, done.stderr
    files = {p.name: p.read_text(encoding="utf-8-sig") for p in (tmp_path / "csv").glob("*.csv")}
    assert "meta.csv" in files and "log.csv" in files
    assert "write_keys.csv" not in files and "write_keys" not in done.stdout
    leaked = [
        name
        for name, text in files.items()
        for value in (key, request, "phoneOnlyInWriteKeys01", *secrets)
        if value in text
    ]
    assert secrets and leaked == []
    db = database.connect(day_db)
    assert db.execute("SELECT count(*) FROM write_keys").fetchone() == (1,)  # kept in the file
    db.close()


def test_cli_export_without_database_exits_2(small_event, tmp_path):
    done = run_cli("export", small_event, "--out", tmp_path / "csv")
    assert done.returncode == 2
    assert "no database yet" in done.stderr
    assert not (tmp_path / "small.db").exists()


def test_each_csv_names_people_and_sessions_beside_their_ids(day_db, tmp_path):
    """What an organiser opening the files in Excel needs: names, schools, titles and local
    times beside the ids (which stay, for scripts)."""
    db = database.connect(day_db)
    export_csv(db, tmp_path)
    db.close()
    for name in ("checkins", "checkin_records", "attendance", "attendance_records", "log"):
        rows = read(tmp_path / f"{name}.csv")
        assert "attendee_id" in rows[0], name
        names = {r["attendee_name"] for r in rows}
        assert "Ada Lovelace" in names, name
        assert "Alpha School" in {r["attendee_school"] for r in rows}, name
        assert all(r["at_local"] for r in rows), name
    ada = next(r for r in read(tmp_path / "attendance.csv") if r["attendee_name"] == "Ada Lovelace")
    assert (ada["session_title"], ada["session_room"]) == ("Phonics", "Room A")
    assert ada["at_local"] == "2026-11-27 10:02:00"  # November: London is on UTC
    assert ada["session_id"] and ada["attendee_id"]  # the ids stay
    for name in ("feedback", "reactions", "allocations", "attendance"):
        titles = {r["session_title"] for r in read(tmp_path / f"{name}.csv")}
        assert "Phonics" in titles, name
    alloc = read(tmp_path / "allocations.csv")
    assert "Zoë O'Brien-Müller" in {r["attendee_name"] for r in alloc}
    sessions = read(tmp_path / "sessions.csv")
    assert {"Room A", "Hall"} <= {r["room_name"] for r in sessions}


def test_local_times_follow_the_event_time_zone(day_db, tmp_path):
    import zoneinfo

    db = database.connect(day_db)
    export_csv(db, tmp_path, tz=zoneinfo.ZoneInfo("Asia/Tokyo"))
    db.close()
    ada = next(r for r in read(tmp_path / "attendance.csv") if r["attendee_name"] == "Ada Lovelace")
    assert ada["at_local"] == "2026-11-27 19:02:00"
