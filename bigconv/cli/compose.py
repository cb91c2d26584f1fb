"""`bigconv run` puts the app and the web server together: the app serves the phone site in its
own event loop through the small `PhoneSite` interface it defines (bigconv/tui/config.py), so
bigconv.tui imports nothing of bigconv.web."""

from __future__ import annotations

import asyncio
import datetime as dt
import errno
from collections.abc import Callable, Iterable
from dataclasses import replace
from pathlib import Path

import aiohttp
from aiohttp import web

from bigconv.core.clock import utcnow
from bigconv.core.event import Event
from bigconv.net import loopback_warning, phone_base_url
from bigconv.tui.app import BigconvApp, make_app
from bigconv.tui.config import StationConfig
from bigconv.web.common.urls import STAFF_PREFIX
from bigconv.web.server import (
    LISTEN_BACKLOG,
    CannotListen,
    make_web_app,
    start_site,
    stop_site,
)


def make_station_app(db_path: Path, config: StationConfig) -> BigconvApp:
    """The app as `bigconv run` builds it: serving the phone site (and /staff) on
    `config.serve_port` if one is given; tests that serve phones call this too."""
    config = replace(config, staff_prefix=STAFF_PREFIX)
    if config.serve_port is not None and config.phone_site is None:
        event = config.event
        url = phone_base_url(
            event.base_url if event else None,
            config.serve_port,
            config.serve_host,
            public_url=config.public_url,
        )
        runner = PhoneSiteRunner(
            db_path,
            event,
            config.serve_host,
            config.serve_port,
            url=url,
            clock=config.clock,
            allow_hosts=config.allow_hosts,
            rehearsal=config.rehearsal,
        )
        config = replace(config, phone_site=runner)
    return make_app(db_path, config)


async def served_by_bigconv(port: int) -> bool:
    """True if a bigconv phone site answers on this machine's `port`."""
    try:
        timeout = aiohttp.ClientTimeout(total=1.5)
        async with (
            aiohttp.ClientSession(timeout=timeout) as client,
            client.get(f"http://127.0.0.1:{port}/api/about") as response,
        ):
            return (await response.json()).get("app") == "bigconv"
    except (aiohttp.ClientError, TimeoutError, ValueError, AttributeError):
        return False


class PhoneSiteRunner:
    """Start and stop the phone site with an AppRunner (never web.run_app: it takes the loop)."""

    def __init__(
        self,
        db_path: Path,
        event: Event | None,
        host: str,
        port: int,
        *,
        url: str | None = None,
        clock: Callable[[], dt.datetime] | None = None,
        allow_hosts: Iterable[str] = (),
        rehearsal: str | None = None,
    ):
        self.db_path, self.event, self.host, self.port = db_path, event, host, port
        self.allow_hosts = tuple(allow_hosts)  # more names the site answers to (a proxy's)
        self.runner: web.AppRunner | None = None
        self.sweeper: asyncio.Task | None = None
        self.url = phone_base_url(event.base_url if event else None, port, host, public_url=url)
        self.clock = clock or utcnow  # the app's clock: a rehearsal (--at) drives both
        self.rehearsal = rehearsal  # and its pages say so

    async def start(self) -> str:
        """Start serving; return a one-line message saying where phones should go."""
        staff = self.event is not None  # browser stations need the event file to start
        app = make_web_app(
            self.db_path,
            self.event,
            staff=staff,
            clock=self.clock,
            public_url=self.url,
            host=self.host,
            allow_hosts=self.allow_hosts,
            rehearsal=self.rehearsal,
        )
        try:
            runner, self.sweeper = await start_site(
                app, self.host, self.port, backlog=LISTEN_BACKLOG
            )
        except OSError as exc:  # the port (CannotListen), or the site's own start
            if exc.errno == errno.EADDRINUSE and await served_by_bigconv(self.port):
                return f"Phones: {self.url} (served by another bigconv)"
            why = (
                exc.why(self.host, self.port)
                if isinstance(exc, CannotListen)
                else exc.strerror or str(exc)
            )
            return f"Phone site NOT started: {why}"
        self.runner = runner
        warning = loopback_warning(self.host)
        tail = f" · ⚠ {warning}" if warning else ""
        if not staff:
            return f"Phones: {self.url}{tail}"
        # The passcode is not in this line: it goes in the header, which a hall may read.
        return (
            f"Phones: {self.url} · Staff: {self.url}{STAFF_PREFIX} (F12 shows the passcode){tail}"
        )

    async def stop(self) -> None:
        """Stop serving (if it started): every connection closed."""
        if self.runner is not None and self.sweeper is not None:
            await stop_site(self.runner, self.sweeper)
            self.runner = None
