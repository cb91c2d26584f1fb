"""The one way to build and run bigconv's web server: the sites asked for (`serve --sites`) over
one shared site object, behind the security and connection middlewares, and its start and stop.

Three sites, three trust levels (see the README's "Security on a shared network"):

- `phone`: the anonymous phone pages, reactions, feedback and commitments of the day (venue LAN);
- `links`: the personal pages behind each person's link, `/me/TOKEN` (day pages, follow-ups;
  the LAN, or the internet behind a TLS proxy);
- `staff`: the passcode-protected browser stations under `/staff` (venue LAN only).
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import errno
import shlex
import signal
from collections.abc import Callable, Iterable
from pathlib import Path

from aiohttp import web

from bigconv.core.clock import OffsetClock, utcnow
from bigconv.core.event import Event
from bigconv.data import reactions
from bigconv.net import served_names
from bigconv.web.common.answers import guard
from bigconv.web.common.limits import GUARD, SERVER_LIMITS, ConnectionGuard, quiet_logs
from bigconv.web.common.security import forwarded, host_check, parse_proxy, trusted
from bigconv.web.common.site import SITE, PhoneLimits, SiteDb
from bigconv.web.common.urls import STAFF_PREFIX, STATIC
from bigconv.web.links import pages as links
from bigconv.web.phone.pages import PhoneSite
from bigconv.web.stations.app import make_staff_app
from bigconv.web.stations.gateway import MAX_STATIONS
from bigconv.web.stations.terminal import station_command

SITES = ("phone", "links", "staff")
# A whole hall scanning the poster at once: room for every phone's connection in the queue
# (the default 128 makes the rest retry after a second).
LISTEN_BACKLOG = 1024
MAX_BODY = 16 * 1024  # a feedback form is well under 2 KB; anything larger is refused with 413
STAFF_APP = web.AppKey("bigconv_staff_app", web.Application)
PHONE = web.AppKey("bigconv_phone", PhoneSite)


def _station_command(db_path: Path, event: Event, clock, public_url: str | None) -> str:
    """The browser stations' command, told this server's phone address and rehearsal clock."""
    command = station_command(event.path.resolve(), Path(db_path).resolve())
    extra = []
    if public_url:
        extra += ["--public-url", public_url]
    if isinstance(clock, OffsetClock):
        extra += ["--clock-offset", f"{clock.offset.total_seconds():.3f}"]
    return " ".join([command, *map(shlex.quote, extra)])


async def about(request: web.Request) -> web.Response:
    """GET /api/about, on every server whatever its sites: is this bigconv, and which event."""
    return web.json_response({"app": "bigconv", "event": request.app[SITE].event_name})


def make_web_app(
    db_path: Path,
    event: Event | None = None,
    *,
    sites: Iterable[str] | None = None,
    staff: bool = False,
    clock: Callable[[], dt.datetime] | None = None,
    cooldown: dt.timedelta = reactions.COOLDOWN,
    public_url: str | None = None,
    limits: PhoneLimits | None = None,
    worker_options: dict | None = None,
    host: str | None = None,
    allow_hosts: Iterable[str] = (),
    trusted_proxies: Iterable[str] = (),
    rehearsal: str | None = None,
) -> web.Application:
    """Build the web server over the event database (the CLI and the tests call this).

    `sites`: which of SITES to serve; by default the phone and personal pages, and the staff
    stations under /staff too when `staff` is set (they need `event`: stations start from it).
    `clock` stamps reactions and feedback and says which session is on; the browser stations
    get the same clock (a rehearsal's offset) and `public_url`, the address phones use.
    Requests must name this server in their Host header: this machine, `host` (the address
    listened on), `public_url`'s and base_url's hosts, or one of `allow_hosts` (a proxy's).
    `trusted_proxies` (addresses or networks) are believed about the client's scheme, host and
    address (`X-Forwarded-*`, bigconv/web/common/security.py); nobody else is.
    `rehearsal` ("REHEARSAL"), if given, heads every page (not the day: bigconv/services/rehearsal.py).
    `limits` and `worker_options` (DbWorker's) are for benchmarks."""
    wanted = set(sites) if sites is not None else {"phone", "links", *(["staff"] if staff else [])}
    if unknown := wanted - set(SITES):
        raise ValueError(f"unknown sites: {', '.join(sorted(unknown))} (known: {', '.join(SITES)})")
    site = SiteDb(
        db_path,
        event,
        clock or utcnow,
        limits=limits or PhoneLimits(),
        worker_options=worker_options,
        rehearsal=rehearsal,
    )
    proxies = tuple(parse_proxy(p) for p in trusted_proxies)
    connections = ConnectionGuard()
    connections.exempt = lambda address: trusted(address, proxies)
    names = served_names(host, [public_url, event.base_url if event else None], allow_hosts)
    app = web.Application(
        client_max_size=MAX_BODY,
        middlewares=[forwarded(proxies), host_check(names), connections.middleware, guard],
    )
    app[GUARD] = connections
    app[SITE] = site
    app.on_startup.append(site.open)
    app.on_cleanup.append(site.close)
    app.cleanup_ctx.append(site.rate_limits.running)
    if "staff" in wanted:
        if event is None:
            raise ValueError("the staff stations need the event file (stations start from it)")
        connections.stations = MAX_STATIONS  # their pipes count against the open-file limit
        command = _station_command(db_path, event, clock, public_url)
        app[STAFF_APP] = make_staff_app(db_path, event, data=site, command=command)
        app.add_subapp(STAFF_PREFIX, app[STAFF_APP])
    app.router.add_get("/api/about", about)
    if wanted & {"phone", "links"}:
        app.router.add_static("/static", STATIC)
    if "links" in wanted:
        links.add_routes(app)  # /me/TOKEN, before the phone site's /{code}
    if "phone" in wanted:
        app[PHONE] = PhoneSite(site, cooldown)
        app[PHONE].add_routes(app)
    return app


class CannotListen(OSError):
    """The port could not be bound (in use, not allowed, not an address here): nothing served."""

    def why(self, host: str, port: int) -> str:
        """What went wrong and what to do, for a person."""
        if self.errno == errno.EADDRINUSE:
            return (
                f"port {port} is in use by another program (another bigconv serve or run?): "
                "stop it, or give another port with --port"
            )
        if self.errno in (errno.EACCES, errno.EPERM):
            return f"port {port} needs administrator rights here: give one above 1023 with --port"
        if self.errno == errno.EADDRNOTAVAIL:
            return (
                f"{host} is not an address of this computer: give one of its addresses with "
                "--host, or 0.0.0.0 for all of them"
            )
        return f"{self.strerror or self}: try another --port or --host"


async def start_site(
    app: web.Application, host: str, port: int, *, backlog: int = LISTEN_BACKLOG
) -> tuple[web.AppRunner, asyncio.Task]:
    """Serve `app` with an AppRunner and the connection limits; returns the runner and the
    sweeper's task (cancel it, then `runner.cleanup()`). CannotListen if the port cannot be
    bound."""
    runner = web.AppRunner(app, access_log=None, **SERVER_LIMITS)
    await runner.setup()
    assert runner.server is not None  # set up just above
    app[GUARD].fit()
    app[GUARD].watch(runner.server)
    try:
        await web.TCPSite(runner, host, port, backlog=backlog).start()
    except OSError as exc:
        await runner.cleanup()
        raise CannotListen(exc.errno, exc.strerror or str(exc)) from exc
    return runner, asyncio.create_task(app[GUARD].run(runner.server))


async def stop_site(runner: web.AppRunner, sweeper: asyncio.Task) -> None:
    sweeper.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await sweeper
    await runner.cleanup()


async def serve_forever(
    app: web.Application,
    host: str,
    port: int,
    *,
    backlog: int = LISTEN_BACKLOG,
    listening: Callable[[], object] | None = None,
) -> None:
    """`bigconv serve`: serve until SIGINT or SIGTERM, then close every connection cleanly.
    `listening()` runs once the port is bound (say so then, not before); CannotListen if it
    cannot be."""
    loop = asyncio.get_running_loop()
    quiet_logs(loop)
    runner, sweeper = await start_site(app, host, port, backlog=backlog)
    if listening is not None:
        listening()
    stop = asyncio.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    try:
        await stop.wait()
    finally:
        await stop_site(runner, sweeper)
