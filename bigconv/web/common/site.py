"""The one object every site of a running server shares (`request.app[SITE]`): the database
threads, the device cookie and the abuse limits it carries, the clock, the event's name and
time zone, and page rendering."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import sqlite3
import zoneinfo
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import sqlite_utils
from aiohttp import web

from bigconv.core.clock import parse_iso
from bigconv.core.errors import StoreError
from bigconv.core.event import Event
from bigconv.data import database, feedback, writekeys
from bigconv.data.checkpoint import Checkpointer
from bigconv.data.meta import get_meta
from bigconv.data.timetable import SessionRow
from bigconv.data.worker import DbWorker
from bigconv.web.common.errors import NoDevice, TooMany, Unavailable
from bigconv.web.common.limits import OncePerInterval, RateLimits
from bigconv.web.common.security import DeviceCookie
from bigconv.web.render import render

DEVICE_COOKIE = "bigconv_device"
DEVICE_MAX_AGE = 7 * 24 * 3600
DEVICE_WINDOW = 600.0  # the window of the limit on device tokens per address
FILE_CHECK = 0.5  # seconds between checks that the database file is still the one opened
LOG = logging.getLogger("bigconv.web")
T = TypeVar("T")


@dataclass(frozen=True)
class PhoneLimits:
    """What one phone, or one address, may cause (benchmarks raise them: every simulated
    phone there shares 127.0.0.1)."""

    new_devices: int = 300  # device tokens per address per DEVICE_WINDOW: a staffroom of 60
    # Rows a phone can cause (reactions, feedback, commitments, follow-up answers, the note
    # that it opened a personal link) per device a minute ...
    writes_per_device: int = 60
    writes_per_address: int = 1200  # ... and per address a minute (20 a second)


class SiteDb:
    """What the phone pages, the personal pages and the staff stations share. Every database
    call runs in the site's database threads (`bigconv/data/worker.py`), so the event loop
    never waits on SQLite; a database that cannot answer raises `Unavailable` (503)."""

    def __init__(
        self,
        db_path: Path,
        event: Event | None,
        clock: Callable[[], dt.datetime],
        *,
        limits: PhoneLimits = PhoneLimits(),
        worker_options: dict | None = None,
        rehearsal: str | None = None,
    ):
        self.db_path = Path(db_path)
        self.rehearsal = rehearsal  # "REHEARSAL" on every page, if this is one
        self.event = event
        self.clock = clock
        # Two database threads: reads never queue behind a write that waits for a lock.
        self.reader: DbWorker | None = None
        self.writer: DbWorker | None = None
        self.checkpointer: Checkpointer | None = None
        self.watcher: asyncio.Task | None = None
        self.worker_options = worker_options or {}
        self.tz: dt.tzinfo = event.tz if event else dt.UTC
        self.event_name = event.name if event else "bigconv"
        self.device_key: bytes | None = None
        # Abuse limits that hold for scripts as well as phones (common/limits.py); the staff
        # site adds its own to the same table, and one timer forgets their quiet keys.
        self.rate_limits = RateLimits()
        self.new_devices = self.rate_limits.new(limits.new_devices, DEVICE_WINDOW)
        self.device_writes = self.rate_limits.new(limits.writes_per_device, 60.0)
        self.address_writes = self.rate_limits.new(limits.writes_per_address, 60.0)
        self.devices = DeviceCookie(
            DEVICE_COOKIE, "/", DEVICE_MAX_AGE, "Lax", self.key, self.new_devices
        )
        self.failures = OncePerInterval()  # one log line per kind of database failure

    # -- lifecycle --------------------------------------------------------------------------

    async def open(self, app: web.Application) -> None:
        self.reader = DbWorker(self.db_path, name="bigconv-read", **self.worker_options)
        self.writer = DbWorker(self.db_path, name="bigconv-write", **self.worker_options)
        self.checkpointer = Checkpointer(self.db_path).start()
        # The file is opened now, not at the first request or file check: from its first
        # answer this process is among the file's holders, so a station started beside it
        # keeps its rehearsal's clock (bigconv/services/rehearsal.py), and a bad file is said.
        try:
            await asyncio.wrap_future(self.writer.check())
        except (sqlite3.Error, StoreError) as exc:
            self.log_failure(exc)
        self.watcher = asyncio.create_task(self.watch_file())
        if not self.event:
            with contextlib.suppress(Unavailable):
                name, tzname = await self.read(
                    lambda db: (get_meta(db, "event_name"), get_meta(db, "timezone"))
                )
                self.event_name = name or self.event_name
                if tzname:
                    self.tz = zoneinfo.ZoneInfo(tzname)

    async def watch_file(self) -> None:
        """Every FILE_CHECK seconds, have the writer check the file even when nobody writes:
        a file put back by hand is noticed (and logged) within a second, and a restore finds
        this process paused for it (bigconv/data/fileguard.py)."""
        while True:
            await asyncio.sleep(FILE_CHECK)
            if self.writer is None:
                continue
            try:
                await asyncio.wrap_future(self.writer.check())
            except (sqlite3.Error, StoreError) as exc:
                self.log_failure(exc)

    async def close(self, app: web.Application) -> None:
        if self.watcher is not None:
            self.watcher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self.watcher
        loop = asyncio.get_running_loop()
        if self.checkpointer is not None:
            await loop.run_in_executor(None, self.checkpointer.stop)
        for worker in (self.reader, self.writer):
            if worker is not None:
                await loop.run_in_executor(None, worker.stop)

    # -- the database thread ----------------------------------------------------------------

    async def read(self, fn: Callable[[sqlite_utils.Database], T]) -> T:
        return await self._call(fn, write=False)

    async def write(self, fn: Callable[[sqlite_utils.Database], T]) -> T:
        """Run `fn` in a write transaction, committed (durably) before this returns."""
        return await self._call(fn, write=True)

    async def write_once(
        self,
        dev: str,
        key: str | None,
        what: tuple,
        action: Callable[[sqlite_utils.Database], T],
        **codec,
    ) -> T:
        """`write(action)`, at most once per device, key and request (`what`: the route, the
        session, the fields): a retry with the same key gets the first result, stores nothing
        (bigconv/data/writekeys.py). `codec`: `memo` and `replay` for a result that is not JSON."""
        at, request = self.clock(), writekeys.request_digest(*what)
        return await self.write(
            lambda db: writekeys.once(db, dev, key, request, action, at=at, **codec)
        )

    async def _call(self, fn, *, write: bool):
        try:
            worker = self.writer if write else self.reader
            assert worker is not None, "the site's database threads start with the server"
            return await asyncio.wrap_future(worker.submit(fn, write=write))
        except (sqlite3.Error, StoreError) as exc:
            self.log_failure(exc)
            raise Unavailable(database.describe(exc, self.db_path)) from None

    def log_failure(self, exc: BaseException) -> None:
        kind = f"{type(exc).__name__}: {str(exc)[-60:]}"  # the tail: paths come first
        record = logging.LogRecord("bigconv.web", logging.ERROR, "", 0, kind, (), None)
        if self.failures.filter(record):
            LOG.error("phone site: not saved: %s", database.describe(exc, self.db_path))

    # -- devices ----------------------------------------------------------------------------

    async def key(self) -> bytes:
        if self.device_key is None:
            self.device_key = (await self.read(feedback.device_secret)).encode()
        return self.device_key

    async def known_device(self, request: web.Request) -> str | None:
        """The device id of a token this site issued (the cookie), else None."""
        return await self.devices.read(request)

    async def give_device(self, request: web.Request, response: web.StreamResponse) -> str | None:
        """This phone's device id: its token's, else a new token set on `response` (a page
        GET), a limited number per address; None if this address has had its share for now."""
        return await self.devices.give(request, response)

    async def device(self, request: web.Request) -> str:
        """The device a row a phone stores counts for (a reaction, feedback, a commitment, a
        follow-up answer); 403 without a token from this site, 429 past the per-device or
        per-address limit of stored rows."""
        dev = await self.known_device(request)
        if dev is None:
            raise NoDevice()
        self.charge(request, dev)
        return dev

    def charge(self, request: web.Request, dev: str) -> None:
        """Count one stored row against this device's and this address's share a minute;
        TooMany (nothing counted) past either."""
        address = request.remote or "unknown"
        wait = max(self.device_writes.wait(dev), self.address_writes.wait(address))
        if wait:
            raise TooMany(wait)
        self.device_writes.failed(dev)
        self.address_writes.failed(address)

    def times(self, s: SessionRow) -> str:
        start, end = (parse_iso(t).astimezone(self.tz) for t in (s.starts_at, s.ends_at))
        return f"{start:%H:%M}–{end:%H:%M}"

    def page(self, name: str, status: int = 200, **context) -> web.Response:
        html = render(name, event_name=self.event_name, rehearsal=self.rehearsal, **context)
        return web.Response(text=html, status=status, content_type="text/html")


SITE = web.AppKey("bigconv_site", SiteDb)
