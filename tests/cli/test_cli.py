"""The real command line in a child process: help, exit codes, messages, no tracebacks."""

from __future__ import annotations

import json

from tests.helpers.db import digest
from tests.helpers.processes import run_cli

PHASES = {
    "Before the day": (
        "init",
        "import-attendees",
        "allocate",
        "sessions",
        "qr",
        "badges",
        "passcode",
    ),
    "On the day": ("run", "serve", "checkin", "undo-checkin", "attend", "rehearsal-reset"),
    "Keeping it safe": ("backup", "restore", "repair", "doctor"),
    "After the day": ("export", "report", "cpd"),
    "Following up": (
        "day-links",
        "followup",
        "followup-status",
        "schools",
        "barrier-addressed",
    ),
}


def help_sections(text: str) -> dict[str, list[str]]:
    """The command sections of `bigconv --help`: each title and its commands, in order."""
    sections: dict[str, list[str]] = {}
    for line in text.splitlines():
        if line.endswith(":") and not line.startswith(" "):
            sections[line[:-1]] = current = []
        elif line.startswith("  ") and sections:
            current.append(line.split()[0])
    sections.pop("Options")
    return sections


def test_help_lists_every_command():
    result = run_cli("--help")
    assert result.returncode == 0
    sections = help_sections(result.stdout)
    assert {title: tuple(names) for title, names in sections.items()} == PHASES
    assert list(sections) == list(PHASES)


def test_readme_lists_the_commands_as_help_does():
    """The README's command table has the same phases, and the same commands in the same order."""
    from tests.helpers import ROOT

    text = (ROOT / "README.md").read_text(encoding="utf-8")
    table = text.split("## Commands", 1)[1].split("\n\n| command |", 1)[1].split("\n\n", 1)[0]
    found: dict[str, list[str]] = {}
    for row in table.splitlines():
        if row.startswith("| **"):
            found[row.split("**")[1]] = current = []
        elif row.startswith("| `bigconv ") and found:
            name = row.split()[2]
            if name not in current:
                current.append(name)
    assert {title: tuple(names) for title, names in found.items()} == PHASES


def test_init_creates_database_beside_event(small_event):
    result = run_cli("init", small_event)
    assert result.returncode == 0, result.stderr
    assert "5 attendees, 5 sessions in 3 rooms" in result.stdout
    assert small_event.with_suffix(".db").exists()
    again = run_cli("init", small_event)
    assert "Event: no changes." in again.stdout


def test_bad_event_file_exits_2_and_leaves_database_unchanged(small_event, small_db):
    before = digest(small_db)
    text = small_event.read_text()
    small_event.write_text(
        text.replace(
            'room = "Room A"\nslot = "Morning"', 'room = "Hall Z"\nslot = "Morning"'
        ).replace("capacity = 3", "capacity = -3")
    )
    result = run_cli("init", small_event)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert (
        'small.toml: session 2 ("Phonics"), room: no room named "Hall Z" (known rooms: Hall, Room A, Room B)'
        in lines
    )
    assert 'small.toml: room 2 ("Room A"), capacity: must be positive, got -3' in lines
    assert "Traceback" not in result.stderr
    assert digest(small_db) == before


def test_bad_csv_exits_2_and_leaves_database_unchanged(small_event, small_db, tmp_path):
    before = digest(small_db)
    bad = tmp_path / "bad.csv"
    bad.write_text("Email,School\nx@y.sch.uk,A\n")
    result = run_cli("import-attendees", small_event, bad)
    assert result.returncode == 2
    assert "bad.csv: no name column found" in result.stderr
    assert "Traceback" not in result.stderr
    assert digest(small_db) == before


def test_removing_recorded_session_via_cli_exits_2(small_event, small_db):
    import sqlite3

    conn = sqlite3.connect(small_db)
    conn.execute(
        "INSERT INTO reactions (session_id, kind, at, device) SELECT id, 'useful', '2026-11-27T10:00:00+00:00', 'd' FROM sessions WHERE title = 'Oracy'"
    )
    conn.commit()
    conn.close()
    before = digest(small_db)
    small_event.write_text(
        small_event.read_text().replace(
            '[[sessions]]\ntitle = "Oracy"\nroom = "Room B"\nslot = "Afternoon"\n', ""
        )
    )
    result = run_cli("init", small_event)
    assert result.returncode == 2
    assert "removing session 'Oracy'" in result.stderr and "would lose 1 reaction" in result.stderr
    assert digest(small_db) == before


def test_import_reports_counts_and_rejections(small_event, small_db, tmp_path):
    csv = tmp_path / "more.csv"
    csv.write_text(
        "Forename,Surname,Email\nNew,Person,np@a.sch.uk\nBad,Email,nope\n", encoding="utf-8"
    )
    dry = run_cli("import-attendees", small_event, csv, "--dry-run")
    assert dry.returncode == 0
    assert "Would import 1" in dry.stdout
    result = run_cli("import-attendees", small_event, csv)
    assert "Imported 1, updated 0, unchanged 0, rejected 1" in result.stdout
    assert "more.csv:3: rejected: not an email address" in result.stderr


def test_import_map_option(small_event, small_db, tmp_path):
    csv = tmp_path / "odd.csv"
    csv.write_text("Goes By,Surname\nBeth,Jones\n", encoding="utf-8")
    refused = run_cli("import-attendees", small_event, csv)
    assert refused.returncode == 2
    assert "columns read: 'Surname' as last_name; not used: 'Goes By'" in refused.stderr
    result = run_cli("import-attendees", small_event, csv, "--map", "Goes By=first_name")
    assert result.returncode == 0 and "Imported 1" in result.stdout
    assert run_cli("import-attendees", small_event, csv, "--map", "nonsense").returncode == 2


def test_sessions_json(small_event, small_db):
    result = run_cli("sessions", small_event, "--json")
    assert result.returncode == 0
    sessions = json.loads(result.stdout)
    assert len(sessions) == 5
    phonics = next(s for s in sessions if s["title"] == "Phonics")
    assert phonics["room"] == "Room A" and phonics["slot"] == "Morning"
    assert phonics["url"] == f"http://192.0.2.10:8000/{phonics['code']}"


def test_sessions_table(small_event, small_db):
    result = run_cli("sessions", small_event)
    assert "Phonics" in result.stdout and "10:00-11:00" in result.stdout


def test_missing_event_file_exits_2(tmp_path):
    result = run_cli("init", tmp_path / "nope.toml")
    assert result.returncode == 2
    assert "nope.toml: file not found" in result.stderr


def test_db_option_overrides_location(small_event, tmp_path):
    other = tmp_path / "elsewhere" / "x.db"
    other.parent.mkdir()
    assert run_cli("init", small_event, "--db", other).returncode == 0
    assert other.exists() and not small_event.with_suffix(".db").exists()


def test_corrupt_database_exits_2(small_event):
    small_event.with_suffix(".db").write_bytes(b"this is not a database" * 100)
    result = run_cli("init", small_event)
    assert result.returncode == 2
    assert "cannot open the database" in result.stderr and "Traceback" not in result.stderr


def test_rehearsal_clock_starts_on_the_event_day(small_event):
    import datetime as dt

    from bigconv.core.event import load_event
    from bigconv.services.setup import rehearsal_clock

    event = load_event(small_event)
    now = rehearsal_clock(event, "10:15")().astimezone(event.tz)
    assert (now.date(), now.hour, now.minute) == (dt.date(2026, 11, 27), 10, 15)
    assert run_cli("run", small_event, "--at", "quarter past").returncode == 2


def test_run_allocates_a_new_day_with_choices(small_event):
    from bigconv.data import database
    from bigconv.services.setup import allocate_new_day, initialise, load

    ctx = load(small_event, None)
    db = initialise(ctx).db
    allocate_new_day(ctx, db)
    placed = database.connect(ctx.db_path).execute("SELECT count(*) FROM allocations").fetchone()[0]
    assert placed == 5 * 2  # five people, two workshop slots
    allocate_new_day(ctx, db)  # an existing allocation is never replaced silently
    assert db["allocations"].count == placed


def test_run_shows_what_it_did_before_the_app_opened(small_event, tmp_path):
    """`run` allocated the new day before the app took the terminal; the app says so itself
    (the line printed before it was hidden behind the screen until the app quit)."""
    from tests.helpers.processes import bigconv
    from tests.helpers.terminal import Pane

    pane = Pane(
        bigconv("run", str(small_event), "--no-server", "--at", "10:20", "--backup-minutes", "0"),
        tmp_path,
    )
    try:
        pane.wait_for("Allocated 10 workshop places")
    finally:
        pane.close()


def test_public_url_overrides_base_url_and_base_url_is_its_hidden_alias(small_event, small_db):
    """One name for the phone address on every command that shows or encodes it."""
    for option in ("--public-url", "--base-url"):
        done = run_cli("sessions", small_event, "--json", option, "https://conf.example.org")
        assert done.returncode == 0, done.stderr
        assert json.loads(done.stdout)[0]["url"].startswith("https://conf.example.org/")
        bad = run_cli("sessions", small_event, option, "conf.example.org")
        assert bad.returncode == 2 and "Traceback" not in bad.stderr
        assert (
            bad.stderr.strip() == f"{option} conf.example.org: must start with http:// or https://"
        )
    for command in ("run", "serve", "sessions", "qr", "day-links", "followup"):
        shown = run_cli(command, "--help").stdout
        assert "--public-url" in shown and "base_url" in shown, command
        assert "--base-url" not in shown, command
