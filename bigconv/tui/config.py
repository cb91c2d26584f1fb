"""What one station is: the settings `bigconv run` (and every test) builds the app with."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from bigconv.core.event import Event


class PhoneSite(Protocol):
    """The phone site an app serves in its own event loop (`bigconv run` hands one in:
    bigconv/cli/compose.py); the app starts it when mounted and stops it when it ends."""

    async def start(self) -> str:
        """Start serving; return one line saying where phones go (shown in the header)."""
        ...

    async def stop(self) -> None:
        """Stop serving."""
        ...


@dataclass(frozen=True)
class StationConfig:
    """One station's settings; the app changes station and room only by replacing it."""

    station: str = "test"
    """The name written with every action (the log's `station`)."""
    mode: str = "timetable"
    """The screen it opens on: timetable, desk, room, dashboard or setup."""
    event: Event | None = None
    """The event file, if the station was started from one (else the database's own meta)."""
    clock: Callable[[], dt.datetime] | None = None
    """Now, in UTC: the screens and the phone site this app serves go by it (tests stop it,
    `run --at` rehearses); None: the real time."""
    rehearsal: str | None = None
    """What the header says first when this is a rehearsal ("REHEARSAL"); None: the day."""
    backup_every: float | None = None
    """Seconds between periodic backups into backups/ beside the database; None: none."""
    room: str | None = None
    """The room mode's room by name; None: it asks."""
    serve_port: int | None = None
    """The port the phone site this app serves listens on (for its address); None: none."""
    serve_host: str = "0.0.0.0"
    """The address the phone site listens on."""
    phone_site: PhoneSite | None = None
    """The phone site to serve from this app's loop; None: serve nothing."""
    staff_prefix: str = "/staff"
    """Where the browser stations live under the phone address (the web server's STAFF_PREFIX,
    handed in by `bigconv run`: the app imports nothing of bigconv.web)."""
    public_url: str | None = None
    """The phone address to show and encode (else base_url, else where the site listens)."""
    allow_hosts: tuple[str, ...] = ()
    """More names the phone site answers to (`run --allow-host`)."""
    notices: tuple[str, ...] = ()
    """What `run` said before the app took the terminal, shown again as toasts."""
    give_way: bool = False
    """A browser tab's station, one of many processes on the serving laptop: while it shows
    only figures it runs at a lower priority (bigconv/tui/priority.py)."""
