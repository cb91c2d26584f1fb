"""The schema: steps in plain order, `schema.sql` up to date, and a file written by an older
bigconv (main as it was on 2026-12-07, before the reshaping) opens and upgrades."""

from __future__ import annotations

import shutil
from pathlib import Path

from bigconv.data import backup, database
from bigconv.data.schema import SCHEMA_SQL, current_schema, migrations

OLD_DAY = Path(__file__).with_name("files") / "day-d0c39e8.db"


def shape(db) -> set[tuple[str, str]]:
    rows = db.execute(
        "SELECT name, sql FROM sqlite_master WHERE sql IS NOT NULL AND name NOT LIKE 'sqlite_%'"
    )
    return {(name, " ".join(sql.split())) for name, sql in rows}


def test_schema_sql_is_what_the_steps_build():
    assert SCHEMA_SQL.read_text(encoding="utf-8") == current_schema(), (
        "bigconv/data/schema.sql is stale: run python -m bigconv.data.schema"
    )


def test_steps_read_in_the_order_they_run_and_keep_their_recorded_names():
    functions = [m.fn.__name__ for m in migrations._migrations]
    assert functions == [f"step{i:02d}_{f.split('_', 1)[1]}" for i, f in enumerate(functions, 1)]
    recorded = [m.name for m in migrations._migrations]
    assert recorded[:3] == [
        "m001_initial",
        "m002_attendees_version",
        "m002_web_reaction_cooldown_index",
    ]
    assert len(set(recorded)) == len(recorded)


def test_a_file_from_an_older_bigconv_opens_and_upgrades(tmp_path):
    old = tmp_path / "day.db"
    shutil.copyfile(OLD_DAY, old)
    db = database.connect(old)  # applies the steps the old file lacks
    try:
        assert db.execute("SELECT count(*) FROM checkins").fetchone()[0] == 3
        assert db.execute("SELECT count(*) FROM reactions").fetchone()[0] == 3
        assert db.execute("SELECT rating, next_step FROM feedback").fetchall() == [
            (4, "Try think-pair-share")
        ]
        fresh = database.connect(tmp_path / "fresh.db")
        try:
            assert shape(db) == shape(fresh)  # the same tables, indexes, views, triggers
        finally:
            fresh.close()
        assert not migrations.pending(db)
    finally:
        db.close()
    assert backup.check(old) == "ok"
