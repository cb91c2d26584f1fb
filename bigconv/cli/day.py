"""On the day: the app, the web server, and scripted check-in and attendance."""

from __future__ import annotations

from pathlib import Path

import click

from bigconv.cli.options import (
    BadInput,
    Refused,
    allow_host_option,
    at_option,
    backup_option,
    event_argument,
    load,
    open_existing,
    phone_address,
    process_clock,
    public_url_option,
    station_option,
    trusted_proxy_option,
)
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
@public_url_option()
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
    from bigconv.cli.compose import make_station_app
    from bigconv.data import fileguard
    from bigconv.services.setup import allocate_new_day
    from bigconv.tui.config import StationConfig

    fileguard.set_label(f"station {station}")

    day = load(event_file, db_path)
    clock = process_clock(day.event, at_time, clock_offset)
    fresh = not day.db_path.exists()
    db = open_existing(day)
    notices: list[str] = []  # shown in the app: it hides what was printed before it
    if fresh and (done := allocate_new_day(day, db)):
        notices.append(new_day_message(done))
    if room is not None:
        room = room_name(db, room)
    db.close()
    config = StationConfig(
        station=station,
        mode=mode,
        event=day.event,
        clock=clock,
        backup_every=backup_minutes * 60 or None,
        room=room,
        serve_port=None if no_server else port,
        serve_host=host,
        public_url=phone_address(day, public_url, port, host),
        allow_hosts=allow_hosts,
        notices=tuple(notices),
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
    from bigconv.web.server import LISTEN_BACKLOG, make_web_app, serve_forever

    day = load(event_file, db_path)
    clock = process_clock(day.event, at_time, None)
    db = open_existing(day)
    passcode = staff_passcode(db)
    db.close()
    if alert := read_alert(day.db_path):  # a damaged database found by an earlier backup
        click.echo(alert, err=True)
    base = phone_address(day, public_url, port, host)
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
        click.echo(f"Rehearsal clock: {clock().astimezone(day.event.tz):%H:%M} on the event day")
    if "staff" in sites:
        click.echo(f"Staff stations: {base}{STAFF_PREFIX}  passcode: {passcode}")
    if backup_minutes:
        add_periodic_backups(
            app, day.db_path, backup_minutes * 60, lambda m: click.echo(m, err=True)
        )
        click.echo(f"Backups: every {backup_minutes:g} minutes into {default_dir(day.db_path)}")
    raise_file_limit()  # a hall of phones needs more than the usual 1,024 descriptors
    try:
        asyncio.run(serve_forever(app, host, port, backlog=LISTEN_BACKLOG))
    except OSError as exc:
        raise Refused(
            f"cannot listen on {host}:{port}: {exc.strerror or exc} (is bigconv already serving? try --port)"
        ) from None


@click.command()
@event_argument
@click.argument("query", metavar="QUERY_OR_BADGE")
@station_option
def checkin(event_file: Path, db_path: Path | None, query: str, station: str) -> None:
    """Check one person in by badge code, name or email (exit 1 if refused)."""
    from bigconv.data.checkin import check_in

    day = load(event_file, db_path)
    db = open_existing(day)
    person = one_person(db, query, day.event.tz)
    result = check_in(db, person.id, station=station)
    when = f"{parse_iso(result.at).astimezone(day.event.tz):%H:%M}"
    if not result.checked_in:
        raise Refused(f"Already checked in: {_who(person)} at {when} by {result.station}")
    click.echo(f"Checked in: {_who(person)} at {when} by {station}")


@click.command("undo-checkin")
@event_argument
@click.argument("query", metavar="QUERY_OR_BADGE")
@station_option
def undo_checkin_command(event_file: Path, db_path: Path | None, query: str, station: str) -> None:
    """Undo one person's check-in (kept in the records, stamped undone; exit 1 if not checked in)."""
    from bigconv.data.checkin import undo_checkin

    day = load(event_file, db_path)
    db = open_existing(day)
    person = one_person(db, query, day.event.tz)
    if not undo_checkin(db, person.id, station=station):
        raise Refused(f"Not checked in: {_who(person)}")
    click.echo(f"Check-in undone: {_who(person)}")


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

    day = load(event_file, db_path)
    db = open_existing(day)
    session = session_by_code(db, session_code)
    if session is None:
        raise BadInput(f"no session with code {session_code!r} (see `bigconv sessions`)")
    person = one_person(db, query, day.event.tz)
    result = attendance.mark_present(
        db, session.id, person.id, station=station, override=override, move=move
    )
    when = parse_iso(result.at).astimezone(day.event.tz)
    where = f"{session.code} {session.title} ({session.room})"
    if result.status == attendance.ELSEWHERE:
        assert result.other is not None  # the session they are present in
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


MANY = 50  # matches counted before `checkin` says "more than"
SHOWN = 5  # candidates listed when a query matches several people


def one_person(db, text: str, tz):
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


def _who(person) -> str:
    return (
        f"{person.badge}  {person.name} ({', '.join(x for x in (person.school, person.role) if x)})"
    )


def _state(match, tz) -> str:
    if not match.checked_in_at:
        return ""
    return f"  checked in {parse_iso(match.checked_in_at).astimezone(tz):%H:%M} at {match.checked_in_by}"


COMMANDS = (run, serve, checkin, undo_checkin_command, attend)
