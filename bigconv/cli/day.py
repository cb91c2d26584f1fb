"""On the day: the app, the web server, and scripted check-in and attendance."""

from __future__ import annotations

from pathlib import Path

import click

from bigconv.cli.options import (
    BadInput,
    Refused,
    address_warnings,
    allow_host_option,
    at_option,
    backup_option,
    connect,
    correction_at_option,
    correction_time,
    event_argument,
    load,
    open_existing,
    phone_address,
    public_url_option,
    station_option,
    trusted_proxy_option,
)
from bigconv.cli.person import one_person, who
from bigconv.cli.rehearsal import rehearsal_options, rehearsal_reset, rehearse
from bigconv.core.clock import parse_iso

TITLE = "On the day"


@click.command()
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
@rehearsal_options
@click.option("--clock-offset", type=float, hidden=True)  # set by `serve` for browser stations
@click.option("--give-way", is_flag=True, hidden=True)  # a browser tab's station (priority.py)
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
@public_url_option()
@allow_host_option
def run(
    event_file: Path,
    db_path: Path | None,
    station: str,
    mode: str,
    at_time: str | None,
    on_real_file: bool,
    fresh_rehearsal: bool,
    clock_offset: float | None,
    give_way: bool,
    backup_minutes: float,
    room: str | None,
    no_server: bool,
    host: str,
    port: int,
    public_url: str | None,
    allow_hosts: tuple[str, ...],
) -> None:
    """Open the Textual app on the event (creating the database if needed)."""
    from bigconv.cli.compose import make_station_app
    from bigconv.data import fileguard
    from bigconv.services.setup import allocate_new_day
    from bigconv.tui.config import StationConfig

    fileguard.set_label(f"station {station}")

    day = load(event_file, db_path)
    fresh = not day.db_path.exists()
    db = open_existing(day)
    notices: list[str] = []  # shown in the app: it hides what was printed before it
    if fresh and (done := allocate_new_day(day, db)):
        notices.append(new_day_message(done))
    db.close()
    day, rehearsal = rehearse(
        day, at_time, clock_offset, on_real_file=on_real_file, fresh=fresh_rehearsal
    )
    for line in rehearsal.said if rehearsal else ():
        click.echo(line)
        notices.append(line)
    db = connect(day)
    if room is not None:
        room = room_name(db, room)
    base = phone_address(day, public_url, port, host, listening=True)
    listen = (None, None) if no_server else (host, port)
    for warning in address_warnings(
        day, db, base, public_url=public_url, host=listen[0], port=listen[1]
    ):
        click.echo(warning, err=True)
        notices.append(warning)
    db.close()
    config = StationConfig(
        station=station,
        mode=mode,
        event=day.event,
        clock=rehearsal.clock if rehearsal else None,
        rehearsal=rehearsal.label if rehearsal else None,
        backup_every=backup_minutes * 60 or None,
        room=room,
        serve_port=None if no_server else port,
        serve_host=host,
        public_url=base,
        allow_hosts=allow_hosts,
        notices=tuple(notices),
        give_way=give_way,
    )
    make_station_app(day.db_path, config).run()


def new_day_message(done) -> str:
    """Say what allocating a new day did, here and (returned) in the app."""
    if done.refused:
        message = f"Not allocated ({done.refused}); see `bigconv allocate`."
        click.echo(message, err=True)
        return message
    message = f"Allocated {done.written} workshop places from everyone's choices."
    click.echo(message)
    return message


def room_name(db, name: str) -> str:
    """The room's name as stored, or exit 2 naming the rooms there are."""
    from bigconv.data.attendance import find_room
    from bigconv.data.timetable import rooms

    room = find_room(db, name)
    if room is None:
        known = ", ".join(r["name"] for r in rooms(db))
        raise BadInput(f"--room: no room named {name!r} (known rooms: {known})")
    return room["name"]


def _check_sites(ctx, param, value: str) -> tuple[str, ...]:
    from bigconv.web.server import SITES

    sites = tuple(dict.fromkeys(part.strip() for part in value.split(",") if part.strip()))
    if not sites or any(site not in SITES for site in sites):
        raise BadInput(f"--sites {value!r}: give one or more of {','.join(SITES)}, comma-separated")
    return sites


@click.command()
@event_argument
@click.option("--host", default="0.0.0.0", show_default=True, help="Address to listen on.")
@click.option(
    "--port", default=8000, show_default=True, type=click.IntRange(1, 65535), help="Port."
)
@public_url_option()
@backup_option
@at_option
@rehearsal_options
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
    public_url: str | None,
    backup_minutes: float,
    at_time: str | None,
    on_real_file: bool,
    fresh_rehearsal: bool,
    sites: tuple[str, ...],
    no_staff: bool,
    allow_hosts: tuple[str, ...],
    trusted_proxies: tuple[str, ...],
) -> None:
    """Serve the phone site, personal links and staff stations (/staff, passcode) without the app; ctrl+c stops."""
    import asyncio

    from bigconv.data.backup import default_dir, read_alert
    from bigconv.data.fileguard import sqlite_line
    from bigconv.data.passcode import staff_passcode
    from bigconv.net import loopback_warning
    from bigconv.web.backups import add_periodic_backups
    from bigconv.web.common.limits import raise_file_limit
    from bigconv.web.common.urls import STAFF_PREFIX
    from bigconv.web.server import LISTEN_BACKLOG, CannotListen, make_web_app, serve_forever

    day = load(event_file, db_path)
    open_existing(day).close()  # made from the event file if it is not there yet
    day, rehearsal = rehearse(day, at_time, None, on_real_file=on_real_file, fresh=fresh_rehearsal)
    clock = rehearsal.clock if rehearsal else None
    db = connect(day)
    passcode = staff_passcode(db)
    if alert := read_alert(day.db_path):  # a damaged database found by an earlier backup
        click.echo(alert, err=True)
    base = phone_address(day, public_url, port, host, listening=True)
    warnings = address_warnings(day, db, base, public_url=public_url, host=host, port=port)
    db.close()
    if no_staff:
        sites = tuple(site for site in sites if site != "staff")
    app = make_web_app(
        day.db_path,
        day.event,
        sites=sites,
        clock=clock,
        public_url=base,
        host=host,
        allow_hosts=allow_hosts,
        trusted_proxies=trusted_proxies,
        rehearsal=rehearsal.label if rehearsal else None,
    )
    if backup_minutes:
        add_periodic_backups(
            app, day.db_path, backup_minutes * 60, lambda m: click.echo(m, err=True)
        )

    def listening() -> None:  # once the port is bound: nothing is announced that is not so
        line = f"(listening on {host}:{port}; ctrl+c stops)"
        if "phone" in sites:  # personal links, if served, are beside it: {base}/me/TOKEN
            click.echo(f"Phone site: {base}/CODE  {line}")
        elif "links" in sites:
            click.echo(f"Personal links only: {base}/me/TOKEN  {line}")
        else:
            click.echo(f"Staff stations only  {line}")
        click.echo(sqlite_line())
        if warning := loopback_warning(host):
            click.echo(f"Warning: {warning}", err=True)
        for line in warnings:
            click.echo(line, err=True)
        for line in rehearsal.said if rehearsal else ():  # where it runs, and its clock
            click.echo(line)
        if "staff" in sites:
            click.echo(f"Staff stations: {base}{STAFF_PREFIX}  passcode: {passcode}")
        if backup_minutes:
            click.echo(f"Backups: every {backup_minutes:g} minutes into {default_dir(day.db_path)}")

    raise_file_limit()  # a hall of phones needs more than the usual 1,024 descriptors
    try:
        asyncio.run(serve_forever(app, host, port, backlog=LISTEN_BACKLOG, listening=listening))
    except CannotListen as exc:
        raise BadInput(f"cannot listen on {host}:{port}: {exc.why(host, port)}") from None


@click.command()
@event_argument
@click.argument("query", metavar="QUERY_OR_BADGE")
@station_option
@correction_at_option
def checkin(
    event_file: Path, db_path: Path | None, query: str, station: str, at_time: str | None
) -> None:
    """Check one person in by badge code, name or email (exit 1 if refused)."""
    from bigconv.data.checkin import check_in

    day = load(event_file, db_path)
    db = open_existing(day)
    person = one_person(db, query, day.event.tz)
    at = correction_time(day.event, at_time)  # asked once the person is known
    result = check_in(db, person.id, station=station, at=at)
    when = f"{parse_iso(result.at).astimezone(day.event.tz):%H:%M}"
    if not result.checked_in:
        raise Refused(f"Already checked in: {who(person)} at {when} by {result.station}")
    click.echo(f"Checked in: {who(person)} at {when} by {station}")


@click.command("undo-checkin")
@event_argument
@click.argument("query", metavar="QUERY_OR_BADGE")
@station_option
@correction_at_option
def undo_checkin_command(
    event_file: Path, db_path: Path | None, query: str, station: str, at_time: str | None
) -> None:
    """Undo one person's check-in (kept in the records, stamped undone; exit 1 if not checked in)."""
    from bigconv.data.checkin import undo_checkin
    from bigconv.data.desk import present_sessions

    day = load(event_file, db_path)
    db = open_existing(day)
    person = one_person(db, query, day.event.tz)
    at = correction_time(day.event, at_time)  # asked once the person is known
    if not undo_checkin(db, person.id, station=station, at=at):
        raise Refused(f"Not checked in: {who(person)}")
    click.echo(f"Check-in undone: {who(person)}")
    for p in present_sessions(db, person.id):  # a room's mark stands: the host's to undo
        click.echo(
            f"Still marked present in {p.code} {p.title} ({p.room}): if that was a mistake too,"
            f" undo it in the room."
        )


@click.command()
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
@correction_at_option
def attend(
    event_file: Path,
    db_path: Path | None,
    session_code: str,
    query: str,
    station: str,
    override: bool,
    move: bool,
    at_time: str | None,
) -> None:
    """Mark someone present in a session, by badge code or name (checks them in if needed)."""
    from bigconv.data import attendance
    from bigconv.data.timetable import session_by_code

    day = load(event_file, db_path)
    db = open_existing(day)
    session = session_by_code(db, session_code)
    if session is None:
        raise BadInput(f"no session with code {session_code!r} (see `bigconv sessions`)")
    person = one_person(db, query, day.event.tz)
    at = correction_time(day.event, at_time)  # asked once the session and person are known
    result = attendance.mark_present(
        db, session.id, person.id, station=station, override=override, move=move, at=at
    )
    when = parse_iso(result.at).astimezone(day.event.tz)
    where = f"{session.code} {session.title} ({session.room})"
    if result.status in (attendance.ELSEWHERE, attendance.FULL):  # no --move / --override
        attendance.decline_mark(
            db, session.id, person.id, reason=result.status, station=station, at=at
        )
    if result.status == attendance.ELSEWHERE:
        assert result.other is not None  # the session they are present in
        other = result.other
        by = f", marked by {other.marked_by}" if other.marked_by else ""
        raise Refused(
            f"{person.name} is present in {other.code} {other.title} ({other.room})"
            f" since {when:%H:%M}{by}, in the same slot: not marked;"
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


COMMANDS = (run, serve, checkin, undo_checkin_command, attend, rehearsal_reset)
