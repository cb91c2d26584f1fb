"""The passcode gateway's state and handlers: logins (a signed cookie naming a `staff_sessions`
row), the passcode's limits per device, address and everyone, and the station processes each
browser tab opens (textual-serve's `AppService`). Mounted by bigconv/web/stations/app.py."""

from __future__ import annotations

import asyncio
import collections
import contextlib
import functools
import secrets
import time
from pathlib import Path

import sqlite_utils
import textual_serve
from aiohttp import web
from aiohttp.http_exceptions import HttpProcessingError
from textual_serve.app_service import AppService
from textual_serve.download_manager import DownloadManager

from bigconv.core.event import Event
from bigconv.data import passcode
from bigconv.web.common.errors import Unavailable
from bigconv.web.common.limits import RateLimit, read_post
from bigconv.web.common.security import (
    DeviceCookie,
    set_cookie,
    signed,
    unsign,
    websocket_allowed,
)
from bigconv.web.common.site import SiteDb
from bigconv.web.common.urls import STAFF_PREFIX
from bigconv.web.render import render
from bigconv.web.stations.terminal import clamp_int, csp, relay, station_command

COOKIE = "bigconv_staff"
COOKIE_MAX_AGE = 24 * 3600
LOGIN_STATION = "staff-web"
MAX_FAILURES = 5  # wrong passcodes per device (browsers without a device cookie share one) ...
MAX_ADDRESS_FAILURES = 15  # ... and per address, all its devices together ...
FAILURE_WINDOW = 60.0  # ... per this many seconds, then 429 until the oldest ages out
# Wrong passcodes per window from everyone together: when they are spent, only an address or
# device that has logged in before is still heard. Four addresses' worth, so one laptop alone
# can never spend it.
MAX_GLOBAL_FAILURES = 4 * MAX_ADDRESS_FAILURES
KNOWN_LOGINS = 1000  # addresses and devices remembered as having logged in (newest kept)
DEVICE_COOKIE = "bigconv_staff_device"  # set by the passcode form: this browser's own limit
MAX_NEW_DEVICES = 30  # device cookies handed to one address per window (a staffroom's tablets)
MAX_STATIONS_PER_LOGIN = 4  # stations one login may have open at once
WS_MAX_MESSAGE = 64 * 1024  # one message from textual.js (keys, sizes); a paste is cut
PASSCODE_CHECK = 2.0  # seconds between checks that the open stations' passcode still holds
MAX_STATIONS = 40  # each a process of about 45 MB (PSS, bench.venue): the laptop stays usable
STARTING_AT_ONCE = 2  # station processes starting up at the same time (each takes a core) ...
START_WAIT = 20.0  # ... each given up to this many seconds to draw its first frame
TEXTUAL_SERVE = Path(textual_serve.__file__).parent  # its xterm.js page assets


class StaffSite:
    """State and handlers of the /staff sub-application. Its database work runs in the server's
    shared database threads (`data.read`/`data.write`, bigconv/data/worker.py): the event loop
    never waits on SQLite, a replaced or restored file is reopened there, and a database that
    cannot answer raises `Unavailable` (503)."""

    def __init__(self, db_path: Path, event: Event, *, data: SiteDb, command: str | None = None):
        self.db_path = Path(db_path)
        self.event = event
        self.data = data
        limits = data.rate_limits  # swept for quiet keys on the shared site's timer
        self.limit = limits.new(MAX_FAILURES, FAILURE_WINDOW)  # per device
        self.per_address = limits.new(MAX_ADDRESS_FAILURES, FAILURE_WINDOW)
        self.everyone = limits.new(MAX_GLOBAL_FAILURES, FAILURE_WINDOW)
        self.new_devices = limits.new(MAX_NEW_DEVICES, FAILURE_WINDOW)
        self.blocked_logged = limits.new(1, FAILURE_WINDOW)  # one log row per window
        # "address:A" and "device:D" that have logged in: the global ceiling does not stop them.
        self.known: collections.OrderedDict[str, None] = collections.OrderedDict()
        self.device_key = secrets.token_bytes(32)  # device cookies hold for this process only
        self.devices = DeviceCookie(
            DEVICE_COOKIE,
            STAFF_PREFIX,
            COOKIE_MAX_AGE,
            "Strict",
            self._device_key,
            self.new_devices,
        )
        self.command = command or station_command(event.path.resolve(), self.db_path.resolve())
        # textual.js fetches downloads from the site's root, outside /staff: bigconv offers none.
        self.downloads = DownloadManager()
        self.running: dict[AppService, web.WebSocketResponse] = {}
        self.keys: dict[AppService, bytes] = {}  # the session key each station was opened under
        self.logins: dict[AppService, str] = {}  # the login (staff_sessions.id) that opened it
        self.started = 0  # station processes started since the server started
        self.watcher: asyncio.Task | None = None
        self.quit_timeout = 5.0  # seconds a station gets to quit before it is killed
        self.ending: set[asyncio.Task] = set()
        self.starting = asyncio.Semaphore(STARTING_AT_ONCE)

    async def _device_key(self) -> bytes:
        return self.device_key

    async def open(self, app: web.Application) -> None:
        # The site's threads are open: its startup runs before this sub-application's.
        # A read: it writes (makes the passcode) only on a file that has none yet, so a
        # station starting beside this server does not meet a write lock.
        with contextlib.suppress(Unavailable):  # a missing or locked file: requests say so
            await self.data.read(passcode.staff_passcode)
            # Addresses that logged in before a restart keep their way in after it.
            addresses = await self.data.read(lambda db: passcode.login_addresses(db, KNOWN_LOGINS))
            for address in reversed(addresses):
                self.remember(f"address:{address}")
        self.watcher = asyncio.create_task(self.watch_passcode())

    async def watch_passcode(self) -> None:
        """Close the open stations when the passcode changes (`bigconv passcode`, any process)
        or their login ended (a logout in any tab)."""
        while True:
            await asyncio.sleep(PASSCODE_CHECK)
            logins = set(self.logins.values())
            try:
                key, ended = await self.data.read(functools.partial(_key_and_ended, logins=logins))
            except Unavailable:
                continue  # the stations show the database problem themselves; check again later
            for service, old in list(self.keys.items()):
                if old != key or self.logins.get(service) in ended:
                    await self.close_station(service, b"Logged out: log in again.")

    async def close_station(self, service: AppService, message: bytes) -> None:
        if (ws := self.running.get(service)) is not None:
            await ws.close(message=message)

    # -- sessions ---------------------------------------------------------------------------

    async def login_of(self, request: web.Request) -> tuple[str, bytes] | None:
        """The login a session cookie names and the key it is signed with, if it is signed
        under the current passcode, less than a day old, and not ended on the server (logout,
        new passcode); else None."""
        token = request.cookies.get(COOKIE, "")
        body, _, mac = token.rpartition(".")
        issued, _, login = body.partition("-")
        if not (mac.isascii() and body.isascii() and issued.isdigit() and login):
            return None  # a cookie with other bytes is no cookie of ours (and no 500)
        if not 0 <= time.time() - int(issued) < COOKIE_MAX_AGE:
            return None
        key, live = await self.data.read(
            lambda db: (passcode.session_key(db), passcode.session_live(db, login))
        )
        if not (live and unsign(key, token) == body):
            return None
        return login, key

    async def signed_in(self, request: web.Request) -> bool:
        return await self.login_of(request) is not None

    # -- devices, for the passcode limit ------------------------------------------------------

    async def device_of(self, request: web.Request) -> str | None:
        """This browser's device id, from a cookie the passcode form set (signed by us)."""
        return await self.devices.read(request)

    async def give_device(self, request: web.Request, response: web.StreamResponse) -> None:
        """A device cookie for a browser without one, a limited number per address a minute."""
        await self.devices.give(request, response)

    # -- pages ------------------------------------------------------------------------------

    def page(self, name: str, status: int = 200, **context) -> web.Response:
        nonce = secrets.token_urlsafe(12)
        html = render(
            name,
            event_name=self.event.name,
            rehearsal=self.data.rehearsal,
            nonce=nonce,
            **context,
        )
        response = web.Response(text=html, status=status, content_type="text/html")
        response.headers["Content-Security-Policy"] = csp(nonce)
        return response

    def login_page(
        self, status: int = 200, *, error: str | None = None, wait: int | None = None
    ) -> web.Response:
        """The passcode form, with why the last attempt failed or how long to wait."""
        return self.page("staff_login.html", status, error=error, wait=wait)

    async def index(self, request: web.Request) -> web.Response:
        """The station (terminal in the page) when signed in, else only the passcode form."""
        if not await self.signed_in(request):
            response = self.login_page()
            await self.give_device(request, response)
            return response
        scheme = "wss" if request.secure else "ws"
        return self.page(
            "staff_station.html",
            websocket_url=f"{scheme}://{request.host}{STAFF_PREFIX}/ws",
            static=f"{STAFF_PREFIX}/static/",
            font_size=clamp_int(request.query.get("fontsize"), 16, 8, 40),
        )

    def remember(self, *keys: str) -> None:
        """Note addresses or devices that logged in (the newest KNOWN_LOGINS are kept)."""
        for key in keys:
            self.known[key] = None
            self.known.move_to_end(key)
        while len(self.known) > KNOWN_LOGINS:
            self.known.popitem(last=False)

    def budgets(self, address: str, device: str | None) -> tuple[list[tuple[RateLimit, str]], int]:
        """The limits a passcode attempt counts against (its device's, its address's and
        everyone's), and how many of them must have room for it to be checked: the first two
        only, for an address or device that has logged in before."""
        counted = [
            (self.limit, f"device:{device}" if device else f"address:{address}"),
            (self.per_address, address),
            (self.everyone, "*"),
        ]
        known = f"address:{address}" in self.known or f"device:{device}" in self.known
        return counted, 2 if known else 3

    async def login(self, request: web.Request) -> web.Response:
        """Check a passcode. The attempt counts against the limits before anything is awaited,
        so a burst of requests cannot all pass the check while their bodies are on the way."""
        address = request.remote or "unknown"
        device = await self.device_of(request)  # never suspends: the key is in memory
        counted, gates = self.budgets(address, device)
        if wait := max(limit.wait(key) for limit, key in counted[:gates]):
            if not self.blocked_logged.wait(address):  # one log row per window, not one per try
                self.blocked_logged.failed(address)
                with contextlib.suppress(Unavailable):  # a locked file: the 429 still stands
                    await self.data.write(
                        lambda db: passcode.record_login(
                            db, False, address=address, station=LOGIN_STATION, blocked=True
                        )
                    )
            return self.login_page(429, wait=round(wait))
        for limit, key in counted:  # counted now; taken back below if the passcode is right
            limit.failed(key)
        try:
            form = await read_post(request)
        except (ValueError, LookupError, HttpProcessingError):
            return self.login_page(400, error="The form could not be read.")
        attempt = form.get("passcode", "")

        def check(db) -> tuple[str, bytes] | None:
            """One transaction: the check, its log row, and the login if it is right."""
            ok = isinstance(attempt, str) and passcode.check_passcode(db, attempt)
            passcode.record_login(db, ok, address=address, station=LOGIN_STATION)
            return (passcode.start_session(db, address), passcode.session_key(db)) if ok else None

        try:
            started = await self.data.write(check)
        except Unavailable:
            # Nothing was stored and the answer (503) tells nothing of the passcode: the
            # attempt does not count.
            for limit, key in counted:
                limit.forgive(key)
            raise
        if started is None:
            return self.login_page(401, error="That is not the passcode.")
        for limit, key in counted:
            limit.forgive(key)
        self.remember(f"address:{address}", *([f"device:{device}"] if device else []))
        response = web.HTTPSeeOther(STAFF_PREFIX)
        set_cookie(
            response,
            request,
            COOKIE,
            new_token(*started),
            max_age=COOKIE_MAX_AGE,
            path=STAFF_PREFIX,
            samesite="Strict",
        )
        raise response

    async def back_to_form(self, request: web.Request) -> web.Response:
        raise web.HTTPSeeOther(STAFF_PREFIX)

    async def logout(self, request: web.Request) -> web.Response:
        """End the login on the server (a copy of the cookie no longer works) and close its
        stations, then forget the cookie in this browser."""
        if (found := await self.login_of(request)) is not None:
            login = found[0]
            await self.data.write(
                lambda db: passcode.end_session(db, login, by="logout", station=LOGIN_STATION)
            )
            for service, owner in list(self.logins.items()):
                if owner == login:
                    await self.close_station(service, b"Logged out.")
        response = web.HTTPSeeOther(STAFF_PREFIX)
        response.del_cookie(COOKIE, path=STAFF_PREFIX)
        raise response

    async def websocket(self, request: web.Request) -> web.StreamResponse:
        """Start a station process for this browser tab, once the cookie and Origin are right."""
        if not websocket_allowed(request):
            raise web.HTTPForbidden(text="Open the station from this server's own /staff page.")
        found = await self.login_of(request)
        if found is None:
            raise web.HTTPUnauthorized(text="Log in at /staff first.")
        login, key = found
        if len(self.running) >= MAX_STATIONS:
            raise web.HTTPServiceUnavailable(text="Too many stations are open: close one first.")
        if sum(owner == login for owner in self.logins.values()) >= MAX_STATIONS_PER_LOGIN:
            raise web.HTTPTooManyRequests(
                text=f"This login has {MAX_STATIONS_PER_LOGIN} stations open: close one first."
            )
        ws = web.WebSocketResponse(heartbeat=15, max_msg_size=WS_MAX_MESSAGE)
        await ws.prepare(request)
        drawn = asyncio.Event()  # the station's first frame: it has finished starting

        async def write_bytes(data: bytes) -> None:
            drawn.set()
            await ws.send_bytes(data)

        async def close() -> None:  # AppService wants no result; aiohttp's close returns one
            await ws.close()

        service = AppService(
            self.command,
            write_bytes=write_bytes,
            write_str=ws.send_str,
            close=close,
            download_manager=self.downloads,
        )
        self.running[service] = ws
        self.keys[service] = key
        self.logins[service] = login
        self.started += 1
        try:
            width = clamp_int(request.query.get("width"), 80, 20, 500)
            height = clamp_int(request.query.get("height"), 24, 10, 200)
            # A station's start-up (a Python process importing Textual) takes a core for a
            # second or so: a few at a time, so twenty tabs opened at once leave the phones a
            # core. Waiting here is asynchronous; the event loop never blocks on it.
            async with self.starting:
                await service.start(width, height)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(drawn.wait(), START_WAIT)
            await relay(ws, service)
        finally:
            # aiohttp cancels this handler when the browser goes: end the station in a task of
            # its own, so the process is still reaped (or killed) after that cancellation.
            ending = asyncio.create_task(self.end(service))
            self.ending.add(ending)
            ending.add_done_callback(self.ending.discard)
            await asyncio.shield(ending)
        return ws

    async def end(self, service: AppService) -> None:
        """Ask the station to quit, then make sure its process is gone (killed if it hangs)."""
        ws = self.running.pop(service, None)
        self.keys.pop(service, None)
        self.logins.pop(service, None)
        if ws is None:
            return
        await ws.close()
        process = service._process  # textual-serve keeps it private; we must reap it
        try:
            await asyncio.wait_for(service.stop(), self.quit_timeout)  # "quit", its last output
            if process is not None:
                await asyncio.wait_for(process.wait(), self.quit_timeout)
        except TimeoutError:
            if process is not None and process.returncode is None:
                process.kill()
                await process.wait()

    async def shutdown(self, app: web.Application) -> None:
        """Close every station when the server stops, so no process outlives it."""
        if self.watcher is not None:
            self.watcher.cancel()
        await asyncio.gather(*(self.end(s) for s in list(self.running)), *list(self.ending))


def new_token(login: str, key: bytes) -> str:
    """`ISSUED-LOGIN.MAC`: the login time and its id (a `staff_sessions` row), signed with the
    session key of the passcode it was made under."""
    return signed(key, f"{int(time.time())}-{login}")


def _key_and_ended(db: sqlite_utils.Database, logins: set[str]) -> tuple[bytes, set[str]]:
    """The session key of the passcode now, and which of these logins have ended."""
    ended = {login for login in logins if not passcode.session_live(db, login)}
    return passcode.session_key(db), ended
