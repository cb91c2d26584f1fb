"""What one station is: the settings `bigconv run` (and every test) builds the app with."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from bigconv.core.event import Event


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
    backup_every: float | None = None
    """Seconds between periodic backups into backups/ beside the database; None: none."""
    room: str | None = None
    """The room mode's room by name; None: it asks."""
    serve_port: int | None = None
    """Serve the phone site from this app on this port; None: serve nothing."""
    serve_host: str = "0.0.0.0"
    """The address the phone site listens on."""
    public_url: str | None = None
    """The phone address to show and encode (else base_url, else where the site listens)."""
    allow_hosts: tuple[str, ...] = ()
    """More names the phone site answers to (`run --allow-host`)."""
    notices: tuple[str, ...] = ()
    """What `run` said before the app took the terminal, shown again as toasts."""
