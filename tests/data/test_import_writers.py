"""A large import and the other writers of the day (bigconv/data/attendees.py): the rows are
matched before the write lock is taken and written in short transactions, so another
connection's write gets in between them; a walk-in registered meanwhile is not duplicated; and
an import stopped half-way by the machine says so and finishes when run again.

Deterministic, no timings: the other connection acts from the import connection's own trace
callback (SQLite calls it as each of the import's statements starts), with a busy timeout of 0,
so it either gets the write lock at that moment or is refused at once."""

from __future__ import annotations

import sqlite3

import pytest

from bigconv.core.errors import StoreError
from bigconv.data import attendees, database
from bigconv.data.desk import register_walk_in

ROWS = attendees.BATCH_ROWS * 3 + 7


def staff_file(tmp_path, rows: int = ROWS):
    path = tmp_path / "big.csv"
    lines = ["Staff ID,Forename,Surname,Email,School"]
    lines += [f"T{i:05d},Pat{i},Lee{i},pat{i}@big.sch.uk,Big School" for i in range(rows)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def two(small_db):
    """The importing connection and another one that never waits for a lock."""
    db, other = database.connect(small_db), database.connect(small_db)
    database.set_busy_timeout(other, 0)
    yield db, other
    db.conn.set_trace_callback(None)
    db.close()
    other.close()


def imported_so_far(other) -> int:
    return other.execute(
        "SELECT count(*) FROM attendees WHERE email LIKE '%@big.sch.uk'"
    ).fetchone()[0]


def test_another_writer_gets_in_while_a_large_import_runs(two, tmp_path):
    db, other = two
    got_in: list[int] = []  # how many of the file's people were in when the other wrote
    refused = 0

    def other_writes(statement: str) -> None:
        nonlocal refused
        try:
            with database.immediate(other):
                other.execute(
                    "INSERT INTO log (at, station, action) VALUES ('2026-01-01', 'Desk', 'probe')"
                )
                got_in.append(imported_so_far(other))
        except sqlite3.OperationalError:  # locked: the import holds the write lock now
            refused += 1

    db.conn.set_trace_callback(other_writes)
    report = attendees.import_csv(db, staff_file(tmp_path))
    db.conn.set_trace_callback(None)
    assert report.imported == ROWS
    during = sorted({n for n in got_in if 0 < n < ROWS})
    # Between every two batches, not only before or after the whole file.
    assert during == list(range(attendees.BATCH_ROWS, ROWS, attendees.BATCH_ROWS))
    assert refused > 0  # the batches themselves do hold the lock
    assert imported_so_far(other) == ROWS


def test_a_walk_in_registered_during_the_import_is_not_imported_again(two, tmp_path):
    db, other = two
    last = ROWS - 1
    walked_in: list[int] = []

    def desk_registers(statement: str) -> None:
        if walked_in or not 0 < imported_so_far(other) < ROWS:
            return
        try:
            attendee_id, _ = register_walk_in(
                other, first_name=f"Pat{last}", last_name=f"Lee{last}",
                email=f"PAT{last}@big.sch.uk", station="Desk 1",
            )  # fmt: skip
        except sqlite3.OperationalError:
            return  # a batch holds the lock: the desk tries again at the next statement
        walked_in.append(attendee_id)

    db.conn.set_trace_callback(desk_registers)
    report = attendees.import_csv(db, staff_file(tmp_path))
    db.conn.set_trace_callback(None)
    assert len(walked_in) == 1
    assert (report.imported, report.updated, report.rejected) == (ROWS - 1, 1, [])
    (row,) = db["attendees"].rows_where("lower(email) = ?", [f"pat{last}@big.sch.uk"])
    assert (row["id"], row["staff_id"], row["school"]) == (
        walked_in[0],
        f"T{last:05d}",
        "Big School",
    )
    assert imported_so_far(db) == ROWS


def test_an_import_stopped_half_way_says_so_and_finishes_when_run_again(two, tmp_path):
    db, other = two
    database.set_busy_timeout(db, 0)
    path = staff_file(tmp_path)
    held = False

    def other_holds_the_lock(statement: str) -> None:
        nonlocal held
        if not held and statement.startswith("BEGIN IMMEDIATE") and imported_so_far(other) > 0:
            other.conn.execute("BEGIN IMMEDIATE")  # and keeps it: the import cannot go on
            held = True

    db.conn.set_trace_callback(other_holds_the_lock)
    with pytest.raises(StoreError) as stopped:
        attendees.import_csv(db, path)
    db.conn.set_trace_callback(None)
    other.conn.execute("ROLLBACK")
    n = attendees.BATCH_ROWS
    assert str(stopped.value).startswith(
        f"big.csv: stopped after {n} of {ROWS} rows were saved (the database is locked"
    )
    assert "import the same file again to finish" in str(stopped.value)
    assert imported_so_far(other) == n
    again = attendees.import_csv(db, path)
    assert (again.imported, again.unchanged) == (ROWS - n, n)
    assert imported_so_far(other) == ROWS
