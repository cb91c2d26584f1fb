"""The command line: parse, call bigconv.data (or start the app), print. Nothing more."""

from __future__ import annotations

import json
import socket
import sys
from dataclasses import dataclass
from pathlib import Path

import click

from bigconv.config import ConfigError, Event, load_event
from bigconv.data import store


class BadInput(click.ClickException):
    """Bad input or configuration: exit code 2."""

    exit_code = 2

    def show(self, file=None) -> None:
        click.echo(self.format_message(), err=True)


class Refused(click.ClickException):
    """An operation refused (already checked in, unknown badge): exit code 1."""

    exit_code = 1

    def show(self, file=None) -> None:
        click.echo(self.format_message(), err=True)


@dataclass
class Context:
    event: Event
    db_path: Path

    def connect(self):
        try:
            return store.connect(self.db_path)
        except store.StoreError as exc:
            raise BadInput(str(exc)) from None


def event_argument(func):
    """The EVENT file argument and --db option every command takes."""
    func = click.option(
        "--db",
        "db_path",
        type=click.Path(dir_okay=False, path_type=Path),
        help="Database file (default: beside the event file, named after it, ending .db).",
    )(func)
    return click.argument("event_file", metavar="EVENT.toml", type=click.Path(path_type=Path))(func)


def station_option(func):
    return click.option(
        "--station",
        default=socket.gethostname(),
        show_default="this computer's name",
        help="Name of this station, recorded with every action.",
    )(func)


def load(event_file: Path, db_path: Path | None) -> Context:
    """Load and validate the event file; every mistake is printed, exit 2."""
    try:
        event = load_event(event_file)
    except ConfigError as exc:
        raise BadInput(str(exc)) from None
    return Context(event, db_path or event.database)


def open_existing(ctx: Context):
    """Open the database, creating it from the event file first if it does not exist yet."""
    if not ctx.db_path.exists():
        initialise(ctx, quiet=True)
    return ctx.connect()


def initialise(ctx: Context, *, quiet: bool = False):
    from bigconv.data import attendees
    from bigconv.data.sync import SyncRefused, apply_event

    db = ctx.connect()
    try:
        with store.immediate(db):
            report = apply_event(db, ctx.event)
            imported = None
            if ctx.event.attendees_csv:
                imported = attendees.import_csv(db, ctx.event.attendees_csv)
    except SyncRefused as exc:
        raise BadInput(f"{ctx.event.path.name}: {exc}") from None
    except attendees.ImportError_ as exc:
        raise BadInput(str(exc)) from None
    if not quiet:
        if report.unchanged:
            click.echo("Event: no changes.")
        for verb, items in (
            ("added", report.added),
            ("changed", report.changed),
            ("removed", report.removed),
        ):
            if items:
                click.echo(
                    f"Event: {verb} {len(items)}: "
                    + ", ".join(items[:8])
                    + (" ..." if len(items) > 8 else "")
                )
        if imported:
            print_import(imported, ctx.event.attendees_csv.name)
        counts = _counts(db)
        click.echo(
            f"{ctx.db_path}: {counts['attendees']} attendees, {counts['sessions']} sessions in {counts['rooms']} rooms."
        )
    return db


def _counts(db):
    from bigconv.data.timetable import counts

    return counts(db)


def print_import(report, name: str) -> None:
    prefix = "Would import" if report.dry_run else "Imported"
    click.echo(
        f"{name}: {prefix} {report.imported}, updated {report.updated}, unchanged {report.unchanged}, "
        f"rejected {len(report.rejected)}; choices for {report.preferences} people."
    )
    for line, reason in report.rejected:
        click.echo(f"  {name}:{line}: rejected: {reason}", err=True)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="bigconv")
def cli() -> None:
    """bigconv: run a live conference day from one SQLite file."""


@cli.command()
@event_argument
def init(event_file: Path, db_path: Path | None) -> None:
    """Create the database, or bring it in line with an edited event file."""
    initialise(load(event_file, db_path))


@cli.command("import-attendees")
@event_argument
@click.argument("csv_file", metavar="STAFF.csv", type=click.Path(path_type=Path))
@click.option(
    "--map",
    "mappings",
    multiple=True,
    metavar="COLUMN=FIELD",
    help="Read COLUMN as FIELD (first_name, last_name, name, email, school, role, staff_id, badge, choice1, ...).",
)
@click.option("--dry-run", is_flag=True, help="Report what would change; change nothing.")
def import_attendees(
    event_file: Path, db_path: Path | None, csv_file: Path, mappings, dry_run: bool
) -> None:
    """Import a staff list (and ranked choices) from CSV; re-importing updates, never duplicates."""
    from bigconv.data import attendees

    ctx = load(event_file, db_path)
    overrides = {}
    for m in mappings:
        column, sep, field = m.rpartition("=")
        if not sep or not column.strip():
            raise BadInput(f"--map {m!r}: expected COLUMN=FIELD")
        overrides[column.strip()] = field.strip()
    if not csv_file.is_file():
        raise BadInput(f"{csv_file}: file not found")
    db = open_existing(ctx)
    try:
        report = attendees.import_csv(db, csv_file, overrides=overrides, dry_run=dry_run)
    except attendees.ImportError_ as exc:
        raise BadInput(str(exc)) from None
    print_import(report, csv_file.name)


@cli.command()
@event_argument
@click.option("--json", "as_json", is_flag=True, help="Print a JSON list of objects, for scripts.")
@click.option(
    "--port",
    default=8000,
    show_default=True,
    help="Phone-site port, for the URLs when base_url is not set.",
)
def sessions(event_file: Path, db_path: Path | None, as_json: bool, port: int) -> None:
    """List sessions with room, slot, code and feedback URL."""
    from bigconv.data.timetable import sessions as all_sessions
    from bigconv.net import phone_base_url, session_url

    ctx = load(event_file, db_path)
    db = open_existing(ctx)
    base = phone_base_url(ctx.event.base_url, port)
    rows = all_sessions(db)
    tz = ctx.event.tz
    if as_json:
        out = [
            {
                "code": s.code,
                "title": s.title,
                "lead": s.leads,
                "room": s.room,
                "slot": s.slot,
                "starts_at": s.starts_at,
                "ends_at": s.ends_at,
                "capacity": s.capacity,
                "allocated": s.allocated,
                "url": session_url(base, s.code),
            }
            for s in rows
        ]
        click.echo(json.dumps(out, ensure_ascii=False, indent=2))
        return
    click.echo(f"{'CODE':5}  {'TIME':11}  {'ROOM':16}  {'SEATS':>7}  TITLE")
    for s in rows:
        when = f"{s.start_time.astimezone(tz):%H:%M}-{s.end_time.astimezone(tz):%H:%M}"
        click.echo(
            f"{s.code:5}  {when:11}  {s.room[:16]:16}  {s.allocated:>3}/{s.capacity:<3}  {s.title}"
        )
    click.echo(f"Feedback pages: {base}/CODE")


@cli.command()
@event_argument
@station_option
@click.option(
    "--mode",
    type=click.Choice(["timetable", "desk"]),
    default="timetable",
    show_default=True,
    help="Which station screen to open.",
)
def run(event_file: Path, db_path: Path | None, station: str, mode: str) -> None:
    """Open the Textual app on the event (creating the database if needed)."""
    from bigconv.tui.app import make_app

    ctx = load(event_file, db_path)
    open_existing(ctx).close()
    app = make_app(ctx.db_path, station=station, mode=mode, event=ctx.event)
    app.run()


def _one_person(db, text: str, tz):
    """The single attendee `text` names (badge, name, email); Refused listing several or none."""
    from bigconv.data.search import MIN_QUERY, fold, lookup

    if len(fold(text).replace(" ", "")) < MIN_QUERY:
        raise BadInput(f"{text!r}: give a badge code or at least {MIN_QUERY} letters of a name")
    found = lookup(db, text)
    if not found:
        raise Refused(f"{text}: no attendee matches this badge, name or email")
    if len(found) > 1:
        lines = [f"{text}: {len(found)} attendees match; give a badge code or more of the name:"]
        lines += [f"  {_who(m.person)}" + _state(m, tz) for m in found]
        raise Refused("\n".join(lines))
    return found[0].person


def _who(person) -> str:
    return (
        f"{person.badge}  {person.name} ({', '.join(x for x in (person.school, person.role) if x)})"
    )


def _state(match, tz) -> str:
    if not match.checked_in_at:
        return ""
    return f"  checked in {store.parse_iso(match.checked_in_at).astimezone(tz):%H:%M} at {match.checked_in_by}"


@cli.command()
@event_argument
@click.argument("query", metavar="QUERY_OR_BADGE")
@station_option
def checkin(event_file: Path, db_path: Path | None, query: str, station: str) -> None:
    """Check one person in by badge code, name or email (exit 1 if refused)."""
    from bigconv.data.checkin import check_in

    ctx = load(event_file, db_path)
    db = open_existing(ctx)
    person = _one_person(db, query, ctx.event.tz)
    result = check_in(db, person.id, station=station)
    when = f"{store.parse_iso(result.at).astimezone(ctx.event.tz):%H:%M}"
    if not result.checked_in:
        raise Refused(f"Already checked in: {_who(person)} at {when} by {result.station}")
    click.echo(f"Checked in: {_who(person)} at {when} by {station}")


@cli.command("undo-checkin")
@event_argument
@click.argument("query", metavar="QUERY_OR_BADGE")
@station_option
def undo_checkin_command(event_file: Path, db_path: Path | None, query: str, station: str) -> None:
    """Undo one person's check-in (kept in the records, stamped undone; exit 1 if not checked in)."""
    from bigconv.data.checkin import undo_checkin

    ctx = load(event_file, db_path)
    db = open_existing(ctx)
    person = _one_person(db, query, ctx.event.tz)
    if not undo_checkin(db, person.id, station=station):
        raise Refused(f"Not checked in: {_who(person)}")
    click.echo(f"Check-in undone: {_who(person)}")


def main() -> None:
    try:
        cli(standalone_mode=True)
    except store.StoreError as exc:
        click.echo(str(exc), err=True)
        sys.exit(2)


if __name__ == "__main__":
    main()
