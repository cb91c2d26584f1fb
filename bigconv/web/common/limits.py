"""Limits on every connection, so one client (or a thousand idle ones) cannot take the site down.

aiohttp times out neither a client that sends its headers slowly nor a new connection that
sends nothing, and waits for a body as long as the client says it is coming. So:

- a middleware notes which connections are in the middle of a request (a websocket is, for
  as long as it is open); a sweeper closes every other connection that has been silent for
  `IDLE_TIMEOUT` (slow headers, a new connection sending nothing, an idle keep-alive), and
  the oldest idle ones at once when there are more than the idle cap;
- the caps on connections come from the open-file limit in force (`ConnectionCaps`): each
  new connection is looked at as it is accepted, and one beyond its address's share is shut
  at once, while one beyond the total makes room by closing the oldest idle connection;
- a body must arrive within `BODY_TIMEOUT` (`read_body`: 408, never a wait without end);
- the header sizes are capped (`SERVER_LIMITS`);
- `raise_file_limit` lifts the soft limit on open files to the hard one, so a hall of phones
  does not run out of descriptors at 1,024;
- `quiet_logs` lets through at most one log line per kind of failure per interval.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import logging
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

from aiohttp import web
from aiohttp.web_protocol import RequestHandler

IDLE_TIMEOUT = 10.0  # seconds a connection may sit without a complete request
BODY_TIMEOUT = 10.0  # seconds for a request body (a feedback form is under 2 KB)
SWEEP_EVERY = 1.0
MAX_IDLE = 2000  # idle connections kept at most (each holds a file descriptor and memory)
# Open files kept for everything but connections: stdio, the event loop, the listening
# socket, two database threads (the file, -wal and -shm each), a backup's files, the logs ...
FILES_RESERVED = 48
FILES_PER_STATION = 4  # ... and the pipes to each browser station's process
MIN_CONNECTIONS = 32  # however few files are allowed, this many connections are served
WANTED_FILES = 65536  # the soft limit on open files `serve` asks for
LOG_INTERVAL = 10.0  # seconds between two log lines of the same kind
# Passed to the AppRunner: idle keep-alive ends after IDLE_TIMEOUT; headers stay small.
SERVER_LIMITS: dict[str, Any] = {
    "keepalive_timeout": IDLE_TIMEOUT,
    "max_line_size": 8190,
    "max_field_size": 8190,
    "max_headers": 64,
}


class RateLimit:
    """At most `limit` events (failures, new devices, writes) per key within `window` seconds.
    A key is forgotten when it is touched after its window has passed, and by `sweep` (run on
    a timer by `RateLimits`), so a flood of keys that then go quiet leaves nothing behind."""

    def __init__(self, limit: int, window: float, clock: Callable[[], float] = time.monotonic):
        self.limit, self.window, self.clock = limit, window, clock
        self.failures: dict[str, collections.deque[float]] = {}

    def _recent(self, address: str) -> collections.deque[float]:
        times = self.failures.setdefault(address, collections.deque())
        while times and self.clock() - times[0] >= self.window:
            times.popleft()
        if not times:
            del self.failures[address]  # forget quiet addresses: the table never grows
            return collections.deque()
        return times

    def wait(self, address: str) -> float:
        """Seconds until this address may try again (0: now)."""
        times = self._recent(address)
        if len(times) < self.limit:
            return 0.0
        return max(1.0, self.window - (self.clock() - times[0]))

    def failed(self, address: str) -> None:
        self._recent(address)
        self.failures.setdefault(address, collections.deque()).append(self.clock())

    def forgive(self, address: str) -> None:
        """Take back the latest failure (the attempt it counted in advance succeeded)."""
        if times := self.failures.get(address):
            times.pop()
            if not times:
                del self.failures[address]

    def sweep(self) -> int:
        """Forget every key whose newest event is older than the window; returns how many."""
        now = self.clock()
        quiet = [key for key, times in self.failures.items() if now - times[-1] >= self.window]
        for key in quiet:
            del self.failures[key]
        if quiet:
            self.failures = dict(self.failures)  # a dict never shrinks by itself: a new one fits
        return len(quiet)


FORGET_EVERY = 30.0  # seconds between two sweeps of a site's rate limits


class RateLimits:
    """Every RateLimit a site makes, on one clock, swept together on a timer (`running`)."""

    def __init__(self, clock: Callable[[], float] = time.monotonic):
        self.clock = clock  # tests set this: every limit made here reads it
        self.limits: list[RateLimit] = []

    def new(self, limit: int, window: float) -> RateLimit:
        made = RateLimit(limit, window, clock=lambda: self.clock())
        self.limits.append(made)
        return made

    def sweep(self) -> int:
        """Forget the quiet keys of every limit; returns how many."""
        return sum(limit.sweep() for limit in self.limits)

    async def running(self, app: web.Application) -> AsyncIterator[None]:
        """An aiohttp cleanup context: sweep every FORGET_EVERY seconds while the app runs."""

        async def loop() -> None:
            while True:
                await asyncio.sleep(FORGET_EVERY)
                self.sweep()

        task = asyncio.create_task(loop())
        yield
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


@dataclass(frozen=True)
class ConnectionCaps:
    """How many connections the site keeps open: in all (idle or busy), idle, per address."""

    total: int
    idle: int
    per_address: int

    @classmethod
    def for_files(cls, files: int, stations: int = 0) -> ConnectionCaps:
        """The caps for a process allowed `files` open files that may run `stations`."""
        total = max(MIN_CONNECTIONS, files - FILES_RESERVED - FILES_PER_STATION * stations)
        return cls(total=total, idle=min(MAX_IDLE, total * 3 // 4), per_address=max(8, total // 8))


def open_file_limit() -> int:
    """The soft limit on open files in force now (WANTED_FILES where there is none)."""
    try:
        import resource
    except ImportError:  # not on this OS
        return WANTED_FILES
    soft = resource.getrlimit(resource.RLIMIT_NOFILE)[0]
    return WANTED_FILES if soft == resource.RLIM_INFINITY else soft


class ConnectionGuard:
    """Closes connections that hold a descriptor without sending a request, and keeps the
    number open (per address and in all) within `caps`."""

    def __init__(self, clock: Callable[[], float] = time.monotonic):
        self.clock = clock
        self.stations = 0  # browser stations the site may run (their pipes need files too)
        self.caps = ConnectionCaps.for_files(open_file_limit())
        self.busy: dict[RequestHandler, int] = {}  # requests in progress per connection
        self.last: dict[RequestHandler, float] = {}  # when each was last seen active
        self.address_of: dict[RequestHandler, str] = {}  # each open connection's address
        self.per_address: collections.Counter[str] = collections.Counter()
        self.closed = 0  # connections closed for idling or to make room (for tests and the log)
        self.refused = 0  # connections shut as they arrived, beyond their address's share
        # A trusted reverse proxy carries every client's connections: no per-address share.
        self.exempt: Callable[[str], bool] = lambda address: False

    def fit(self) -> ConnectionCaps:
        """Set the caps from the open-file limit in force now (after `raise_file_limit`)."""
        self.caps = ConnectionCaps.for_files(open_file_limit(), self.stations)
        return self.caps

    def watch(self, server: web.Server) -> None:
        """Look at each connection `server` accepts, and at each that ends."""
        made, lost = server.connection_made, server.connection_lost

        def connection_made(handler: RequestHandler, transport: asyncio.Transport) -> None:
            made(handler, transport)
            if not self.admit(handler, transport):
                transport.abort()  # its descriptor is free again at once

        def connection_lost(handler: RequestHandler, exc: BaseException | None = None) -> None:
            self.forget(handler)
            lost(handler, exc)

        # aiohttp has no hook for these: its own methods are wrapped, on this one server.
        server.connection_made = connection_made  # type: ignore[method-assign]
        server.connection_lost = connection_lost  # type: ignore[method-assign]

    def admit(self, handler: RequestHandler, transport: asyncio.BaseTransport) -> bool:
        """False for a connection beyond its address's share, or beyond the total when no
        idle connection can make room for it."""
        peer = transport.get_extra_info("peername")
        address = str(peer[0]) if peer else "unknown"
        if self.per_address[address] >= self.caps.per_address and not self.exempt(address):
            self.refused += 1
            return False
        if len(self.address_of) >= self.caps.total and not self.make_room():
            self.refused += 1
            return False
        self.address_of[handler] = address
        self.per_address[address] += 1
        self.last[handler] = self.clock()
        return True

    def make_room(self) -> bool:
        """Close the connection idle the longest; False if every one is busy."""
        idle = [(self.last.get(c, 0.0), i, c) for i, c in enumerate(self.address_of)]
        idle = [entry for entry in idle if entry[2] not in self.busy]
        if not idle:
            return False
        oldest = min(idle, key=lambda entry: entry[:2])[2]
        oldest.force_close()
        self.forget(oldest)
        self.closed += 1
        return True

    def forget(self, handler: RequestHandler) -> None:
        self.last.pop(handler, None)
        if (address := self.address_of.pop(handler, None)) is not None:
            self.per_address[address] -= 1
            if not self.per_address[address]:
                del self.per_address[address]  # the table holds open connections' addresses only

    @web.middleware
    async def middleware(self, request: web.Request, handler) -> web.StreamResponse:
        conn = request.protocol
        self.busy[conn] = self.busy.get(conn, 0) + 1
        try:
            return await handler(request)
        finally:
            self.busy[conn] -= 1
            if not self.busy[conn]:
                del self.busy[conn]
            self.last[conn] = self.clock()

    def sweep(self, connections: list[RequestHandler]) -> int:
        """Close the silent connections among `connections`; returns how many."""
        now = self.clock()
        alive = set(connections)
        for conn in [*self.last, *self.address_of]:
            if conn not in alive:
                self.forget(conn)  # gone: forget it, the tables never grow
        idle = []
        for conn in connections:
            if conn in self.busy:
                continue
            since = self.last.setdefault(conn, now)
            idle.append((since, conn))
        idle.sort(key=lambda pair: pair[0])
        excess = max(0, len(idle) - self.caps.idle)
        doomed = [
            c for i, (since, c) in enumerate(idle) if i < excess or now - since > IDLE_TIMEOUT
        ]
        for conn in doomed:
            conn.force_close()
            self.forget(conn)
        self.closed += len(doomed)
        return len(doomed)

    async def run(self, server: web.Server) -> None:
        """Sweep `server`'s connections every SWEEP_EVERY seconds until cancelled."""
        while True:
            await asyncio.sleep(SWEEP_EVERY)
            self.sweep(server.connections)


GUARD = web.AppKey("bigconv_connection_guard", ConnectionGuard)


async def read_body(request: web.Request) -> bytes:
    """The whole body, or 408 if it does not arrive within BODY_TIMEOUT (a slow client, or one
    whose Content-Length promised more than it sends)."""
    try:
        async with asyncio.timeout(BODY_TIMEOUT):
            return await request.read()
    except TimeoutError:
        raise web.HTTPRequestTimeout(text="The request took too long to arrive.") from None


async def read_post(request: web.Request):
    """`request.post()` with the same deadline as `read_body`."""
    await read_body(request)  # post() parses what read() has already buffered
    return await request.post()


def raise_file_limit(wanted: int = WANTED_FILES) -> tuple[int, int]:
    """Raise the soft limit on open files towards `wanted` (never past the hard limit);
    returns the (soft, hard) limits now in force."""
    try:
        import resource
    except ImportError:  # not on this OS
        return (0, 0)
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
    if soft != resource.RLIM_INFINITY and soft < target:
        with contextlib.suppress(ValueError, OSError):
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)


class OncePerInterval(logging.Filter):
    """Lets one record of each kind (logger and message) through per `interval` seconds."""

    def __init__(self, interval: float = LOG_INTERVAL, clock: Callable[[], float] = time.monotonic):
        super().__init__()
        self.interval, self.clock = interval, clock
        self.seen: dict[tuple[str, str], float] = {}

    def filter(self, record: logging.LogRecord) -> bool:
        kind = (record.name, str(record.msg)[:80])
        now = self.clock()
        if now - self.seen.get(kind, -self.interval) < self.interval:
            return False
        if len(self.seen) > 1000:
            self.seen.clear()  # bounded: a flood of distinct messages cannot grow it
        self.seen[kind] = now
        record.exc_info = None  # one line, not a traceback per failure
        record.exc_text = None
        return True


QUIET = OncePerInterval()
# A filter binds only the logger it is added to, not its children: name each one.
LOGGERS = ("aiohttp.server", "aiohttp.web", "aiohttp.internal", "aiohttp.access", "asyncio")


def quiet_logs(loop: asyncio.AbstractEventLoop | None = None) -> None:
    """At most one line per kind of failure per interval from aiohttp and asyncio, including
    the loop's own errors (an accept() that ran out of descriptors, a dropped connection)."""
    for name in LOGGERS:
        logger = logging.getLogger(name)
        if QUIET not in logger.filters:
            logger.addFilter(QUIET)
    if loop is not None:

        def handler(loop: asyncio.AbstractEventLoop, context: dict) -> None:
            record = logging.LogRecord(
                "asyncio", logging.ERROR, __file__, 0, context.get("message", "error"), (), None
            )
            if QUIET.filter(record):
                logging.getLogger("bigconv.web").error(
                    "%s (%s)", context.get("message"), context.get("exception")
                )

        loop.set_exception_handler(handler)
