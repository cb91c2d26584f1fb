"""What every command shares: the EVENT argument and --db, the shared options, the two errors
(exit 2 bad input, exit 1 refused), and opening the day's database. `--out` and the files a
command writes: bigconv/cli/writing.py."""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import socket
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from bigconv.core.clock import parse_iso, utcnow
from bigconv.core.errors import ConfigError, StoreError
from bigconv.core.event import Event
from bigconv.data import database
from bigconv.services import setup
from bigconv.services.setup import Day


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


# -- the event, its database ---------------------------------------------------------------


def load(event_file: Path, db_path: Path | None) -> Day:
    """Load and validate the event file; every mistake is printed, exit 2."""
    try:
        return setup.load(event_file, db_path)
    except ConfigError as exc:
        raise BadInput(str(exc)) from None


def closing(db: database.EventDatabase) -> database.EventDatabase:
    """Close `db` when the command ends, however it ends: when no running process checkpoints,
    a command's last connection leaves the file whole (database.EventDatabase.close)."""
    if (command := click.get_current_context(silent=True)) is not None:
        command.call_on_close(lambda: _close_quietly(db))
    return db


def _close_quietly(db) -> None:
    with contextlib.suppress(sqlite3.Error):
        db.close()


def connect(day: Day) -> database.EventDatabase:
    """Open the day's database (exit 2 if it cannot be), closed when the command ends."""
    try:
        return closing(day.connect())
    except StoreError as exc:
        raise BadInput(str(exc)) from None


def initialise(day: Day, *, station: str = "init") -> setup.Initialised:
    """setup.initialise, its refusals worded (exit 2); the database closes with the command."""
    from bigconv.data.attendees import ImportError_
    from bigconv.data.sync import SyncRefused

    try:
        done = setup.initialise(day, station=station)
    except StoreError as exc:
        raise BadInput(str(exc)) from None
    except SyncRefused as exc:
        raise BadInput(f"{day.event.path.name}: {exc}") from None
    except ImportError_ as exc:
        raise BadInput(str(exc)) from None
    closing(done.db)
    return done


def open_existing(day: Day) -> database.EventDatabase:
    """Open the database, creating it from the event file first if it does not exist yet."""
    if not day.db_path.exists():
        return initialise(day).db
    return connect(day)


def existing_db(day: Day) -> database.EventDatabase:
    """Open a database that must already exist (after-the-day commands never create one)."""
    if not day.db_path.is_file():
        raise BadInput(f"{day.db_path}: no database yet (run `bigconv init {day.event.path}`)")
    return connect(day)


def correction_time(event: Event, at_time: str | None) -> dt.datetime | None:
    """When a correction (checkin, undo-checkin, attend) is stamped: --at HH:MM on the event
    day, in its time zone; --at now, or nothing on the event day itself: now (None). On any
    other day, without --at: exit 2, so a correction never lands off the day by mistake."""
    if at_time is not None and at_time.strip().casefold() == "now":
        return None
    if at_time:
        try:
            return setup.event_time(event, at_time)
        except ValueError:
            raise BadInput(f"--at {at_time}: expected a time such as 09:50, or now") from None
    today = utcnow().astimezone(event.tz).date()
    if today != event.date:
        raise BadInput(
            f"Today ({today:%d %b %Y}) is not the event day ({event.date:%d %b %Y}): give"
            " --at HH:MM to stamp this on the event day, or --at now to stamp it now"
        )
    return None


# -- options --------------------------------------------------------------------------------

Decorator = Callable[[Callable[..., Any]], Callable[..., Any]]


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
    """--station NAME, recorded with every action."""
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


def at_option(func):
    """--at HH:MM, for the commands that keep a day running (run, serve): a rehearsal."""
    return click.option(
        "--at",
        "at_time",
        metavar="HH:MM",
        help="Rehearse: start the clock at this local time on the event day, on a copy of "
        "the day's file (DAY.rehearsal.db) unless --on-the-real-file.",
    )(func)


def correction_at_option(func):
    """--at HH:MM|now, for the commands that record one thing (checkin, undo-checkin, attend)."""
    return click.option(
        "--at",
        "at_time",
        metavar="HH:MM|now",
        help="When it happened: HH:MM on the event day (its time zone), or now. Needed on "
        "any day but the event day (a correction made after it).",
    )(func)


def public_url_option(default: str = "default: base_url, else --host/--port") -> Decorator:
    """--public-url URL: the one name for the address phones (and personal links) use; it
    overrides the event file's base_url. `default` says what is used without it.
    --base-url is a hidden alias (the follow-up commands' name before)."""
    help_text = (
        f"The address phones and links use; overrides the event file's base_url ({default})."
    )

    def decorate(func):
        @functools.wraps(func)
        def command(*args, base_url_alias: str | None = None, **kwargs):
            kwargs["public_url"] = kwargs.get("public_url") or base_url_alias
            return func(*args, **kwargs)

        command = click.option(
            "--base-url", "base_url_alias", metavar="URL", hidden=True, callback=_check_url
        )(command)
        return click.option("--public-url", metavar="URL", callback=_check_url, help=help_text)(
            command
        )

    return decorate


def _check_url(ctx, param, value: str | None) -> str | None:
    if value is not None and not value.startswith(("http://", "https://")):
        raise BadInput(f"{param.opts[0]} {value}: must start with http:// or https://")
    return value


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


def phone_address_options(func):
    """--port and --host, for the commands that only name the phone site's address (the URLs
    they print or encode when neither --public-url nor base_url gives it)."""
    func = click.option(
        "--host",
        default="0.0.0.0",
        show_default=True,
        help="Phone-site listening address, for the URLs when base_url is not set.",
    )(func)
    return click.option(
        "--port",
        default=8000,
        show_default=True,
        help="Phone-site port, for the URLs when base_url is not set.",
    )(func)


def phone_address(
    day, public_url: str | None, port: int, host: str, *, listening: bool = False
) -> str:
    """The phone site's address: `--public-url`, else the event file's, else where we listen
    (the one rule: bigconv/net.py). A command that only names the address (`listening` False:
    qr, sessions) refuses a --port or --host given while --public-url or base_url decides,
    which it would otherwise leave unused without a word (exit 2)."""
    from bigconv.net import phone_base_url

    if not listening and (public_url or day.event.base_url) and (given := _given("port", "host")):
        decides = (
            f"--public-url {public_url}"
            if public_url
            else f"the event file's base_url ({day.event.base_url})"
        )
        raise BadInput(
            f"{given} is not used: {decides} is the address phones use. To print another,"
            " give it whole: --public-url http://HOST:PORT (and serve phones there)"
        )
    return phone_base_url(day.event.base_url, port, host, public_url=public_url)


def _given(*names: str) -> str:
    """The options among `names` typed on the command line, as typed ("--port 8304")."""
    from click.core import ParameterSource

    context = click.get_current_context(silent=True)
    if context is None:
        return ""
    typed = [
        f"--{name} {context.params.get(name)}"
        for name in names
        if context.get_parameter_source(name) == ParameterSource.COMMANDLINE
    ]
    return " and ".join(typed)


def address_warnings(
    day,
    db: database.EventDatabase,
    served: str,
    *,
    public_url: str | None,
    host: str | None = None,
    port: int | None = None,
) -> list[str]:
    """One line each: the posters show another address than `served` (the address this
    process gives phones); base_url names this computer on another port than `port`, where
    this process listens (unless --public-url said which address reaches it)."""
    from bigconv.data.printing import printed_address
    from bigconv.net import port_warning, printed_warning

    printed = printed_address(db)
    when = parse_iso(printed.at).astimezone(day.event.tz) if printed else None
    found = [
        printed_warning(served, printed.url, f"{when:%d %b %H:%M}") if printed and when else None,
        port_warning(served, host, port) if port is not None and host and not public_url else None,
    ]
    return [line for line in found if line]
