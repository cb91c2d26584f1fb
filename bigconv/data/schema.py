"""Schema steps. Append new steps at the end; never edit one that has shipped.

The steps run in the order they are written here; their functions are numbered in that order
(`step01_...`). Each keeps the name recorded in the files it has already upgraded
(`@migrations(name="m008_followup")`), which is why those names are out of order: `m002`
three times, `m008` before `m007`. The schema they build today is in `schema.sql` beside this
file: `python -m bigconv.data.schema` writes it again, and a test fails when it is stale.

Over 400 lines because it is the schema's whole history: steps are appended, never edited.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

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


@migrations(name="m001_initial")
def step01_initial(db: Database) -> None:
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


@migrations(name="m002_attendees_version")
def step02_attendees_version(db: Database) -> None:
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


@migrations(name="m002_web_reaction_cooldown_index")
def step03_web_reaction_cooldown_index(db: Database) -> None:
    # The phone site checks a device's last tap of a kind before storing each reaction.
    run_sql(
        db,
        "CREATE INDEX IF NOT EXISTS reactions_device ON reactions(session_id, device, kind, at);",
    )


@migrations(name="m002_alloc_replaced")
def step04_alloc_replaced(db: Database) -> None:
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


@migrations(name="m003_checkin_log_trigger")
def step05_checkin_log_trigger(db: Database) -> None:
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


@migrations(name="m004_lighter_checkin_writes")
def step06_lighter_checkin_writes(db: Database) -> None:
    """Drop two indexes no query needs at a day's scale (a scan of a few thousand rows takes
    microseconds): each check-in commit then writes fewer pages, about 20% faster."""
    run_sql(db, "DROP INDEX IF EXISTS checkin_records_at;\nDROP INDEX IF EXISTS log_at;")


@migrations(name="m005_records_stay_right")
def step07_records_stay_right(db: Database) -> None:
    """One place per person per slot (a move stamps the first mark `moved_to`); choices and
    allocations that are replaced or removed are kept with when, why and which station."""
    run_sql(
        db,
        """
        ALTER TABLE attendance_records ADD COLUMN moved_to INTEGER;
        CREATE TRIGGER attendance_one_place_per_slot BEFORE INSERT ON attendance_records
        WHEN NEW.undone_at IS NULL AND EXISTS (
            SELECT 1 FROM attendance_records p JOIN sessions s ON s.id = p.session_id
            WHERE p.attendee_id = NEW.attendee_id AND p.undone_at IS NULL
              AND p.session_id != NEW.session_id
              AND s.slot_id = (SELECT slot_id FROM sessions WHERE id = NEW.session_id))
        BEGIN
            SELECT RAISE(ABORT, 'already present in another session of this slot');
        END;
        ALTER TABLE allocations_replaced ADD COLUMN reason TEXT;
        ALTER TABLE allocations_replaced ADD COLUMN station TEXT;
        CREATE TABLE preferences_replaced (
            attendee_id INTEGER NOT NULL,
            session_id INTEGER NOT NULL,
            rank INTEGER NOT NULL,
            replaced_at TEXT NOT NULL,
            reason TEXT NOT NULL,
            station TEXT NOT NULL
        );
        CREATE INDEX preferences_replaced_attendee ON preferences_replaced(attendee_id);
        """,
    )


@migrations(name="m006_staff_sessions")
def step08_staff_sessions(db: Database) -> None:
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


@migrations(name="m008_followup")
def step09_followup(db: Database) -> None:
    """The CPD loop: commitments made on the day, personal links, follow-up rounds and answers,
    and barriers marked addressed. Rows are never deleted: a later commitment or answer replaces
    an earlier one only in what is shown and counted; a link is revoked by stamping it."""
    run_sql(
        db,
        """
        CREATE TABLE commitments (
            id INTEGER PRIMARY KEY,
            session_id INTEGER NOT NULL REFERENCES sessions(id),
            attendee_id INTEGER REFERENCES attendees(id),
            try_text TEXT NOT NULL,
            when_where TEXT NOT NULL DEFAULT '',
            help TEXT NOT NULL DEFAULT '',
            at TEXT NOT NULL,
            device TEXT NOT NULL
        );
        CREATE INDEX commitments_session ON commitments(session_id, device, at);
        CREATE INDEX commitments_attendee ON commitments(attendee_id);
        CREATE TABLE followup_rounds (
            id INTEGER PRIMARY KEY,
            label TEXT NOT NULL UNIQUE,
            created_at TEXT NOT NULL,
            closes_at TEXT NOT NULL,
            station TEXT NOT NULL
        );
        CREATE TABLE personal_links (
            id INTEGER PRIMARY KEY,
            token_hash TEXT NOT NULL UNIQUE,
            attendee_id INTEGER NOT NULL REFERENCES attendees(id),
            purpose TEXT NOT NULL CHECK (purpose IN ('day', 'followup')),
            round_id INTEGER REFERENCES followup_rounds(id),
            created_at TEXT NOT NULL,
            expires_at TEXT NOT NULL,
            revoked_at TEXT
        );
        CREATE INDEX personal_links_attendee ON personal_links(attendee_id, purpose);
        CREATE TABLE link_devices (
            link_id INTEGER NOT NULL REFERENCES personal_links(id),
            device TEXT NOT NULL,
            at TEXT NOT NULL,
            PRIMARY KEY (link_id, device)
        );
        CREATE TABLE followup_answers (
            id INTEGER PRIMARY KEY,
            round_id INTEGER NOT NULL REFERENCES followup_rounds(id),
            commitment_id INTEGER NOT NULL REFERENCES commitments(id),
            link_id INTEGER NOT NULL REFERENCES personal_links(id),
            tried TEXT NOT NULL CHECK (tried IN ('yes', 'partly', 'not_yet')),
            happened TEXT NOT NULL DEFAULT '',
            obstacles TEXT NOT NULL DEFAULT '',
            support TEXT NOT NULL DEFAULT '',
            at TEXT NOT NULL
        );
        CREATE INDEX followup_answers_commitment ON followup_answers(round_id, commitment_id, at);
        CREATE TABLE barriers_addressed (
            id INTEGER PRIMARY KEY,
            answer_id INTEGER NOT NULL REFERENCES followup_answers(id),
            at TEXT NOT NULL,
            station TEXT NOT NULL,
            note TEXT NOT NULL DEFAULT ''
        );
        """,
    )


@migrations(name="m008_link_devices_device")
def step10_link_devices_device(db: Database) -> None:
    """Feedback is attributed to groups by device: look a device's personal link up by index
    (the report's feedback cuts went from about 90 ms to 20 ms on the sample day)."""
    run_sql(db, "CREATE INDEX IF NOT EXISTS link_devices_device ON link_devices(device);")


@migrations(name="m007_reaction_tallies")
def step11_reaction_tallies(db: Database) -> None:
    """Reaction counts kept by triggers as they arrive, so a station's figures cost the same at
    the day's 50,000th reaction as at its first: totals per session and kind, counts per clock
    minute (for the per-minute charts), and an index for the last ten minutes' counts."""
    run_sql(
        db,
        """
        CREATE TABLE reaction_totals (
            session_id INTEGER NOT NULL,
            kind TEXT NOT NULL,
            n INTEGER NOT NULL,
            PRIMARY KEY (session_id, kind)
        ) WITHOUT ROWID;
        CREATE TABLE reaction_minutes (
            minute TEXT NOT NULL,
            session_id INTEGER NOT NULL,
            kind TEXT NOT NULL,
            n INTEGER NOT NULL,
            PRIMARY KEY (minute, session_id, kind)
        ) WITHOUT ROWID;
        CREATE INDEX reaction_minutes_session ON reaction_minutes(session_id, minute);
        CREATE INDEX reactions_at ON reactions(at, session_id, kind);
        INSERT INTO reaction_totals (session_id, kind, n)
            SELECT session_id, kind, count(*) FROM reactions GROUP BY session_id, kind;
        INSERT INTO reaction_minutes (minute, session_id, kind, n)
            SELECT substr(at, 1, 16), session_id, kind, count(*) FROM reactions
            GROUP BY substr(at, 1, 16), session_id, kind;
        CREATE TRIGGER reactions_tally_insert AFTER INSERT ON reactions
        BEGIN
            INSERT INTO reaction_totals (session_id, kind, n) VALUES (NEW.session_id, NEW.kind, 1)
                ON CONFLICT (session_id, kind) DO UPDATE SET n = n + 1;
            INSERT INTO reaction_minutes (minute, session_id, kind, n)
                VALUES (substr(NEW.at, 1, 16), NEW.session_id, NEW.kind, 1)
                ON CONFLICT (minute, session_id, kind) DO UPDATE SET n = n + 1;
        END;
        CREATE TRIGGER reactions_tally_delete AFTER DELETE ON reactions
        BEGIN
            UPDATE reaction_totals SET n = n - 1
                WHERE session_id = OLD.session_id AND kind = OLD.kind;
            UPDATE reaction_minutes SET n = n - 1
                WHERE minute = substr(OLD.at, 1, 16) AND session_id = OLD.session_id
                AND kind = OLD.kind;
        END;
        CREATE TRIGGER reactions_tally_update AFTER UPDATE OF session_id, kind, at ON reactions
        BEGIN
            UPDATE reaction_totals SET n = n - 1
                WHERE session_id = OLD.session_id AND kind = OLD.kind;
            UPDATE reaction_minutes SET n = n - 1
                WHERE minute = substr(OLD.at, 1, 16) AND session_id = OLD.session_id
                AND kind = OLD.kind;
            INSERT INTO reaction_totals (session_id, kind, n) VALUES (NEW.session_id, NEW.kind, 1)
                ON CONFLICT (session_id, kind) DO UPDATE SET n = n + 1;
            INSERT INTO reaction_minutes (minute, session_id, kind, n)
                VALUES (substr(NEW.at, 1, 16), NEW.session_id, NEW.kind, 1)
                ON CONFLICT (minute, session_id, kind) DO UPDATE SET n = n + 1;
        END;
        """,
    )


# What the delete and update triggers of m009 do with the old row: the phone stops counting
# where it has no tap left (and in that minute), and its first tap moves to the earliest left.
FORGET_OLD_TAP = """            DELETE FROM reaction_devices
                WHERE session_id = OLD.session_id AND kind = OLD.kind AND device = OLD.device
                AND NOT EXISTS (SELECT 1 FROM reactions WHERE session_id = OLD.session_id
                                AND device = OLD.device AND kind = OLD.kind);
            UPDATE reaction_devices SET at = (
                    SELECT min(at) FROM reactions WHERE session_id = OLD.session_id
                    AND device = OLD.device AND kind = OLD.kind)
                WHERE session_id = OLD.session_id AND kind = OLD.kind AND device = OLD.device
                AND at = OLD.at;
            DELETE FROM reaction_minute_devices
                WHERE minute = substr(OLD.at, 1, 16) AND session_id = OLD.session_id
                AND kind = OLD.kind AND device = OLD.device
                AND NOT EXISTS (SELECT 1 FROM reactions WHERE session_id = OLD.session_id
                                AND device = OLD.device AND kind = OLD.kind
                                AND at >= substr(OLD.at, 1, 16)
                                AND at < substr(OLD.at, 1, 16) || '~');
"""


# ... and with the new row (a tap, or a changed one): the phone's first tap of the kind in the
# session, and its tap in that minute.
REMEMBER_NEW_TAP = """            INSERT INTO reaction_devices (session_id, kind, device, at)
                VALUES (NEW.session_id, NEW.kind, NEW.device, NEW.at)
                ON CONFLICT (session_id, kind, device) DO UPDATE SET at = excluded.at
                WHERE excluded.at < at;
            INSERT OR IGNORE INTO reaction_minute_devices (minute, session_id, kind, device)
                VALUES (substr(NEW.at, 1, 16), NEW.session_id, NEW.kind, NEW.device);
"""


@migrations(name="m009_reaction_devices")
def step12_reaction_devices(db: Database) -> None:
    """Each phone counts once: the first tap per session, kind and device (and per clock minute),
    kept by triggers, and a `devices` count beside the taps (`n`) in `reaction_totals` and
    `reaction_minutes`. Every tap stays in `reactions`; filled from the rows already there."""
    run_sql(
        db,
        f"""
        CREATE TABLE reaction_devices (
            session_id INTEGER NOT NULL,
            kind TEXT NOT NULL,
            device TEXT NOT NULL,
            at TEXT NOT NULL,
            PRIMARY KEY (session_id, kind, device)
        ) WITHOUT ROWID;
        CREATE TABLE reaction_minute_devices (
            minute TEXT NOT NULL,
            session_id INTEGER NOT NULL,
            kind TEXT NOT NULL,
            device TEXT NOT NULL,
            PRIMARY KEY (minute, session_id, kind, device)
        ) WITHOUT ROWID;
        ALTER TABLE reaction_totals ADD COLUMN devices INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE reaction_minutes ADD COLUMN devices INTEGER NOT NULL DEFAULT 0;
        -- The last ten minutes' phones are read from this index alone (device added).
        DROP INDEX IF EXISTS reactions_at;
        CREATE INDEX reactions_at ON reactions(at, session_id, kind, device);
        INSERT INTO reaction_devices (session_id, kind, device, at)
            SELECT session_id, kind, device, min(at) FROM reactions
            GROUP BY session_id, kind, device;
        INSERT INTO reaction_minute_devices (minute, session_id, kind, device)
            SELECT DISTINCT substr(at, 1, 16), session_id, kind, device FROM reactions;
        UPDATE reaction_totals SET devices = (
            SELECT count(*) FROM reaction_devices d
            WHERE d.session_id = reaction_totals.session_id AND d.kind = reaction_totals.kind);
        UPDATE reaction_minutes SET devices = (
            SELECT count(*) FROM reaction_minute_devices d
            WHERE d.minute = reaction_minutes.minute AND d.session_id = reaction_minutes.session_id
              AND d.kind = reaction_minutes.kind);
        -- A tap: at most one new row in each device table (the cooldown index answers the
        -- check); only a phone's first tap of a kind (in a session, in a minute) adds a device.
        CREATE TRIGGER reactions_devices_insert AFTER INSERT ON reactions
        BEGIN
{REMEMBER_NEW_TAP}        END;
        CREATE TRIGGER reaction_devices_count_insert AFTER INSERT ON reaction_devices
        BEGIN
            INSERT INTO reaction_totals (session_id, kind, n, devices)
                VALUES (NEW.session_id, NEW.kind, 0, 1)
                ON CONFLICT (session_id, kind) DO UPDATE SET devices = devices + 1;
        END;
        CREATE TRIGGER reaction_devices_count_delete AFTER DELETE ON reaction_devices
        BEGIN
            UPDATE reaction_totals SET devices = devices - 1
                WHERE session_id = OLD.session_id AND kind = OLD.kind;
        END;
        CREATE TRIGGER reaction_minute_devices_count_insert AFTER INSERT ON reaction_minute_devices
        BEGIN
            INSERT INTO reaction_minutes (minute, session_id, kind, n, devices)
                VALUES (NEW.minute, NEW.session_id, NEW.kind, 0, 1)
                ON CONFLICT (minute, session_id, kind) DO UPDATE SET devices = devices + 1;
        END;
        CREATE TRIGGER reaction_minute_devices_count_delete AFTER DELETE ON reaction_minute_devices
        BEGIN
            UPDATE reaction_minutes SET devices = devices - 1
                WHERE minute = OLD.minute AND session_id = OLD.session_id AND kind = OLD.kind;
        END;
        -- Deleting taps (an organiser discounting a flood) or changing one: a phone stops
        -- counting where it has no tap left; its first tap moves to the earliest one left.
        CREATE TRIGGER reactions_devices_delete AFTER DELETE ON reactions
        BEGIN
{FORGET_OLD_TAP}        END;
        CREATE TRIGGER reactions_devices_update AFTER UPDATE OF session_id, kind, at, device
            ON reactions
        BEGIN
{FORGET_OLD_TAP}{REMEMBER_NEW_TAP}        END;
        """,
    )


@migrations(name="m010_write_keys")
def step13_write_keys(db: Database) -> None:
    """Idempotent retries: the first answer to each (device, key, request) a phone sent, kept a
    day (bigconv/data/writekeys.py). Self-contained: one new table and its index."""
    run_sql(
        db,
        """
        CREATE TABLE write_keys (
            id INTEGER PRIMARY KEY,
            device TEXT NOT NULL,
            key TEXT NOT NULL,
            request TEXT NOT NULL,
            result TEXT NOT NULL,
            at TEXT NOT NULL,
            UNIQUE (device, key, request)
        );
        CREATE INDEX write_keys_at ON write_keys(at);
        """,
    )


@migrations(name="m011_places_expected")
def step14_places_expected(db: Database) -> None:
    """The one rule for whom a session still expects: an allocation stands unless its person
    is present in another session of the same slot (they went there: a walk-in sent to a room
    that changed their mind, someone moved by a host). Such a person is no no-show in the first
    room, not "still missing" there, and their seat there is free again. The allocation row
    itself is kept, as everything is."""
    run_sql(
        db,
        """
        CREATE VIEW places_expected AS
            SELECT al.* FROM allocations al
            WHERE NOT EXISTS (
                SELECT 1 FROM attendance_records p JOIN sessions o ON o.id = p.session_id
                WHERE p.attendee_id = al.attendee_id AND p.undone_at IS NULL
                  AND p.session_id != al.session_id
                  AND o.slot_id = (SELECT slot_id FROM sessions WHERE id = al.session_id));
        """,
    )


SCHEMA_SQL = Path(__file__).with_name("schema.sql")


def current_schema() -> str:
    """The schema a new database gets: every table, index, view and trigger, as SQL."""
    db = Database(memory=True)
    migrations.apply(db)
    rows = db.execute(
        "SELECT type, name, sql FROM sqlite_master WHERE sql IS NOT NULL "
        "AND name NOT LIKE 'sqlite_%' ORDER BY CASE type WHEN 'table' THEN 0 "
        "WHEN 'index' THEN 1 WHEN 'view' THEN 2 ELSE 3 END, name"
    ).fetchall()
    steps = ", ".join(m.name for m in migrations._migrations)
    head = (
        "-- The bigconv database as the schema steps build it (bigconv/data/schema.py).\n"
        "-- Generated by `python -m bigconv.data.schema`; a test checks it. Do not edit.\n"
        f"-- Steps: {steps}\n"
    )
    return head + "".join(f"\n{sql.strip()};\n" for _, _, sql in rows)


if __name__ == "__main__":
    SCHEMA_SQL.write_text(current_schema(), encoding="utf-8")
    print(f"wrote {SCHEMA_SQL}")
