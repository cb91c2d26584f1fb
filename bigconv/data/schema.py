"""Schema steps. Append new steps at the end; never edit one that has shipped."""

from __future__ import annotations

import sqlite3

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

migrations = Migrations("bigconv")


def run_sql(db: Database, script: str) -> None:
    """Run several statements inside the current transaction (executescript would commit)."""
    buffer = ""
    for line in script.splitlines(keepends=True):
        buffer += line
        if sqlite3.complete_statement(buffer):
            db.execute(buffer)
            buffer = ""
    if buffer.strip():
        raise ValueError(f"incomplete SQL statement: {buffer!r}")


@migrations()
def m001_initial(db: Database) -> None:
    run_sql(
        db,
        """
        CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT);
        CREATE TABLE rooms (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL UNIQUE,
            capacity INTEGER NOT NULL CHECK (capacity > 0),
            notes TEXT NOT NULL DEFAULT ''
        );
        CREATE TABLE slots (
            id INTEGER PRIMARY KEY,
            label TEXT NOT NULL UNIQUE,
            starts_at TEXT NOT NULL,
            ends_at TEXT NOT NULL,
            kind TEXT NOT NULL DEFAULT 'workshop'
        );
        CREATE TABLE sessions (
            id INTEGER PRIMARY KEY,
            code TEXT NOT NULL UNIQUE,
            title TEXT NOT NULL,
            room_id INTEGER NOT NULL REFERENCES rooms(id),
            slot_id INTEGER NOT NULL REFERENCES slots(id),
            capacity INTEGER CHECK (capacity IS NULL OR capacity > 0),
            description TEXT NOT NULL DEFAULT '',
            audience TEXT NOT NULL DEFAULT 'everyone',
            leads TEXT NOT NULL DEFAULT '',
            min_size INTEGER,
            position INTEGER NOT NULL DEFAULT 0
        );
        CREATE TABLE attendees (
            id INTEGER PRIMARY KEY,
            badge TEXT NOT NULL UNIQUE,
            first_name TEXT NOT NULL,
            last_name TEXT NOT NULL DEFAULT '',
            email TEXT NOT NULL DEFAULT '',
            school TEXT NOT NULL DEFAULT '',
            role TEXT NOT NULL DEFAULT '',
            staff_id TEXT,
            source TEXT NOT NULL DEFAULT 'import',
            created_at TEXT NOT NULL
        );
        CREATE INDEX attendees_email ON attendees(email);
        CREATE INDEX attendees_staff_id ON attendees(staff_id);
        CREATE TABLE session_leads (
            session_id INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
            attendee_id INTEGER NOT NULL REFERENCES attendees(id),
            PRIMARY KEY (session_id, attendee_id)
        );
        CREATE TABLE preferences (
            attendee_id INTEGER NOT NULL REFERENCES attendees(id),
            session_id INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
            rank INTEGER NOT NULL CHECK (rank >= 1),
            PRIMARY KEY (attendee_id, rank)
        );
        CREATE TABLE allocations (
            attendee_id INTEGER NOT NULL REFERENCES attendees(id),
            session_id INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
            at TEXT,
            source TEXT NOT NULL DEFAULT 'allocate',
            PRIMARY KEY (attendee_id, session_id)
        );
        CREATE INDEX allocations_session ON allocations(session_id);
        -- Check-ins and attendance are never deleted: undo stamps undone_at, and the
        -- `checkins` / `attendance` views show who is checked in / present now, one row each.
        CREATE TABLE checkin_records (
            id INTEGER PRIMARY KEY,
            attendee_id INTEGER NOT NULL REFERENCES attendees(id),
            at TEXT NOT NULL,
            station TEXT NOT NULL,
            via TEXT NOT NULL DEFAULT 'desk',
            undone_at TEXT,
            undone_by TEXT
        );
        CREATE UNIQUE INDEX checkin_records_current ON checkin_records(attendee_id) WHERE undone_at IS NULL;
        CREATE INDEX checkin_records_at ON checkin_records(at);
        CREATE VIEW checkins AS
            SELECT attendee_id, at, station, via FROM checkin_records WHERE undone_at IS NULL;
        CREATE TABLE attendance_records (
            id INTEGER PRIMARY KEY,
            session_id INTEGER NOT NULL REFERENCES sessions(id),
            attendee_id INTEGER NOT NULL REFERENCES attendees(id),
            at TEXT NOT NULL,
            station TEXT NOT NULL,
            override INTEGER NOT NULL DEFAULT 0,
            undone_at TEXT,
            undone_by TEXT
        );
        CREATE UNIQUE INDEX attendance_records_current
            ON attendance_records(session_id, attendee_id) WHERE undone_at IS NULL;
        CREATE INDEX attendance_records_attendee ON attendance_records(attendee_id);
        CREATE VIEW attendance AS
            SELECT session_id, attendee_id, at, station, override FROM attendance_records
            WHERE undone_at IS NULL;
        CREATE TABLE reaction_kinds (
            key TEXT PRIMARY KEY,
            emoji TEXT NOT NULL,
            label TEXT NOT NULL,
            negative INTEGER NOT NULL DEFAULT 0,
            position INTEGER NOT NULL DEFAULT 0
        );
        CREATE TABLE reactions (
            id INTEGER PRIMARY KEY,
            session_id INTEGER NOT NULL REFERENCES sessions(id),
            kind TEXT NOT NULL,
            at TEXT NOT NULL,
            device TEXT NOT NULL
        );
        CREATE INDEX reactions_session_at ON reactions(session_id, at);
        CREATE TABLE feedback (
            id INTEGER PRIMARY KEY,
            session_id INTEGER NOT NULL REFERENCES sessions(id),
            rating INTEGER CHECK (rating IS NULL OR rating BETWEEN 1 AND 5),
            next_step TEXT NOT NULL DEFAULT '',
            comment TEXT NOT NULL DEFAULT '',
            at TEXT NOT NULL,
            device TEXT NOT NULL,
            badge TEXT
        );
        CREATE INDEX feedback_session ON feedback(session_id, device, at);
        CREATE TABLE log (
            id INTEGER PRIMARY KEY,
            at TEXT NOT NULL,
            station TEXT NOT NULL,
            action TEXT NOT NULL,
            attendee_id INTEGER,
            session_id INTEGER,
            detail TEXT
        );
        CREATE INDEX log_at ON log(at);
        CREATE TRIGGER log_append_only_update BEFORE UPDATE ON log
            BEGIN SELECT RAISE(ABORT, 'the log is append-only'); END;
        CREATE TRIGGER log_append_only_delete BEFORE DELETE ON log
            BEGIN SELECT RAISE(ABORT, 'the log is append-only'); END;
        """,
    )


@migrations()
def m002_attendees_version(db: Database) -> None:
    """A counter every change to attendees bumps, so search indexes know when to rebuild."""
    run_sql(
        db,
        """
        INSERT OR IGNORE INTO meta (key, value) VALUES ('attendees_version', 0);
        CREATE TRIGGER attendees_version_insert AFTER INSERT ON attendees
            BEGIN UPDATE meta SET value = value + 1 WHERE key = 'attendees_version'; END;
        CREATE TRIGGER attendees_version_update AFTER UPDATE ON attendees
            BEGIN UPDATE meta SET value = value + 1 WHERE key = 'attendees_version'; END;
        CREATE TRIGGER attendees_version_delete AFTER DELETE ON attendees
            BEGIN UPDATE meta SET value = value + 1 WHERE key = 'attendees_version'; END;
        """,
    )


@migrations()
def m002_web_reaction_cooldown_index(db: Database) -> None:
    # The phone site checks a device's last tap of a kind before storing each reaction.
    run_sql(
        db,
        "CREATE INDEX IF NOT EXISTS reactions_device ON reactions(session_id, device, kind, at);",
    )


@migrations()
def m002_alloc_replaced(db: Database) -> None:
    """Allocation rows replaced by a new run of `bigconv allocate --replace`, kept, not lost."""
    run_sql(
        db,
        """
        CREATE TABLE allocations_replaced (
            attendee_id INTEGER NOT NULL,
            session_id INTEGER NOT NULL,
            at TEXT,
            source TEXT NOT NULL,
            replaced_at TEXT NOT NULL
        );
        """,
    )


@migrations()
def m003_checkin_log_trigger(db: Database) -> None:
    """Every check-in record writes its `checkin` log row inside SQLite, in the same transaction:
    one statement per check-in instead of two, and a record added by any tool is logged too."""
    run_sql(
        db,
        """
        CREATE TRIGGER checkin_records_log AFTER INSERT ON checkin_records
        BEGIN
            INSERT INTO log (at, station, action, attendee_id, detail)
            VALUES (NEW.at, NEW.station, 'checkin', NEW.attendee_id, json_object('via', NEW.via));
        END;
        """,
    )


@migrations()
def m004_lighter_checkin_writes(db: Database) -> None:
    """Drop two indexes no query needs at a day's scale (a scan of a few thousand rows takes
    microseconds): each check-in commit then writes fewer pages, about 20% faster."""
    run_sql(db, "DROP INDEX IF EXISTS checkin_records_at;\nDROP INDEX IF EXISTS log_at;")


@migrations()
def m006_staff_sessions(db: Database) -> None:
    """Browser logins to /staff, so a logout (or a new passcode) ends one on the server, not
    only in the browser; a row is ended, never deleted."""
    run_sql(
        db,
        """
        CREATE TABLE staff_sessions (
            id TEXT PRIMARY KEY,
            started_at TEXT NOT NULL,
            address TEXT NOT NULL,
            passcode_version TEXT NOT NULL,
            ended_at TEXT,
            ended_by TEXT
        );
        """,
    )
