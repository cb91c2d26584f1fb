"""The aiohttp phone site: pages that work without JavaScript, and the JSON API they enhance."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import datetime as dt
import json
import logging
import shlex
import sqlite3
import time
import zoneinfo
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import sqlite_utils
from aiohttp import web
from aiohttp.http_exceptions import HttpProcessingError

from bigconv.config import Event
from bigconv.data import feedback, store, writekeys
from bigconv.data.checkpoint import Checkpointer
from bigconv.data.codes import normalise_code
from bigconv.data.text import clean_field, is_clean
from bigconv.data.timetable import SessionRow, session_by_code
from bigconv.data.worker import DbWorker
from bigconv.net import host_allowed, served_names
from bigconv.web.common.security import (
    DeviceCookie,
    forwarded,
    host_header,
    parse_proxy,
    post_allowed,
    trusted,
)
from bigconv.web.limits import (
    GUARD,
    ConnectionGuard,
    OncePerInterval,
    RateLimits,
    read_body,
    read_post,
)
from bigconv.web.render import render

DEVICE_COOKIE = "bigconv_device"
DEVICE_MAX_AGE = 7 * 24 * 3600
DEVICE_WINDOW = 600.0  # the window of the limit on device tokens per address
SUMMARY_TTL = 1.0  # seconds a session's summary may be served from memory
REF_TTL = 10.0  # seconds a session's id and title are remembered for the API
FILE_CHECK = 0.5  # seconds between checks that the database file is still the one opened


@dataclass(frozen=True)
class PhoneLimits:
    """What one phone, or one address, may cause (benchmarks raise them: every simulated
    phone there shares 127.0.0.1)."""

    new_devices: int = 300  # device tokens per address per DEVICE_WINDOW: a staffroom of 60
    # Rows a phone can cause (reactions, feedback, commitments, follow-up answers, the note
    # that it opened a personal link) per device a minute ...
    writes_per_device: int = 60
    writes_per_address: int = 1200  # ... and per address a minute (20 a second)


LOG = logging.getLogger("bigconv.web")
T = TypeVar("T")
# A whole hall scanning the poster at once: room for every phone's connection in the queue
# (the default 128 makes the rest retry after a second).
LISTEN_BACKLOG = 1024
STAFF_PREFIX = "/staff"  # the staff stations' sub-application (bigconv/web/staff.py)
MAX_BODY = 16 * 1024  # a feedback form is well under 2 KB; anything larger is refused with 413
STATIC = Path(__file__).parent / "static"
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data:; object-src 'none'; "
        "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}


class Invalid(ValueError):
    """Input a person can fix: the message says how."""


class Unavailable(Exception):
    """The database cannot take this request just now (missing, locked, full, read-only,
    damaged): the phone gets 503 and "not saved, please try again"."""


class PhoneSite:
    """State and handlers of one running phone site. Every database call runs in the site's
    database thread (`bigconv/data/worker.py`), so the event loop never waits on SQLite."""

    def __init__(
        self,
        db_path: Path,
        event: Event | None,
        clock: Callable[[], dt.datetime],
        cooldown: dt.timedelta,
        *,
        limits: PhoneLimits = PhoneLimits(),
        worker_options: dict | None = None,
    ):
        self.db_path = Path(db_path)
        self.event = event
        self.clock = clock
        self.cooldown = cooldown
        # Two database threads: reads never queue behind a write that waits for a lock.
        self.reader: DbWorker | None = None
        self.writer: DbWorker | None = None
        self.checkpointer: Checkpointer | None = None
        self.watcher: asyncio.Task | None = None
        self.worker_options = worker_options or {}
        self.tz: dt.tzinfo = event.tz if event else dt.UTC
        self.event_name = event.name if event else "bigconv"
        self.device_key: bytes | None = None
        # Abuse limits that hold for scripts as well as phones (bigconv/web/limits.py); the
        # staff site adds its own to the same table, and one timer forgets their quiet keys.
        self.rate_limits = RateLimits()
        self.new_devices = self.rate_limits.new(limits.new_devices, DEVICE_WINDOW)
        self.device_writes = self.rate_limits.new(limits.writes_per_device, 60.0)
        self.address_writes = self.rate_limits.new(limits.writes_per_address, 60.0)
        self.devices = DeviceCookie(
            DEVICE_COOKIE, "/", DEVICE_MAX_AGE, "Lax", self.key, self.new_devices
        )
        self.failures = OncePerInterval()  # one log line per kind of database failure
        self.summaries: dict[int, tuple[float, dict]] = {}  # session id: (when, summary)
        self.refs: dict[str, tuple[float, feedback.SessionRef]] = {}  # code: (when, session)

    # -- lifecycle --------------------------------------------------------------------------

    async def open(self, app: web.Application) -> None:
        self.reader = DbWorker(self.db_path, name="bigconv-read", **self.worker_options)
        self.writer = DbWorker(self.db_path, name="bigconv-write", **self.worker_options)
        self.checkpointer = Checkpointer(self.db_path).start()
        self.watcher = asyncio.create_task(self.watch_file())
        if not self.event:
            with contextlib.suppress(Unavailable):
                name, tzname = await self.read(
                    lambda db: (store.get_meta(db, "event_name"), store.get_meta(db, "timezone"))
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
            except (sqlite3.Error, store.StoreError) as exc:
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
            return await asyncio.wrap_future(worker.submit(fn, write=write))
        except (sqlite3.Error, store.StoreError) as exc:
            self.log_failure(exc)
            raise Unavailable(store.describe(exc, self.db_path)) from None

    def log_failure(self, exc: BaseException) -> None:
        kind = f"{type(exc).__name__}: {str(exc)[-60:]}"  # the tail: paths come first
        record = logging.LogRecord("bigconv.web", logging.ERROR, "", 0, kind, (), None)
        if self.failures.filter(record):
            LOG.error("phone site: not saved: %s", store.describe(exc, self.db_path))

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

    # -- helpers ----------------------------------------------------------------------------

    async def session(self, code: str) -> tuple[SessionRow, list[feedback.ReactionKind]]:
        """The session for a code typed in any case (and the event's reactions), or a 404."""
        wanted = normalise_code(code)
        if not is_code(wanted):
            raise NotFound(code)
        found, kinds = await self.read(
            lambda db: (session_by_code(db, wanted), feedback.reaction_kinds(db))
        )
        if found is None:
            raise NotFound(code)
        return found, kinds

    async def session_ref(self, code: str) -> feedback.SessionRef:
        """The API's lighter lookup (id, code, title) for a code in any case, or a 404.
        Sessions found are remembered for REF_TTL seconds: the busiest path (a tap) then
        makes one trip to the database threads, not two."""
        wanted = normalise_code(code)
        if not is_code(wanted):
            raise NotFound(code)
        now = time.monotonic()
        if (known := self.refs.get(wanted)) is not None and now - known[0] < REF_TTL:
            return known[1]
        found = await self.read(lambda db: feedback.find_session(db, wanted))
        if found is None:
            raise NotFound(code)
        self.refs[wanted] = (now, found)  # only codes that exist: bounded by the timetable
        return found

    def times(self, s: SessionRow) -> str:
        start, end = (store.parse_iso(t).astimezone(self.tz) for t in (s.starts_at, s.ends_at))
        return f"{start:%H:%M}–{end:%H:%M}"

    def page(self, name: str, status: int = 200, **context) -> web.Response:
        html = render(name, event_name=self.event_name, **context)
        return web.Response(text=html, status=status, content_type="text/html")

    async def session_page(
        self,
        request: web.Request,
        s: SessionRow,
        kinds: list[feedback.ReactionKind],
        *,
        status: int = 200,
        **context,
    ) -> web.Response:
        context.setdefault("values", {})
        context.setdefault("errors", {})
        context.setdefault("notice", None)
        context.setdefault("notice_class", "")
        context.setdefault("notice_at", "")
        from bigconv.web.followup import commit_context  # the commitment form (CPD loop)

        context = {**await commit_context(request), **context}

        def page(**overrides) -> web.Response:
            return self.page(
                "session.html",
                status,
                s=s,
                when=self.times(s),
                kinds=kinds,
                limits={"next_step": feedback.NEXT_STEP_MAX, "comment": feedback.COMMENT_MAX},
                **{**context, **overrides},
            )

        response = page()
        if await self.give_device(request, response) is None and not context["notice"]:
            # Rendered again with the notice: rare (an address past its share of new phones).
            response = page(notice=NO_DEVICE_YET, notice_class="wait", notice_at="reactions")
        return response

    # -- pages ------------------------------------------------------------------------------

    async def index(self, request: web.Request) -> web.Response:
        now = self.clock()
        found = await self.read(lambda db: feedback.sessions_now(db, now))
        return self.page("index.html", running=[(s, self.times(s)) for s in found])

    async def go(self, request: web.Request) -> web.Response:
        """The 'type a code' box: redirect to the session page."""
        s, _ = await self.session(request.query.get("code", ""))
        raise web.HTTPSeeOther(f"/{s.code}")

    async def session_view(self, request: web.Request) -> web.Response:
        s, kinds = await self.session(request.match_info["code"])
        by_key = {k.key: k for k in kinds}
        notice, notice_at = None, ""
        if (kind := by_key.get(request.query.get("counted", ""))) is not None:
            notice, notice_at = f"Counted: {kind.emoji} {kind.label}. Thank you!", "reactions"
        elif request.query.get("sent") == "1":
            notice = "Thank you! Your feedback is saved. Sending it again replaces it."
            notice_at = "feedback"
        return await self.session_page(request, s, kinds, notice=notice, notice_at=notice_at)

    async def react_form(self, request: web.Request) -> web.Response:
        s, kinds = await self.session(request.match_info["code"])
        form = await read_form(request)
        try:
            result = await self.react(request, s, form.get("kind"), write_key(request, form))
        except (NoDevice, TooMany) as exc:
            return await self.wait_page(request, s, kinds, exc.status, exc.message, "reactions")
        if not result.counted:
            message = cooldown_message(kinds, result)
            return await self.wait_page(request, s, kinds, 429, message, "reactions")
        return redirect(f"/{s.code}?counted={result.kind}#reactions")

    async def wait_page(self, request, s, kinds, status: int, message: str, at: str, **extra):
        """The session page again, saying by the form `at` that nothing was stored: wait and
        try again (too soon, too many, or no device token)."""
        return await self.session_page(
            request,
            s,
            kinds,
            status=status,
            notice=message,
            notice_at=at,
            notice_class="wait",
            **extra,
        )

    async def feedback_form(self, request: web.Request) -> web.Response:
        s, kinds = await self.session(request.match_info["code"])
        form = await read_form(request)
        try:
            values = feedback_values(form)
        except FormErrors as exc:
            return await self.session_page(
                request, s, kinds, status=400, values=exc.values, errors=exc.errors
            )
        try:
            await self.store_feedback(request, s, values, write_key(request, form))
        except (NoDevice, TooMany) as exc:
            return await self.wait_page(
                request, s, kinds, exc.status, exc.message, "feedback", values=form
            )
        return redirect(f"/{s.code}?sent=1#feedback")

    # -- JSON API ---------------------------------------------------------------------------

    async def about(self, request: web.Request) -> web.Response:
        return web.json_response({"app": "bigconv", "event": self.event_name})

    async def api_react(self, request: web.Request) -> web.Response:
        s = await self.session_ref(request.match_info["code"])
        body = await read_json(request)
        result = await self.react(request, s, body.get("kind"), write_key(request, body))
        if result.counted:
            return web.json_response({"counted": True, "kind": result.kind, "at": result.at})
        kinds = await self.read(feedback.reaction_kinds)
        wait = max(1, round(result.retry_after))
        return web.json_response(
            {"counted": False, "error": cooldown_message(kinds, result), "retry_after": wait},
            status=429,
            headers={"Retry-After": str(wait)},
        )

    async def api_feedback(self, request: web.Request) -> web.Response:
        s = await self.session_ref(request.match_info["code"])
        body = await read_json(request)
        try:
            values = feedback_values(body)
        except FormErrors as exc:
            raise Invalid(" ".join(exc.errors.values())) from None
        await self.store_feedback(request, s, values, write_key(request, body))
        return web.json_response({"saved": True}, status=201)

    async def api_summary(self, request: web.Request) -> web.Response:
        """A session's aggregate counts, at most SUMMARY_TTL seconds old: however many phones
        ask, each session's summary is computed at most once a second (about 0.1 s of the
        reading thread at 100,000 rows)."""
        s = await self.session_ref(request.match_info["code"])
        now = time.monotonic()
        cached = self.summaries.get(s.id)
        if cached is None or now - cached[0] >= SUMMARY_TTL:
            summary = await self.read(lambda db: feedback.summary(db, s.id))
            cached = self.summaries[s.id] = (now, summary.as_dict())
        return web.json_response({"code": s.code, "title": s.title, **cached[1]})

    # -- actions ----------------------------------------------------------------------------

    async def react(
        self,
        request: web.Request,
        s: SessionRow | feedback.SessionRef,
        kind: object,
        key: str | None = None,
    ) -> feedback.ReactionResult:
        """Store a reaction (a retry with the same key: the first answer, nothing stored)."""
        if not (isinstance(kind, str) and len(kind) <= 40 and is_clean(kind)):
            raise Invalid(UNKNOWN_KIND)
        dev = await self.device(request)
        at, cooldown = self.clock(), self.cooldown
        try:
            return await self.write_once(
                dev,
                key,
                ("reaction", s.id, kind),
                lambda db: feedback.record_reaction(db, s.id, kind, dev, at=at, cooldown=cooldown),
                # Only a counted tap spends its key: a refused one stored nothing.
                memo=lambda r: dataclasses.asdict(r) if r.counted else None,
                replay=lambda m: feedback.ReactionResult(**m),
            )
        except feedback.UnknownKind:
            raise Invalid(UNKNOWN_KIND) from None

    async def store_feedback(
        self,
        request: web.Request,
        s: SessionRow | feedback.SessionRef,
        values: dict,
        key: str | None = None,
    ) -> None:
        dev = await self.device(request)
        at = self.clock()
        await self.write_once(
            dev,
            key,
            ("feedback", s.id, values),
            lambda db: feedback.record_feedback(db, s.id, dev, at=at, **values),
        )


UNKNOWN_KIND = "Unknown reaction: please use one of the buttons on the page."
NO_DEVICE_YET = (
    "Many phones joined from this network just now: reload this page in a minute to react "
    "or send feedback."
)


class NoDevice(Exception):
    status = 403
    message = "Reload the session page first (it lets this phone react), then try again."


class TooMany(Exception):
    status = 429
    message = "That is a lot at once from this phone or network: please wait a moment."

    def __init__(self, wait: float):
        super().__init__(self.message)
        self.wait = wait


IDEMPOTENCY_HEADER = "Idempotency-Key"


def write_key(request: web.Request, data: dict) -> str | None:
    """The key a phone named this write with: the Idempotency-Key header (what the page's
    script sends), else the body's `nonce` field (what the pages' forms carry); None without
    one (a page cached before keys existed). Invalid (400) for a malformed key."""
    try:
        return writekeys.check_key(request.headers.get(IDEMPOTENCY_HEADER, data.get("nonce")))
    except writekeys.BadKey as exc:
        raise Invalid(str(exc)) from None


def cooldown_message(kinds: list[feedback.ReactionKind], result: feedback.ReactionResult) -> str:
    kind = next(k for k in kinds if k.key == result.kind)
    wait = max(1, round(result.retry_after))
    return (
        f"Already counted: {kind.emoji} {kind.label} was sent a moment ago. "
        f"You can send it again in {wait} s."
    )


def feedback_values(data) -> dict:
    """Checked feedback fields from a form or a JSON object; FormErrors lists each problem."""
    raw = {k: data.get(k) for k in ("rating", "next_step", "comment", "badge")}
    errors: dict[str, str] = {}
    values: dict = {}
    checks = (
        ("rating", parse_rating),
        ("next_step", lambda v: clean_text(v, feedback.NEXT_STEP_MAX, "One thing I'll try")),
        ("comment", lambda v: clean_text(v, feedback.COMMENT_MAX, "The comment")),
    )
    for name, check in checks:
        try:
            values[name] = check(raw[name])
        except Invalid as exc:
            errors[name] = str(exc)
    if raw["badge"] not in (None, ""):
        # No oracle and no attaching to someone's record by a code anyone can read off a
        # badge: the same answer for every badge, real or not (README, "Badges").
        errors["badge"] = BADGE_REFUSED
    if not errors and values["rating"] is None and not (values["next_step"] or values["comment"]):
        errors["rating"] = "Choose a rating or write something before sending."
    if errors:
        shown = {k: v if isinstance(v, str) else "" for k, v in raw.items()}
        raise FormErrors(errors, shown)
    return values


BADGE_REFUSED = (
    "Badge codes are not taken here: your feedback stays anonymous. Leave the badge out."
)


class NotFound(web.HTTPNotFound):
    """An unknown session code (rendered as a helpful page by the middleware)."""

    def __init__(self, code: str):
        super().__init__()
        self.code = code


class FormErrors(Exception):
    def __init__(self, errors: dict[str, str], values: dict[str, str]):
        super().__init__("; ".join(errors.values()))
        self.errors = errors
        self.values = values


def is_code(text: str) -> bool:
    """Could be a session code: a few ASCII letters and digits (nothing SQLite cannot bind)."""
    return len(text) <= 8 and text.isascii() and text.isalnum()


def redirect(location: str) -> web.Response:
    """303 See Other: the browser shows the page again with a notice, and reload is harmless."""
    return web.Response(status=303, headers={"Location": location})


def parse_rating(value: object) -> int | None:
    if value is None or value == "":
        return None
    if isinstance(value, str) and value.strip() in {"1", "2", "3", "4", "5"}:
        return int(value)
    if isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= 5:
        return value
    raise Invalid("The rating must be a whole number from 1 to 5.")


def clean_text(value: object, limit: int, what: str) -> str:
    """Trimmed text by the untrusted-text rule (no control characters, no bidi overrides,
    no lone surrogates), at most `limit` characters."""
    if value is None:
        return ""
    if not isinstance(value, str):
        raise Invalid(f"{what} must be text.")
    try:
        value.encode("utf-8")  # a lone surrogate is no character a person typed
    except UnicodeEncodeError:
        raise Invalid(f"{what} has characters that cannot be stored.") from None
    text = clean_field(value)  # the untrusted-text rule (bigconv/data/text.py)
    if len(text) > limit:
        raise Invalid(f"{what} is too long: at most {limit} characters, please.")
    return text


async def read_form(request: web.Request) -> dict[str, str]:
    """The fields of a plain HTML form post (the pages never send multipart or files)."""
    if request.content_type != "application/x-www-form-urlencoded":
        raise Invalid("Send the form from the session page.")
    try:
        form = await read_post(request)
    except (ValueError, LookupError, HttpProcessingError) as exc:
        raise Invalid("The form could not be read.") from exc
    return {k: v for k, v in form.items() if isinstance(v, str)}


async def read_json(request: web.Request) -> dict:
    try:
        body = json.loads(await read_body(request))
    except (ValueError, RecursionError) as exc:
        raise Invalid("Send a JSON object.") from exc
    if not isinstance(body, dict):
        raise Invalid("Send a JSON object.")
    return body


def is_api(request: web.Request) -> bool:
    return request.path.startswith("/api/")


NOT_SAVED = "Not saved: the server cannot store anything just now. Please try again in a moment."


def error_response(request: web.Request, status: int, message: str, **extra) -> web.Response:
    site = request.app[SITE]
    extra.pop("detail", None)  # what went wrong inside goes to the log, not to phones
    if is_api(request):
        return web.json_response({"error": message}, status=status)
    context = {"code": "", "not_found": False, **extra}
    return site.page("error.html", status, message=message, **context)


@web.middleware
async def guard(request: web.Request, handler) -> web.StreamResponse:
    """Same-origin posts, security headers, and friendly pages (or JSON) for every 4xx."""
    if request.path == STAFF_PREFIX or request.path.startswith(STAFF_PREFIX + "/"):
        return await handler(request)  # the staff stations keep their own rules (web/staff.py)
    if request.method == "POST" and not post_allowed(request):
        response = error_response(request, 403, "This form must be sent from this site's own page.")
    else:
        try:
            response = await handler(request)
        except NotFound as exc:
            response = error_response(
                request, 404, "No session has that code.", code=exc.code[:20], not_found=True
            )
        except Invalid as exc:
            response = error_response(request, 400, str(exc))
        except (NoDevice, TooMany) as exc:
            response = error_response(request, exc.status, exc.message)
        except Unavailable as exc:
            # Nothing was stored (a failed transaction is rolled back as a whole).
            response = error_response(request, 503, NOT_SAVED, detail=str(exc))
            response.headers["Retry-After"] = "2"
        except (sqlite3.Error, store.StoreError) as exc:  # a backstop: all run in the threads
            request.app[SITE].log_failure(exc)
            response = error_response(request, 503, NOT_SAVED, detail=store.describe(exc))
            response.headers["Retry-After"] = "2"
        except web.HTTPException as exc:
            if exc.status < 400:
                raise
            response = error_response(
                request, exc.status, http_message(exc), not_found=exc.status == 404
            )
    response.headers.update(SECURITY_HEADERS)
    return response


MISDIRECTED = "Misdirected request: this server does not answer to that name.\n"


def host_check(names: frozenset[str]):
    """A middleware answering only requests whose Host names this server (`net.served_names`,
    or the address the connection arrived on): a page reached under another name (a DNS
    rebinding attack, a proxy nobody allowed) gets a short 421, plain text."""

    @web.middleware
    async def middleware(request: web.Request, handler) -> web.StreamResponse:
        sock = request.transport.get_extra_info("sockname") if request.transport else None
        local = str(sock[0]) if sock else None
        if not host_allowed(host_header(request), names, local):
            return web.Response(status=421, text=MISDIRECTED, headers={"Cache-Control": "no-store"})
        return await handler(request)

    return middleware


def http_message(exc: web.HTTPException) -> str:
    if exc.status == 413:
        return "That was too much to send at once: please shorten it."
    if exc.status == 404:
        return "There is no page at this address."
    return exc.reason


def _station_command(db_path: Path, event: Event, clock, public_url: str | None) -> str:
    """The browser stations' command, told this server's phone address and rehearsal clock."""
    from bigconv.web.staff import station_command

    command = station_command(event.path.resolve(), Path(db_path).resolve())
    extra = []
    if public_url:
        extra += ["--public-url", public_url]
    if isinstance(clock, store.OffsetClock):
        extra += ["--clock-offset", f"{clock.offset.total_seconds():.3f}"]
    return " ".join([command, *map(shlex.quote, extra)])


SITE = web.AppKey("bigconv_site", PhoneSite)
STAFF_APP = web.AppKey("bigconv_staff_app", web.Application)


def make_web_app(
    db_path: Path,
    event: Event | None = None,
    *,
    clock: Callable[[], dt.datetime] | None = None,
    cooldown: dt.timedelta = feedback.COOLDOWN,
    staff: bool = False,
    public_url: str | None = None,
    limits: PhoneLimits = PhoneLimits(),
    worker_options: dict | None = None,
    host: str | None = None,
    allow_hosts: Iterable[str] = (),
    trusted_proxies: Iterable[str] = (),
) -> web.Application:
    """Build the phone site over the event database (the CLI and the tests call this);
    `staff` adds the passcode-protected browser stations under /staff (needs `event`).

    `clock` stamps reactions and feedback and says which session is on; the browser stations
    get the same clock (a rehearsal's offset) and `public_url`, the address phones use.
    Requests must name this server in their Host header: this machine, `host` (the address
    listened on), `public_url`'s and base_url's hosts, or one of `allow_hosts` (a proxy's).
    `trusted_proxies` (addresses or networks) are believed about the client's scheme, host and
    address (`X-Forwarded-*`, bigconv/web/common/security.py); nobody else is.
    `limits` and `worker_options` (DbWorker's) are for benchmarks."""
    site = PhoneSite(
        db_path,
        event,
        clock or store.utcnow,
        cooldown,
        limits=limits,
        worker_options=worker_options,
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
    if staff:
        from bigconv.web.staff import MAX_STATIONS, make_staff_app

        connections.stations = MAX_STATIONS  # their pipes count against the open-file limit
        if event is None:
            raise ValueError("the staff stations need the event file (stations start from it)")

        app[STAFF_APP] = make_staff_app(
            db_path, event, data=site, command=_station_command(db_path, event, clock, public_url)
        )
        app.add_subapp(STAFF_PREFIX, app[STAFF_APP])
    app.router.add_static("/static", STATIC)
    app.router.add_get("/", site.index)
    app.router.add_get("/go", site.go)
    app.router.add_get("/api/about", site.about)
    app.router.add_post("/api/{code}/reactions", site.api_react)
    app.router.add_post("/api/{code}/feedback", site.api_feedback)
    app.router.add_get("/api/{code}/summary", site.api_summary)
    app.router.add_get("/{code}", site.session_view)
    app.router.add_post("/{code}/react", site.react_form)
    app.router.add_post("/{code}/feedback", site.feedback_form)
    from bigconv.web.followup import add_routes as add_followup_routes

    add_followup_routes(app)  # /me/TOKEN and /{code}/commit
    return app
