"""What every command shares: the EVENT argument and --db, the shared options, the two errors
(exit 2 bad input, exit 1 refused), and opening the day's database."""

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

from bigconv.core.clock import OffsetClock
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


def folder(path: Path) -> Path:
    """The folder `path`, created if needed (exit 2 if it cannot be)."""
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise BadInput(f"{path}: cannot create the folder: {exc.strerror}") from None
    return path


def process_clock(event: Event, at_time: str | None, offset: float | None):
    """The one clock of this process: --at, else an offset handed down by `serve`, else real."""
    if at_time:
        try:
            return setup.rehearsal_clock(event, at_time)
        except ValueError:
            raise BadInput(f"--at {at_time}: expected a time such as 09:50") from None
    if offset is not None:
        return OffsetClock(dt.timedelta(seconds=offset))
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


def out_option(func):
    """--out DIR, required, for the commands that write files."""
    return click.option(
        "--out",
        "out_dir",
        required=True,
        type=click.Path(file_okay=False, path_type=Path),
        help="Folder to write into (created if needed).",
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
    """--at HH:MM, for the commands that keep a day running (run, serve)."""
    return click.option(
        "--at",
        "at_time",
        metavar="HH:MM",
        help="Rehearse: start the clock at this local time on the event day "
        "(drives the screens and the phone site served).",
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


def phone_address(day, public_url: str | None, port: int, host: str) -> str:
    """The phone site's address: `--public-url`, else the event file's, else where we listen."""
    from bigconv.net import phone_base_url

    return public_url or phone_base_url(day.event.base_url, port, host)
