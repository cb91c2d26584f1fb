"""The aiohttp phone site: pages that work without JavaScript, and the JSON API they enhance."""

from __future__ import annotations

import datetime as dt
import json
import re
import secrets
import shlex
import zoneinfo
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit

import sqlite_utils
from aiohttp import web
from aiohttp.http_exceptions import HttpProcessingError

from bigconv.config import Event
from bigconv.data import feedback, store
from bigconv.data.codes import normalise_code
from bigconv.data.timetable import SessionRow, session_by_code
from bigconv.web.render import render

DEVICE_COOKIE = "bigconv_device"
DEVICE_RE = re.compile(r"[A-Za-z0-9_-]{22}")
DEVICE_MAX_AGE = 7 * 24 * 3600
DEVICE_KEY = web.RequestKey("bigconv_device", str) if hasattr(web, "RequestKey") else "device"
# A whole hall scanning the poster at once: room for every phone's connection in the queue
# (the default 128 makes the rest retry after a second).
LISTEN_BACKLOG = 1024
STAFF_PREFIX = "/staff"  # the staff stations' sub-application (bigconv/web/staff.py)
MAX_BODY = 16 * 1024  # a feedback form is well under 2 KB; anything larger is refused with 413
BADGE_MAX = 16
STATIC = Path(__file__).parent / "static"
# Control characters other than tab and newline have no place in a comment.
CONTROL_RE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
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


class PhoneSite:
    """State and handlers of one running phone site (one SQLite connection, the loop's thread)."""

    def __init__(
        self,
        db_path: Path,
        event: Event | None,
        clock: Callable[[], dt.datetime],
        cooldown: dt.timedelta,
    ):
        self.db_path = Path(db_path)
        self.event = event
        self.clock = clock
        self.cooldown = cooldown
        self.db: sqlite_utils.Database | None = None
        self.tz: dt.tzinfo = event.tz if event else dt.UTC
        self.event_name = event.name if event else "bigconv"

    # -- lifecycle --------------------------------------------------------------------------

    async def open(self, app: web.Application) -> None:
        self.db = store.connect(self.db_path)
        if not self.event:
            self.event_name = store.get_meta(self.db, "event_name") or self.event_name
            if tzname := store.get_meta(self.db, "timezone"):
                self.tz = zoneinfo.ZoneInfo(tzname)

    async def close(self, app: web.Application) -> None:
        if self.db is not None:
            self.db.close()

    # -- helpers ----------------------------------------------------------------------------

    def session(self, code: str) -> SessionRow:
        """The session for a code typed in any case, or a helpful 404."""
        clean = normalise_code(code)
        found = session_by_code(self.db, clean) if clean.isalnum() and len(clean) <= 8 else None
        if found is None:
            raise NotFound(code)
        return found

    def session_ref(self, code: str) -> feedback.SessionRef:
        """The API's lighter lookup (id, code, title) for a code in any case, or a 404."""
        clean = normalise_code(code)
        found = feedback.find_session(self.db, clean) if len(clean) <= 8 else None
        if found is None:
            raise NotFound(code)
        return found

    def times(self, s: SessionRow) -> str:
        start, end = (store.parse_iso(t).astimezone(self.tz) for t in (s.starts_at, s.ends_at))
        return f"{start:%H:%M}–{end:%H:%M}"

    def page(self, name: str, status: int = 200, **context) -> web.Response:
        html = render(name, event_name=self.event_name, **context)
        return web.Response(text=html, status=status, content_type="text/html")

    def session_page(
        self, request: web.Request, s: SessionRow, *, status: int = 200, **context
    ) -> web.Response:
        context.setdefault("values", {})
        context.setdefault("errors", {})
        context.setdefault("notice", None)
        context.setdefault("notice_class", "")
        context.setdefault("notice_at", "")
        from bigconv.web.followup import commit_context  # the commitment form (CPD loop)

        context = {**commit_context(request), **context}
        response = self.page(
            "session.html",
            status,
            s=s,
            when=self.times(s),
            kinds=feedback.reaction_kinds(self.db),
            limits={"next_step": feedback.NEXT_STEP_MAX, "comment": feedback.COMMENT_MAX},
            **context,
        )
        device(request, response)
        return response

    # -- pages ------------------------------------------------------------------------------

    async def index(self, request: web.Request) -> web.Response:
        now = self.clock()
        running = [(s, self.times(s)) for s in feedback.sessions_now(self.db, now)]
        return self.page("index.html", running=running)

    async def go(self, request: web.Request) -> web.Response:
        """The 'type a code' box: redirect to the session page."""
        s = self.session(request.query.get("code", ""))
        raise web.HTTPSeeOther(f"/{s.code}")

    async def session_view(self, request: web.Request) -> web.Response:
        s = self.session(request.match_info["code"])
        kinds = {k.key: k for k in feedback.reaction_kinds(self.db)}
        notice, notice_at = None, ""
        if (kind := kinds.get(request.query.get("counted", ""))) is not None:
            notice, notice_at = f"Counted: {kind.emoji} {kind.label}. Thank you!", "reactions"
        elif request.query.get("sent") == "1":
            notice = "Thank you! Your feedback is saved. Sending it again replaces it."
            notice_at = "feedback"
        return self.session_page(request, s, notice=notice, notice_at=notice_at)

    async def react_form(self, request: web.Request) -> web.Response:
        s = self.session(request.match_info["code"])
        form = await read_form(request)
        result, dev = self.react(request, s, form.get("kind"))
        if not result.counted:
            response = self.session_page(
                request,
                s,
                status=429,
                notice=self.cooldown_message(result),
                notice_at="reactions",
                notice_class="wait",
            )
        else:
            response = redirect(f"/{s.code}?counted={result.kind}#reactions")
        set_device(response, dev, request)
        return response

    async def feedback_form(self, request: web.Request) -> web.Response:
        s = self.session(request.match_info["code"])
        form = await read_form(request)
        try:
            values = self.feedback_values(form)
        except FormErrors as exc:
            return self.session_page(request, s, status=400, values=exc.values, errors=exc.errors)
        dev = self.store_feedback(request, s, values)
        response = redirect(f"/{s.code}?sent=1#feedback")
        set_device(response, dev, request)
        return response

    # -- JSON API ---------------------------------------------------------------------------

    async def about(self, request: web.Request) -> web.Response:
        return web.json_response({"app": "bigconv", "event": self.event_name})

    async def api_react(self, request: web.Request) -> web.Response:
        s = self.session_ref(request.match_info["code"])
        body = await read_json(request)
        result, dev = self.react(request, s, body.get("kind"))
        if result.counted:
            response = web.json_response({"counted": True, "kind": result.kind, "at": result.at})
        else:
            wait = max(1, round(result.retry_after))
            response = web.json_response(
                {"counted": False, "error": self.cooldown_message(result), "retry_after": wait},
                status=429,
                headers={"Retry-After": str(wait)},
            )
        set_device(response, dev, request)
        return response

    async def api_feedback(self, request: web.Request) -> web.Response:
        s = self.session_ref(request.match_info["code"])
        body = await read_json(request)
        try:
            values = self.feedback_values(body)
        except FormErrors as exc:
            raise Invalid(" ".join(exc.errors.values())) from None
        dev = self.store_feedback(request, s, values)
        response = web.json_response({"saved": True}, status=201)
        set_device(response, dev, request)
        return response

    async def api_summary(self, request: web.Request) -> web.Response:
        s = self.session_ref(request.match_info["code"])
        data = {"code": s.code, "title": s.title, **feedback.summary(self.db, s.id).as_dict()}
        return web.json_response(data)

    # -- actions ----------------------------------------------------------------------------

    def react(
        self, request: web.Request, s: SessionRow | feedback.SessionRef, kind: object
    ) -> tuple[feedback.ReactionResult, str]:
        dev = device(request)
        try:
            if not isinstance(kind, str):
                raise feedback.UnknownKind(kind)
            result = feedback.record_reaction(
                self.db, s.id, kind, dev, at=self.clock(), cooldown=self.cooldown
            )
        except feedback.UnknownKind:
            raise Invalid("Unknown reaction: please use one of the buttons on the page.") from None
        return result, dev

    def cooldown_message(self, result: feedback.ReactionResult) -> str:
        kind = next(k for k in feedback.reaction_kinds(self.db) if k.key == result.kind)
        wait = max(1, round(result.retry_after))
        return (
            f"Already counted: {kind.emoji} {kind.label} was sent a moment ago. "
            f"You can send it again in {wait} s."
        )

    def store_feedback(
        self, request: web.Request, s: SessionRow | feedback.SessionRef, values: dict
    ) -> str:
        dev = device(request)
        feedback.record_feedback(self.db, s.id, dev, at=self.clock(), **values)
        return dev

    def feedback_values(self, data) -> dict:
        """Checked feedback fields from a form or a JSON object; FormErrors lists each problem."""
        raw = {k: data.get(k) for k in ("rating", "next_step", "comment", "badge")}
        errors: dict[str, str] = {}
        values: dict = {}
        checks = (
            ("rating", parse_rating),
            ("next_step", lambda v: clean_text(v, feedback.NEXT_STEP_MAX, "One thing I'll try")),
            ("comment", lambda v: clean_text(v, feedback.COMMENT_MAX, "The comment")),
            ("badge", self.parse_badge),
        )
        for name, check in checks:
            try:
                values[name] = check(raw[name])
            except Invalid as exc:
                errors[name] = str(exc)
        if (
            not errors
            and values["rating"] is None
            and not (values["next_step"] or values["comment"])
        ):
            errors["rating"] = "Choose a rating or write something before sending."
        if errors:
            shown = {k: v if isinstance(v, str) else "" for k, v in raw.items()}
            raise FormErrors(errors, shown)
        return values

    def parse_badge(self, value: object) -> str | None:
        text = clean_text(value, BADGE_MAX, "The badge code")
        if not text:
            return None
        badge = normalise_code(text)
        if not feedback.badge_exists(self.db, badge):
            raise Invalid(
                "We don't know that badge code: check it on your badge, or leave it empty."
            )
        return badge


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
    """Trimmed text without control characters, at most `limit` characters."""
    if value is None:
        return ""
    if not isinstance(value, str):
        raise Invalid(f"{what} must be text.")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise Invalid(f"{what} has characters that cannot be stored.") from None
    text = CONTROL_RE.sub("", value.replace("\r\n", "\n")).strip()
    if len(text) > limit:
        raise Invalid(f"{what} is too long: at most {limit} characters, please.")
    return text


async def read_form(request: web.Request) -> dict[str, str]:
    """The fields of a plain HTML form post (the pages never send multipart or files)."""
    if request.content_type != "application/x-www-form-urlencoded":
        raise Invalid("Send the form from the session page.")
    try:
        form = await request.post()
    except (ValueError, LookupError, HttpProcessingError) as exc:
        raise Invalid("The form could not be read.") from exc
    return {k: v for k, v in form.items() if isinstance(v, str)}


async def read_json(request: web.Request) -> dict:
    try:
        body = json.loads(await request.read())
    except (ValueError, RecursionError) as exc:
        raise Invalid("Send a JSON object.") from exc
    if not isinstance(body, dict):
        raise Invalid("Send a JSON object.")
    return body


def device(request: web.Request, response: web.StreamResponse | None = None) -> str:
    """This phone's anonymous device id: the cookie's, else a new random one (kept per request)."""
    if (known := request.get(DEVICE_KEY)) is not None:
        dev = known
    else:
        cookie = request.cookies.get(DEVICE_COOKIE, "")
        dev = cookie if DEVICE_RE.fullmatch(cookie) else secrets.token_urlsafe(16)
        request[DEVICE_KEY] = dev
    if response is not None:
        set_device(response, dev, request)
    return dev


def set_device(response: web.StreamResponse, dev: str, request: web.Request) -> None:
    if request.cookies.get(DEVICE_COOKIE) != dev:
        response.set_cookie(
            DEVICE_COOKIE,
            dev,
            max_age=DEVICE_MAX_AGE,
            path="/",
            httponly=True,
            samesite="Lax",
            secure=request.secure,
        )


def same_origin(request: web.Request) -> bool:
    """An Origin (else Referer) header, when sent, must name this host."""
    for header in ("Origin", "Referer"):
        value = request.headers.get(header)
        if value is None:
            continue
        try:
            netloc = urlsplit(value).netloc
        except ValueError:
            return False
        return netloc.lower() == request.host.lower()
    return True


def is_api(request: web.Request) -> bool:
    return request.path.startswith("/api/")


def error_response(request: web.Request, status: int, message: str, **extra) -> web.Response:
    site = request.app[SITE]
    if is_api(request):
        return web.json_response({"error": message}, status=status)
    context = {"code": "", "not_found": False, **extra}
    return site.page("error.html", status, message=message, **context)


@web.middleware
async def guard(request: web.Request, handler) -> web.StreamResponse:
    """Same-origin posts, security headers, and friendly pages (or JSON) for every 4xx."""
    if request.path == STAFF_PREFIX or request.path.startswith(STAFF_PREFIX + "/"):
        return await handler(request)  # the staff stations keep their own rules (web/staff.py)
    if request.method == "POST" and not same_origin(request):
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
        except web.HTTPException as exc:
            if exc.status < 400:
                raise
            response = error_response(
                request, exc.status, http_message(exc), not_found=exc.status == 404
            )
    response.headers.update(SECURITY_HEADERS)
    return response


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
) -> web.Application:
    """Build the phone site over the event database (the CLI and the tests call this);
    `staff` adds the passcode-protected browser stations under /staff (needs `event`).

    `clock` stamps reactions and feedback and says which session is on; the browser stations
    get the same clock (a rehearsal's offset) and `public_url`, the address phones use."""
    site = PhoneSite(db_path, event, clock or store.utcnow, cooldown)
    app = web.Application(client_max_size=MAX_BODY, middlewares=[guard])
    app[SITE] = site
    app.on_startup.append(site.open)
    app.on_cleanup.append(site.close)
    if staff:
        from bigconv.web.staff import make_staff_app

        if event is None:
            raise ValueError("the staff stations need the event file (stations start from it)")

        app[STAFF_APP] = make_staff_app(
            db_path, event, command=_station_command(db_path, event, clock, public_url)
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
