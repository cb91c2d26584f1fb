"""Before the day: the database, the staff list, the allocation, the codes and printables."""

from __future__ import annotations

import json
from pathlib import Path

import click

from bigconv.cli.options import (
    BadInput,
    Day,
    Refused,
    event_argument,
    initialise,
    load,
    open_existing,
    phone_address,
    phone_address_options,
    public_url_option,
    station_option,
)
from bigconv.cli.writing import out_option, staged

TITLE = "Before the day"


@click.command()
@event_argument
@station_option
def init(event_file: Path, db_path: Path | None, station: str) -> None:
    """Create the database, or bring it in line with an edited event file."""
    day = load(event_file, db_path)
    done = initialise(day, station=station)
    print_changes(done.changes)
    print_stale_posters(day, done.db)
    if done.imported and day.event.attendees_csv:
        print_import(done.imported, day.event.attendees_csv.name)
    print_counts(day, done.db)
    click.echo(f"Staff passcode (stations in a browser, /staff): {done.passcode}")


def print_changes(changes) -> None:
    if changes.unchanged:
        click.echo("Event: no changes.")
    for verb, items in (
        ("added", changes.added),
        ("changed", changes.changed),
        ("removed", changes.removed),
    ):
        if items:
            click.echo(
                f"Event: {verb} {len(items)}: "
                + ", ".join(items[:8])
                + (" ..." if len(items) > 8 else "")
            )


def print_stale_posters(day: Day, db) -> None:
    """After an edit of base_url: whether the posters and QR codes made show another address."""
    from bigconv.cli.options import address_warnings

    if day.event.base_url:
        for line in address_warnings(day, db, day.event.base_url, public_url=None):
            click.echo(line, err=True)


def print_counts(day: Day, db) -> None:
    from bigconv.data.timetable import counts

    found = counts(db)
    click.echo(
        f"{day.db_path}: {found['attendees']} attendees, {found['sessions']} sessions in {found['rooms']} rooms."
    )


def print_import(report, name: str) -> None:
    prefix = "Would import" if report.dry_run else "Imported"
    doubts = len(report.possible_duplicates)
    click.echo(
        f"{name}: {prefix} {report.imported}, updated {report.updated}, unchanged {report.unchanged}, "
        f"rejected {len(report.rejected)}"
        + (f", possible duplicates {doubts}" if doubts else "")
        + f"; choices for {report.preferences} people."
    )
    for line, reason in report.rejected:
        click.echo(f"  {name}:{line}: rejected: {reason}", err=True)
    for line, doubt in report.possible_duplicates:
        click.echo(f"  {name}:{line}: {doubt}", err=True)


@click.command("import-attendees")
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
@station_option
def import_attendees(
    event_file: Path, db_path: Path | None, csv_file: Path, mappings, dry_run: bool, station: str
) -> None:
    """Import a staff list (and ranked choices) from CSV; re-importing updates, never duplicates."""
    from bigconv.data import attendees

    day = load(event_file, db_path)
    overrides = {}
    for m in mappings:
        column, sep, field = m.rpartition("=")
        if not sep or not column.strip():
            raise BadInput(f"--map {m!r}: expected COLUMN=FIELD")
        overrides[column.strip()] = field.strip()
    if not csv_file.is_file():
        raise BadInput(f"{csv_file}: file not found")
    db = open_existing(day)
    try:
        report = attendees.import_csv(
            db, csv_file, overrides=overrides, dry_run=dry_run, station=station
        )
    except attendees.ImportError_ as exc:
        raise BadInput(str(exc)) from None
    print_import(report, csv_file.name)


@click.command()
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
    from bigconv.core import allocation as solver
    from bigconv.core.errors import AllocationError, AlreadyAllocated
    from bigconv.data import allocation as al

    day = load(event_file, db_path)
    db = open_existing(day)
    before = al.previous_count(db)
    if before and not (dry_run or replace):
        raise Refused(
            f"{day.db_path.name}: an allocation already exists ({before} places); "
            "use --replace to replace it, or --dry-run to see the new one"
        )
    try:
        result = al.allocate(db, day.event.audiences, seed=seed, cancel_below=cancel_below)
    except AllocationError as exc:
        raise BadInput(f"{day.event.path.name}: {exc}") from None
    for line in solver.describe(solver.summarise(result)):
        click.echo(line)
    if dry_run:
        click.echo("Dry run: nothing was written.")
        return
    try:
        written = al.write(db, result, station=station, replace=replace)
    except AlreadyAllocated as exc:
        raise Refused(f"{day.db_path.name}: {exc}; use --replace to replace it") from None
    replaced = f", replacing {before}" if before else ""
    click.echo(f"Wrote {written} places to {day.db_path.name}{replaced}.")


@click.command()
@event_argument
@click.option("--json", "as_json", is_flag=True, help="Print a JSON list of objects, for scripts.")
@phone_address_options
@public_url_option()
def sessions(
    event_file: Path,
    db_path: Path | None,
    as_json: bool,
    port: int,
    host: str,
    public_url: str | None,
) -> None:
    """List sessions with room, slot, code and feedback URL."""
    from bigconv.data.timetable import sessions as all_sessions
    from bigconv.net import session_url

    day = load(event_file, db_path)
    db = open_existing(day)
    base = phone_address(day, public_url, port, host)
    rows = all_sessions(db)
    tz = day.event.tz
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


@click.command("qr")
@event_argument
@out_option
@phone_address_options
@public_url_option()
def qr_command(
    event_file: Path,
    db_path: Path | None,
    out_dir: Path,
    port: int,
    host: str,
    public_url: str | None,
) -> None:
    """Write each session's QR code (CODE.svg, CODE.png) and printable posters.html."""
    from bigconv.core.clock import iso
    from bigconv.data.printing import record_printed_address
    from bigconv.data.timetable import sessions as all_sessions
    from bigconv.net import is_loopback
    from bigconv.output.posters import write_session_codes

    day = load(event_file, db_path)
    db = open_existing(day)
    base = phone_address(day, public_url, port, host)
    rows = all_sessions(db)
    with staged(out_dir) as scratch:
        write_session_codes(scratch, rows, base, day.event.tz, day.event.name)
    record_printed_address(db, base, at=iso(), by="qr")  # stations warn if they serve another
    click.echo(
        f"{out_dir}: {len(rows)} session QR codes (SVG and PNG) and posters.html for {base}/CODE"
    )
    if not (public_url or day.event.base_url):
        click.echo(
            f"Note: base_url is not set in {event_file.name}, so the codes use this laptop's "
            "current address; set base_url to the address phones will use at the venue.",
            err=True,
        )
        if is_loopback(host):
            click.echo(
                f"Warning: {base} is this laptop only: no phone can open these codes.", err=True
            )


@click.command()
@event_argument
@out_option
def badges(event_file: Path, db_path: Path | None, out_dir: Path) -> None:
    """Write printable badge sheets (badges.html, A4) and one QR code PNG per badge."""
    from bigconv.data.printing import badge_rows
    from bigconv.output.badges import write_badges

    day = load(event_file, db_path)
    people = badge_rows(open_existing(day))
    with staged(out_dir) as scratch:
        write_badges(scratch, people, day.event.name)
    click.echo(f"{out_dir}: {len(people)} badges in badges.html, one BADGE.png each")


@click.command()
@event_argument
@station_option
@click.option("--new", is_flag=True, help="Make a new random passcode.")
@click.option(
    "--set", "text", metavar="TEXT", help="Use TEXT as the passcode (6 to 60 characters)."
)
def passcode(
    event_file: Path, db_path: Path | None, station: str, new: bool, text: str | None
) -> None:
    """Show the staff passcode for /staff, or change it (every browser must log in again)."""
    from bigconv.data import passcode as passcodes

    if new and text is not None:
        raise BadInput("give --new or --set TEXT, not both")
    day = load(event_file, db_path)
    db = open_existing(day)
    if not new and text is None:
        click.echo(f"Staff passcode: {passcodes.staff_passcode(db)}")
        return
    try:
        code = passcodes.set_passcode(db, text, station=station)
    except passcodes.BadPasscode as exc:
        raise BadInput(f"--set: {exc}") from None
    click.echo(f"New staff passcode: {code}")
    click.echo("Every browser station logs out now: give staff the new passcode.")


COMMANDS = (init, import_attendees, allocate, sessions, qr_command, badges, passcode)
