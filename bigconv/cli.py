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
    type=click.Choice(["timetable"]),
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


@cli.command()
@event_argument
@station_option
@click.option("--dry-run", is_flag=True, help="Print the result; write nothing.")
@click.option(
    "--replace", is_flag=True, help="Replace an existing allocation (kept in allocations_replaced)."
)
@click.option(
    "--seed",
    default=0,
    type=click.IntRange(min=0),
    show_default=True,
    help="Breaks ties: the same seed gives the same rosters.",
)
@click.option(
    "--cancel-below",
    type=click.IntRange(min=1),
    metavar="N",
    help="Cancel sessions that would get fewer than N participants, and allocate again without them.",
)
def allocate(
    event_file: Path,
    db_path: Path | None,
    station: str,
    dry_run: bool,
    replace: bool,
    seed: int,
    cancel_below: int | None,
) -> None:
    """Give everyone one session in every workshop slot, from their ranked choices (exact optimum)."""
    from bigconv.data import allocate as al

    ctx = load(event_file, db_path)
    db = open_existing(ctx)
    before = al.previous_count(db)
    if before and not (dry_run or replace):
        raise Refused(
            f"{ctx.db_path.name}: an allocation already exists ({before} places); "
            "use --replace to replace it, or --dry-run to see the new one"
        )
    try:
        result = al.allocate(db, ctx.event.audiences, seed=seed, cancel_below=cancel_below)
    except al.AllocationError as exc:
        raise BadInput(f"{ctx.event.path.name}: {exc}") from None
    for line in al.describe(al.summarise(result)):
        click.echo(line)
    if dry_run:
        click.echo("Dry run: nothing was written.")
        return
    try:
        written = al.write(db, result, station=station, replace=replace)
    except al.AlreadyAllocated as exc:
        raise Refused(f"{ctx.db_path.name}: {exc}; use --replace to replace it") from None
    replaced = f", replacing {before}" if before else ""
    click.echo(f"Wrote {written} places to {ctx.db_path.name}{replaced}.")


def main() -> None:
    try:
        cli(standalone_mode=True)
    except store.StoreError as exc:
        click.echo(str(exc), err=True)
        sys.exit(2)


if __name__ == "__main__":
    main()
