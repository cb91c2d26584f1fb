"""What `bigconv export` writes: what organisers need, never a table kept for bigconv's own
workings (schema steps, per-phone and per-minute tallies, logins, retry keys, which phone
opened whose link)."""

from __future__ import annotations

import csv

from bigconv.data import database
from bigconv.data.export import EXPORTED, INTERNAL
from bigconv.data.feedback import record_feedback
from bigconv.data.reactions import record_reaction
from tests.helpers.day import at
from tests.helpers.followup_day import fill_commitments
from tests.helpers.processes import run_cli


def test_export_writes_what_organisers_need_and_no_internal_table(small_event, small_db, tmp_path):
    done = run_cli("export", small_event, "--out", tmp_path / "csv")
    assert done.returncode == 0, done.stderr
    written = {p.stem for p in (tmp_path / "csv").glob("*.csv")}
    # The README's promise: these, the full log, and the rest.
    assert {"attendees", "sessions", "checkins", "attendance", "reactions", "feedback"} <= written
    assert {"log", "meta", "allocations", "checkin_records", "attendance_records"} <= written
    internal = {"_sqlite_migrations", "reaction_devices", "reaction_minute_devices"}
    internal |= {"reaction_minutes", "write_keys", "staff_sessions", "link_devices"}
    assert written & internal == set()
    assert not [p for p in (tmp_path / "csv").iterdir() if p.name.startswith(".")]


def test_every_table_is_exported_or_named_internal(db):
    """A new table is a decision: organisers get it (EXPORTED) or it stays inside (INTERNAL,
    with the reason)."""
    names = set(db.table_names()) | set(db.view_names())
    assert names == EXPORTED | set(INTERNAL)
    assert not EXPORTED & set(INTERNAL)
    assert all(reason.strip() for reason in INTERNAL.values())


def read(path) -> list[dict]:
    with path.open(encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))


def test_named_commitments_cannot_name_anonymous_feedback(small_event, small_db, tmp_path):
    """Ada named her commitment from her phone (d1) and rated the session from it too: the
    export keeps each phone's rows together within a file, but no file's phone codes match
    another's, so commitments.csv (named) cannot be joined to feedback.csv (anonymous)."""
    db = database.connect(small_db)
    ids = fill_commitments(db)
    phonics = ids["sessions"]["Phonics/Morning"]
    for rating in (3, 5):
        record_feedback(db, phonics, "d1", rating=rating, comment="too fast", at=at(11, 0))
    record_reaction(db, phonics, "useful", "d1", at=at(10, 30))
    db.close()
    done = run_cli("export", small_event, "--out", tmp_path / "csv")
    assert done.returncode == 0, done.stderr
    named = [r for r in read(tmp_path / "csv" / "commitments.csv") if r["attendee_id"]]
    feedback = read(tmp_path / "csv" / "feedback.csv")
    reactions = read(tmp_path / "csv" / "reactions.csv")
    adas = [r for r in feedback if r["comment"] == "too fast"]
    assert named and len(adas) == 2 and reactions
    assert adas[0]["device"] == adas[1]["device"]  # one phone, within a file
    codes = {
        "commitments": {r["device"] for r in named},
        "feedback": {r["device"] for r in feedback},
        "reactions": {r["device"] for r in reactions},
    }
    assert not codes["commitments"] & codes["feedback"]
    assert not codes["commitments"] & codes["reactions"]
    assert "d1" not in codes["feedback"] | codes["commitments"] | codes["reactions"]
