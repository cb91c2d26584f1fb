"""The command line: parse, call bigconv.data (or start the app), print. Nothing more."""

from __future__ import annotations

import contextlib
import json
import socket
import sqlite3
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
            db = store.connect(self.db_path)
        except store.StoreError as exc:
            raise BadInput(str(exc)) from None
        # Closed when the command ends, however it ends: when no running process checkpoints,
        # a command's last connection leaves the file whole (store.EventDatabase.close).
        if (command := click.get_current_context(silent=True)) is not None:
            command.call_on_close(lambda: _close_quietly(db))
        return db


def _close_quietly(db) -> None:
    with contextlib.suppress(sqlite3.Error):
        db.close()


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


def backup_option(func):
    """--backup-minutes, for the commands that keep a day running (run, serve)."""
    return click.option(
        "--backup-minutes",
        type=click.FloatRange(min=0),
        default=5,
        show_default=True,
        help="Back up the database this often into backups/ beside it (0: never).",
    )(func)


def allow_host_option(func):
    """--allow-host NAME (repeatable), for the commands that serve the phone site (run, serve)."""
    return click.option(
        "--allow-host",
        "allow_hosts",
        metavar="NAME",
        multiple=True,
        callback=_check_hosts,
        help="Another name the site answers to (a reverse proxy's); repeat for more.",
    )(func)


def _check_hosts(ctx, param, values: tuple[str, ...]) -> tuple[str, ...]:
    for value in values:
        if not value.strip() or any(c in value for c in "/@ \t"):
            raise BadInput(
                f"--allow-host {value!r}: give a host name such as cpd.example.org"
                " (no http://, no path)"
            )
    return values


def trusted_proxy_option(func):
    """--trusted-proxy ADDR (repeatable), for `serve`."""
    return click.option(
        "--trusted-proxy",
        "trusted_proxies",
        metavar="ADDR",
        multiple=True,
        callback=_check_proxies,
        help=(
            "The address (or network, 10.0.0.0/8) of a reverse proxy in front: its "
            "X-Forwarded-Proto/-Host/-For are believed; nobody else's. Repeat for more. "
            "Default: none (not even 127.0.0.1)."
        ),
    )(func)


def _check_proxies(ctx, param, values: tuple[str, ...]) -> tuple[str, ...]:
    from bigconv.web.common.security import parse_proxy

    for value in values:
        try:
            parse_proxy(value)
        except ValueError:
            raise BadInput(
                f"--trusted-proxy {value!r}: give the proxy's IP address, such as 127.0.0.1,"
                " or a network such as 10.0.0.0/8"
            ) from None
    return values


def _check_sites(ctx, param, value: str) -> tuple[str, ...]:
    from bigconv.web.server import SITES

    sites = tuple(dict.fromkeys(part.strip() for part in value.split(",") if part.strip()))
    if not sites or any(site not in SITES for site in sites):
        raise BadInput(f"--sites {value!r}: give one or more of {','.join(SITES)}, comma-separated")
    return sites


def out_option(func):
    return click.option(
        "--out",
        "out_dir",
        required=True,
        type=click.Path(file_okay=False, path_type=Path),
        help="Folder to write into (created if needed).",
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


def initialise(ctx: Context, *, quiet: bool = False, station: str = "init"):
    from bigconv.data import attendees
    from bigconv.data.sync import SyncRefused, apply_event

    db = ctx.connect()
    try:
        with store.immediate(db):
            report = apply_event(db, ctx.event, station=station)
            imported = None
            if ctx.event.attendees_csv:
                imported = attendees.import_csv(db, ctx.event.attendees_csv, station=station)
    except SyncRefused as exc:
        raise BadInput(f"{ctx.event.path.name}: {exc}") from None
    except attendees.ImportError_ as exc:
        raise BadInput(str(exc)) from None
    from bigconv.data.staff import staff_passcode

    passcode = staff_passcode(db)  # made once, at the first init; `bigconv passcode` changes it
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
        click.echo(f"Staff passcode (stations in a browser, /staff): {passcode}")
    return db


def _counts(db):
    from bigconv.data.timetable import counts

    return counts(db)


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


def rehearsal_clock(event: Event, text: str):
    """A clock that starts at HH:MM on the event day and then runs at normal speed."""
    import datetime as dt

    try:
        start = dt.datetime.combine(event.date, dt.time.fromisoformat(text), event.tz)
    except ValueError:
        raise BadInput(f"--at {text}: expected a time such as 09:50") from None
    return store.OffsetClock(start - store.utcnow())


def at_option(func):
    """--at HH:MM, for the commands that keep a day running (run, serve)."""
    return click.option(
        "--at",
        "at_time",
        metavar="HH:MM",
        help="Rehearse: start the clock at this local time on the event day "
        "(drives the screens and the phone site served).",
    )(func)


def process_clock(event: Event, at_time: str | None, offset: float | None):
    """The one clock of this process: --at, else an offset handed down by `serve`, else real."""
    import datetime as dt

    if at_time:
        return rehearsal_clock(event, at_time)
    if offset is not None:
        return store.OffsetClock(dt.timedelta(seconds=offset))
    return None


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="bigconv")
@click.pass_context
def cli(context: click.Context) -> None:
    """bigconv: run a live conference day from one SQLite file."""
    from bigconv.data import fileguard

    # How other processes name this one (bigconv restore, doctor); `run` adds its station.
    fileguard.set_label(f"bigconv {context.invoked_subcommand or ''}".strip())


@cli.command()
@event_argument
@station_option
def init(event_file: Path, db_path: Path | None, station: str) -> None:
    """Create the database, or bring it in line with an edited event file."""
    initialise(load(event_file, db_path), station=station)


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
@station_option
def import_attendees(
    event_file: Path, db_path: Path | None, csv_file: Path, mappings, dry_run: bool, station: str
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
        report = attendees.import_csv(
            db, csv_file, overrides=overrides, dry_run=dry_run, station=station
        )
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
@click.option(
    "--host",
    default="0.0.0.0",
    show_default=True,
    help="Phone-site listening address, for the URLs when base_url is not set.",
)
def sessions(event_file: Path, db_path: Path | None, as_json: bool, port: int, host: str) -> None:
    """List sessions with room, slot, code and feedback URL."""
    from bigconv.data.timetable import sessions as all_sessions
    from bigconv.net import phone_base_url, session_url

    ctx = load(event_file, db_path)
    db = open_existing(ctx)
    base = phone_base_url(ctx.event.base_url, port, host)
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
    type=click.Choice(["timetable", "desk", "dashboard", "room", "setup"]),
    default="timetable",
    show_default=True,
    help="Which station screen to open.",
)
@at_option
@click.option("--clock-offset", type=float, hidden=True)  # set by `serve` for browser stations
@backup_option
@click.option("--room", "room", metavar="NAME", help="The room for --mode room (default: ask).")
@click.option("--no-server", is_flag=True, help="Do not serve the phone site from this app.")
@click.option(
    "--host", default="0.0.0.0", show_default=True, help="Phone-site address to listen on."
)
@click.option(
    "--port",
    default=8000,
    show_default=True,
    type=click.IntRange(1, 65535),
    help="Phone-site port.",
)
@click.option(
    "--public-url",
    metavar="URL",
    help="The phone-site address to show and encode (default: base_url, else --host/--port).",
)
@allow_host_option
def run(
    event_file: Path,
    db_path: Path | None,
    station: str,
    mode: str,
    at_time: str | None,
    clock_offset: float | None,
    backup_minutes: float,
    room: str | None,
    no_server: bool,
    host: str,
    port: int,
    public_url: str | None,
    allow_hosts: tuple[str, ...],
) -> None:
    """Open the Textual app on the event (creating the database if needed)."""
    from bigconv.data import fileguard
    from bigconv.net import phone_base_url
    from bigconv.tui.app import make_app
    from bigconv.tui.config import StationConfig

    fileguard.set_label(f"station {station}")

    ctx = load(event_file, db_path)
    clock = process_clock(ctx.event, at_time, clock_offset)
    if public_url is not None and not public_url.startswith(("http://", "https://")):
        raise BadInput(f"--public-url {public_url}: must start with http:// or https://")
    fresh = not ctx.db_path.exists()
    db = open_existing(ctx)
    notices: list[str | None] = []  # shown in the app: it hides what was printed before it
    if fresh:
        notices.append(allocate_new_day(ctx, db))
    if room is not None:
        room = _room_name(db, room)
    db.close()
    serve_port = None if no_server else port
    config = StationConfig(
        station=station,
        mode=mode,
        event=ctx.event,
        clock=clock,
        backup_every=backup_minutes * 60 or None,
        room=room,
        serve_port=serve_port,
        serve_host=host,
        public_url=public_url or phone_base_url(ctx.event.base_url, port, host),
        allow_hosts=allow_hosts,
        notices=tuple(n for n in notices if n),
    )
    app = make_app(ctx.db_path, config)
    app.run()


def allocate_new_day(ctx: Context, db) -> str | None:
    """A day created by `run` whose attendee list brings choices starts allocated, so rooms
    have real rosters at once; `bigconv allocate --replace` redoes it any time. Returns what
    was done, for the app to show (the terminal's own lines are hidden while it runs)."""
    from bigconv.data import allocate as al

    if not al.has_choices(db) or al.previous_count(db):
        return None
    try:
        written = al.write(db, al.allocate(db, ctx.event.audiences), station="run")
    except al.AllocationError as exc:
        message = f"Not allocated ({exc}); see `bigconv allocate`."
        click.echo(message, err=True)
        return message
    message = f"Allocated {written} workshop places from everyone's choices."
    click.echo(message)
    return message


def _existing_db(ctx: Context):
    """Open a database that must already exist (after-the-day commands never create one)."""
    if not ctx.db_path.is_file():
        raise BadInput(f"{ctx.db_path}: no database yet (run `bigconv init {ctx.event.path}`)")
    return ctx.connect()


def _out_dir(path: Path) -> Path:
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise BadInput(f"{path}: cannot create the folder: {exc.strerror}") from None
    return path


def _room_name(db, name: str) -> str:
    """The room's name as stored, or exit 2 naming the rooms there are."""
    from bigconv.data.attendance import find_room
    from bigconv.data.timetable import rooms

    room = find_room(db, name)
    if room is None:
        known = ", ".join(r["name"] for r in rooms(db))
        raise BadInput(f"--room: no room named {name!r} (known rooms: {known})")
    return room["name"]


@cli.command()
@event_argument
@click.option(
    "--to",
    "dest",
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder for the copy (default: backups/ beside the database).",
)
@click.option(
    "--keep", type=click.IntRange(min=1), help="Then delete all but the newest KEEP backups."
)
def backup(event_file: Path, db_path: Path | None, dest: Path | None, keep: int | None) -> None:
    """Copy the live database to a timestamped file; safe while stations keep writing."""
    from bigconv.data import backup as backups

    ctx = load(event_file, db_path)
    if not ctx.db_path.is_file():
        raise BadInput(f"{ctx.db_path}: no database to back up")
    dest = dest or backups.default_dir(ctx.db_path)
    try:
        path = backups.backup(ctx.db_path, dest)
    except store.StoreError as exc:
        raise Refused(str(exc)) from None
    click.echo(f"Backed up {ctx.db_path} to {path}")
    if keep:
        for old in backups.prune(dest, keep=keep, db_path=ctx.db_path):
            click.echo(f"Removed old backup {old}")


@cli.command()
@event_argument
@click.argument("backup_file", metavar="BACKUP.db", type=click.Path(path_type=Path))
def restore(event_file: Path, db_path: Path | None, backup_file: Path) -> None:
    """Put a backup in place of the database; stations pause for it. The old file is kept."""
    from bigconv.data import backup as backups

    ctx = load(event_file, db_path)
    if not backup_file.is_file():
        raise BadInput(f"{backup_file}: file not found")
    click.echo(f"Restoring {backup_file}: every station and server pauses its writes first ...")
    try:
        done = backups.restore(backup_file, ctx.db_path)
    except store.StoreError as exc:
        raise BadInput(str(exc)) from None
    if done.repaired:
        click.echo(
            f"{backup_file} had damaged indexes: rebuilt them on a copy (REINDEX), and the "
            "full check passes. The backup file itself is unchanged."
        )
    if done.moved:
        click.echo(f"Kept the previous database as {done.moved}")
    click.echo(f"Restored {ctx.db_path} from {backup_file}; the stations carry on with it.")


@cli.command()
@event_argument
def repair(event_file: Path, db_path: Path | None) -> None:
    """Rebuild the database's indexes (on a copy, fully checked, then put in place)."""
    from bigconv.data import backup as backups

    ctx = load(event_file, db_path)
    if not ctx.db_path.is_file():
        raise BadInput(f"{ctx.db_path}: no database to repair")
    verdict = backups.check(ctx.db_path)
    if verdict == "ok":
        click.echo(f"{ctx.db_path}: the full check passes; nothing to repair.")
        return
    click.echo(f"Repairing {ctx.db_path}: every station and server pauses its writes first ...")
    try:
        moved = backups.repair_live(ctx.db_path)
    except backups.RepairRefused as exc:
        raise Refused(
            f"{exc}; nothing changed. Restore the newest good backup: "
            "bigconv restore EVENT.toml BACKUP.db"
        ) from None
    except store.StoreError as exc:
        raise BadInput(str(exc)) from None
    click.echo(
        f"Repaired {ctx.db_path}: its indexes were damaged ({verdict[:200]}); rebuilt them "
        "(REINDEX) and the full check passes. Everything recorded is kept."
    )
    if moved:
        click.echo(f"Kept the damaged file as {moved}")


@cli.command()
@event_argument
@click.option("--quick", is_flag=True, help="Check with quick_check, not the full integrity_check.")
def doctor(event_file: Path, db_path: Path | None, quick: bool) -> None:
    """Say what bigconv runs on and how the database is: SQLite, holders, checks, backups."""
    from bigconv.data import doctor as doctors

    ctx = load(event_file, db_path)
    report = doctors.examine(ctx.db_path, quick=quick)
    for line in report.lines:
        click.echo(line)
    if report.problems:
        raise Refused(f"{len(report.problems)} problem(s): " + "; ".join(report.problems))


@cli.command()
@event_argument
@out_option
@click.option("--raw", is_flag=True, help="Do not guard cells that Excel would run as formulas.")
def export(event_file: Path, db_path: Path | None, out_dir: Path, raw: bool) -> None:
    """Write one CSV per table and view (UTF-8 with BOM, opens in Excel)."""
    from bigconv.data.export import export_csv

    ctx = load(event_file, db_path)
    db = _existing_db(ctx)
    for item in export_csv(db, _out_dir(out_dir), raw=raw, tz=ctx.event.tz):
        click.echo(f"{item.path}: {item.rows} rows")


@cli.command()
@event_argument
@click.option(
    "--out",
    "out_file",
    default="report.html",
    show_default=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="The HTML file to write.",
)
def report(event_file: Path, db_path: Path | None, out_file: Path) -> None:
    """Write the day's report: one self-contained HTML file that opens offline."""
    from bigconv.data.report import build
    from bigconv.report import render_report

    ctx = load(event_file, db_path)
    db = _existing_db(ctx)
    from bigconv.data.impact import build_impact

    evidence = build_impact(db, ctx.event.costs, ctx.event.staff_hour_cost)
    html = render_report(build(db, ctx.event.tz), evidence)
    _out_dir(out_file.parent)
    out_file.write_text(html, encoding="utf-8")
    click.echo(f"Wrote {out_file}")


@cli.command()
@event_argument
@out_option
def cpd(event_file: Path, db_path: Path | None, out_dir: Path) -> None:
    """Write everyone's CPD record: cpd.csv and printable certificates.html (a page each)."""
    from bigconv.data.cpd import records
    from bigconv.report import render_certificates, write_cpd_csv

    ctx = load(event_file, db_path)
    db = _existing_db(ctx)
    found = records(db, ctx.event.tz)
    from bigconv.data.impact import add_followups

    found = add_followups(db, found, ctx.event.tz)  # commitments, follow-ups, sessions led
    out_dir = _out_dir(out_dir)
    rows = write_cpd_csv(found, out_dir / "cpd.csv")
    from bigconv.report import write_cpd_followups_csv

    more = write_cpd_followups_csv(found, out_dir / "cpd-followups.csv")
    html = render_certificates(
        found, event=ctx.event.name, date=ctx.event.date.isoformat(), venue=ctx.event.venue
    )
    (out_dir / "certificates.html").write_text(html, encoding="utf-8")
    click.echo(f"{out_dir / 'cpd.csv'}: {rows} sessions attended by {len(found)} people")
    click.echo(f"{out_dir / 'certificates.html'}: {len(found)} certificates, one page each")
    click.echo(f"{out_dir / 'cpd-followups.csv'}: {more} sessions led and commitments made")


def _one_person(db, text: str, tz):
    """The single attendee `text` names (badge, name, email); Refused listing several or none."""
    from bigconv.data.search import MIN_QUERY
    from bigconv.services import identify as who

    outcome = who.identify(db, text, limit=MANY + 1)
    if isinstance(outcome, who.One):
        return outcome.person
    if outcome.code == who.TOO_SHORT:
        raise BadInput(f"{text!r}: give a badge code or at least {MIN_QUERY} letters of a name")
    if outcome.code == who.UNKNOWN_BADGE:
        raise Refused(f"{text}: unknown badge code (a badge-shaped code is never taken for a name)")
    if not isinstance(outcome, who.Ambiguous):
        what = "email" if "@" in text else "badge, name or email"
        raise Refused(f"{text}: no attendee matches this {what}")
    found = outcome.matches
    count = f"more than {MANY}" if len(found) > MANY else str(len(found))
    shown = found[:SHOWN]
    first = f" (the first {len(shown)} shown)" if len(found) > len(shown) else ""
    email = ", a whole email" if "@" in text else ""
    lines = [
        f"{text}: {count} attendees match; give a badge code{email} or more of the name{first}:"
    ]
    lines += [f"  {_who(m.person)}  {m.person.email}" + _state(m, tz) for m in shown]
    raise Refused("\n".join(lines))


MANY = 50  # matches counted before `checkin` says "more than"
SHOWN = 5  # candidates listed when a query matches several people


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
@click.argument("session_code", metavar="SESSION_CODE")
@click.argument("query", metavar="QUERY_OR_BADGE")
@station_option
@click.option("--override", is_flag=True, help="Mark present even when the room is full.")
@click.option(
    "--move",
    is_flag=True,
    help="If they are present in another session of this slot, move them here "
    "(the first mark is kept, stamped as moved); without it that is refused.",
)
def attend(
    event_file: Path,
    db_path: Path | None,
    session_code: str,
    query: str,
    station: str,
    override: bool,
    move: bool,
) -> None:
    """Mark someone present in a session, by badge code or name (checks them in if needed)."""
    from bigconv.data import attendance
    from bigconv.data.timetable import session_by_code

    ctx = load(event_file, db_path)
    db = open_existing(ctx)
    session = session_by_code(db, session_code)
    if session is None:
        raise BadInput(f"no session with code {session_code!r} (see `bigconv sessions`)")
    person = _one_person(db, query, ctx.event.tz)
    result = attendance.mark_present(
        db, session.id, person.id, station=station, override=override, move=move
    )
    tz = ctx.event.tz
    when = store.parse_iso(result.at).astimezone(tz)
    where = f"{session.code} {session.title} ({session.room})"
    if result.status == attendance.ELSEWHERE:
        raise Refused(
            f"{person.name} is present in {result.other.name} since {when:%H:%M}"
            f" ({result.station}), in the same slot: not marked;"
            f" add --move to move them to {where}."
        )
    if result.status == attendance.ALREADY:
        raise Refused(
            f"{person.name} is already present in {where} since {when:%H:%M} ({result.station})."
        )
    if result.status == attendance.FULL:
        raise Refused(
            f"{session.room} is full ({result.present}/{result.capacity}): not marked;"
            f" add --override to mark {person.name} present anyway."
        )
    notes = [
        text
        for flag, text in (
            (result.moved, f"moved from {result.other.name if result.other else ''}"),
            (result.walk_in, "walk-in"),
            (result.override, "over capacity, override logged"),
            (result.checked_in, "checked in too"),
        )
        if flag
    ]
    click.echo(
        f"Present: {person.name} in {where} at {when:%H:%M}, {result.present}/{result.capacity}"
        + (f" ({'; '.join(notes)})" if notes else "")
        + "."
    )


@cli.command()
@event_argument
@click.option("--host", default="0.0.0.0", show_default=True, help="Address to listen on.")
@click.option(
    "--port", default=8000, show_default=True, type=click.IntRange(1, 65535), help="Port."
)
@backup_option
@at_option
@click.option(
    "--sites",
    default="phone,links,staff",
    show_default=True,
    callback=_check_sites,
    help=(
        "Which sites to serve, comma-separated: phone (the day's pages, reactions, feedback, "
        "commitments), links (personal pages, /me/...), staff (stations, /staff). On a server "
        "reachable from the internet, only links."
    ),
)
@click.option(
    "--no-staff", is_flag=True, help="Leave the staff stations out (as --sites phone,links)."
)
@allow_host_option
@trusted_proxy_option
def serve(
    event_file: Path,
    db_path: Path | None,
    host: str,
    port: int,
    backup_minutes: float,
    at_time: str | None,
    sites: tuple[str, ...],
    no_staff: bool,
    allow_hosts: tuple[str, ...],
    trusted_proxies: tuple[str, ...],
) -> None:
    """Serve the phone site, personal links and staff stations (/staff, passcode) without the app; ctrl+c stops."""
    import asyncio

    from bigconv.data.backup import default_dir, read_alert
    from bigconv.data.fileguard import sqlite_line
    from bigconv.data.staff import staff_passcode
    from bigconv.net import loopback_warning, phone_base_url
    from bigconv.web.backups import add_periodic_backups
    from bigconv.web.common.limits import raise_file_limit
    from bigconv.web.common.urls import STAFF_PREFIX
    from bigconv.web.server import LISTEN_BACKLOG, make_web_app, serve_forever

    ctx = load(event_file, db_path)
    clock = process_clock(ctx.event, at_time, None)
    db = open_existing(ctx)
    passcode = staff_passcode(db)
    db.close()
    if alert := read_alert(ctx.db_path):  # a damaged database found by an earlier backup
        click.echo(alert, err=True)
    base = phone_base_url(ctx.event.base_url, port, host)
    if no_staff:
        sites = tuple(site for site in sites if site != "staff")
    app = make_web_app(
        ctx.db_path,
        ctx.event,
        sites=sites,
        clock=clock,
        public_url=base,
        host=host,
        allow_hosts=allow_hosts,
        trusted_proxies=trusted_proxies,
    )
    listening = f"(listening on {host}:{port}; ctrl+c stops)"
    if "phone" in sites:  # personal links, if served, are beside it: {base}/me/TOKEN
        click.echo(f"Phone site: {base}/CODE  {listening}")
    elif "links" in sites:
        click.echo(f"Personal links only: {base}/me/TOKEN  {listening}")
    else:
        click.echo(f"Staff stations only  {listening}")
    click.echo(sqlite_line())
    if warning := loopback_warning(host):
        click.echo(f"Warning: {warning}", err=True)
    if clock is not None:
        click.echo(f"Rehearsal clock: {clock().astimezone(ctx.event.tz):%H:%M} on the event day")
    if "staff" in sites:
        click.echo(f"Staff stations: {base}{STAFF_PREFIX}  passcode: {passcode}")
    if backup_minutes:
        add_periodic_backups(
            app, ctx.db_path, backup_minutes * 60, lambda m: click.echo(m, err=True)
        )
        click.echo(f"Backups: every {backup_minutes:g} minutes into {default_dir(ctx.db_path)}")
    raise_file_limit()  # a hall of phones needs more than the usual 1,024 descriptors
    try:
        asyncio.run(serve_forever(app, host, port, backlog=LISTEN_BACKLOG))
    except OSError as exc:
        raise Refused(
            f"cannot listen on {host}:{port}: {exc.strerror or exc} (is bigconv already serving? try --port)"
        ) from None


@cli.command("qr")
@event_argument
@out_option
@click.option(
    "--port", default=8000, show_default=True, help="Phone-site port, when base_url is not set."
)
@click.option(
    "--host",
    default="0.0.0.0",
    show_default=True,
    help="Phone-site listening address, when base_url is not set.",
)
def qr_command(event_file: Path, db_path: Path | None, out_dir: Path, port: int, host: str) -> None:
    """Write each session's QR code (CODE.svg, CODE.png) and printable posters.html."""
    from bigconv.data.timetable import sessions as all_sessions
    from bigconv.net import is_loopback, phone_base_url
    from bigconv.printables import write_session_codes

    ctx = load(event_file, db_path)
    db = open_existing(ctx)
    base = phone_base_url(ctx.event.base_url, port, host)
    rows = all_sessions(db)
    try:
        write_session_codes(out_dir, rows, base, ctx.event.tz, ctx.event.name)
    except OSError as exc:
        raise BadInput(f"{out_dir}: cannot write: {exc.strerror or exc}") from None
    click.echo(
        f"{out_dir}: {len(rows)} session QR codes (SVG and PNG) and posters.html for {base}/CODE"
    )
    if not ctx.event.base_url:
        click.echo(
            f"Note: base_url is not set in {event_file.name}, so the codes use this laptop's "
            "current address; set base_url to the address phones will use at the venue.",
            err=True,
        )
        if is_loopback(host):
            click.echo(
                f"Warning: {base} is this laptop only: no phone can open these codes.", err=True
            )


@cli.command()
@event_argument
@out_option
def badges(event_file: Path, db_path: Path | None, out_dir: Path) -> None:
    """Write printable badge sheets (badges.html, A4) and one QR code PNG per badge."""
    from bigconv.data.printing import badge_rows
    from bigconv.printables import write_badges

    ctx = load(event_file, db_path)
    people = badge_rows(open_existing(ctx))
    try:
        write_badges(out_dir, people, ctx.event.name)
    except OSError as exc:
        raise BadInput(f"{out_dir}: cannot write: {exc.strerror or exc}") from None
    click.echo(f"{out_dir}: {len(people)} badges in badges.html, one BADGE.png each")


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


@cli.command()
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
    from bigconv.data import staff

    if new and text is not None:
        raise BadInput("give --new or --set TEXT, not both")
    ctx = load(event_file, db_path)
    db = open_existing(ctx)
    if not new and text is None:
        click.echo(f"Staff passcode: {staff.staff_passcode(db)}")
        return
    try:
        code = staff.set_passcode(db, text, station=station)
    except staff.BadPasscode as exc:
        raise BadInput(f"--set: {exc}") from None
    click.echo(f"New staff passcode: {code}")
    click.echo("Every browser station logs out now: give staff the new passcode.")


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


def _add_followup_commands() -> None:
    """The CPD loop's commands (bigconv/cli_followup.py): day-links, followup, schools, ..."""
    from bigconv.cli_followup import COMMANDS

    for command in COMMANDS:
        cli.add_command(command)


_add_followup_commands()


def main() -> None:
    try:
        cli(standalone_mode=True)
    except store.StoreError as exc:
        click.echo(str(exc), err=True)
        sys.exit(2)
    except sqlite3.Error as exc:
        # Locked by another program for longer than the busy timeout, read-only, disk full,
        # damaged: nothing was changed (the transaction rolled back). One line, exit 1.
        hint = " (try again in a moment)" if "locked" in str(exc) or "busy" in str(exc) else ""
        click.echo(f"Not done: {store.describe(exc)}{hint}", err=True)
        sys.exit(1)


if __name__ == "__main__":
    main()
