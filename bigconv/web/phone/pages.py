"""The phone site's pages and JSON API: session pages that work without JavaScript, reactions,
feedback, the commitment form, and the API the pages' script uses."""

from __future__ import annotations

import dataclasses
import datetime as dt
import time

from aiohttp import web

from bigconv.core.codes import normalise_code
from bigconv.core.text import is_clean
from bigconv.data import feedback, reactions
from bigconv.data import followup as fu
from bigconv.data.timetable import SessionRow, session_by_code
from bigconv.web.common.errors import FormErrors, Invalid, NoDevice, NotFound, TooMany
from bigconv.web.common.forms import read_form, read_json, redirect, write_key
from bigconv.web.common.site import SiteDb
from bigconv.web.phone.commit import commit_context, commitment_of
from bigconv.web.phone.values import cooldown_message, feedback_values, is_code

SUMMARY_TTL = 1.0  # seconds a session's summary may be served from memory
REF_TTL = 10.0  # seconds a session's id and title are remembered for the API
UNKNOWN_KIND = "Unknown reaction: please use one of the buttons on the page."
NO_DEVICE_YET = (
    "Many phones joined from this network just now: reload this page in a minute to react "
    "or send feedback."
)


class PhoneSite:
    """The phone pages' handlers over the server's shared `SiteDb` (its database threads,
    device cookie and limits)."""

    def __init__(self, site: SiteDb, cooldown: dt.timedelta = reactions.COOLDOWN):
        self.site = site
        self.cooldown = cooldown
        self.summaries: dict[int, tuple[float, dict]] = {}  # session id: (when, summary)
        self.refs: dict[str, tuple[float, feedback.SessionRef]] = {}  # code: (when, session)

    def add_routes(self, app: web.Application) -> None:
        """The phone pages and the JSON API (`/{code}` last of all: it takes any one word)."""
        app.router.add_get("/", self.index)
        app.router.add_get("/go", self.go)
        app.router.add_post("/api/{code}/reactions", self.api_react)
        app.router.add_post("/api/{code}/feedback", self.api_feedback)
        app.router.add_post("/api/{code}/commit", self.api_commit)
        app.router.add_get("/api/{code}/summary", self.api_summary)
        app.router.add_get("/{code}", self.session_view)
        app.router.add_post("/{code}/react", self.react_form)
        app.router.add_post("/{code}/feedback", self.feedback_form)
        app.router.add_post("/{code}/commit", self.commit_form)

    # -- helpers ----------------------------------------------------------------------------

    async def session(self, code: str) -> tuple[SessionRow, list[reactions.ReactionKind]]:
        """The session for a code typed in any case (and the event's reactions), or a 404."""
        wanted = normalise_code(code)
        if not is_code(wanted):
            raise NotFound(code)
        found, kinds = await self.site.read(
            lambda db: (session_by_code(db, wanted), reactions.reaction_kinds(db))
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
        found = await self.site.read(lambda db: feedback.find_session(db, wanted))
        if found is None:
            raise NotFound(code)
        self.refs[wanted] = (now, found)  # only codes that exist: bounded by the timetable
        return found

    async def session_page(
        self,
        request: web.Request,
        s: SessionRow,
        kinds: list[reactions.ReactionKind],
        *,
        status: int = 200,
        **context,
    ) -> web.Response:
        context.setdefault("values", {})
        context.setdefault("errors", {})
        context.setdefault("notice", None)
        context.setdefault("notice_class", "")
        context.setdefault("notice_at", "")
        context = {**await commit_context(request), **context}  # "one thing I'll try"

        def page(**overrides) -> web.Response:
            return self.site.page(
                "session.html",
                status,
                s=s,
                when=self.site.times(s),
                kinds=kinds,
                limits={"next_step": feedback.NEXT_STEP_MAX, "comment": feedback.COMMENT_MAX},
                **{**context, **overrides},
            )

        response = page()
        if await self.site.give_device(request, response) is None and not context["notice"]:
            # Rendered again with the notice: rare (an address past its share of new phones).
            response = page(notice=NO_DEVICE_YET, notice_class="wait", notice_at="reactions")
        return response

    # -- pages ------------------------------------------------------------------------------

    async def index(self, request: web.Request) -> web.Response:
        now = self.site.clock()
        found = await self.site.read(lambda db: feedback.sessions_now(db, now))
        return self.site.page("index.html", running=[(s, self.site.times(s)) for s in found])

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

    async def api_react(self, request: web.Request) -> web.Response:
        s = await self.session_ref(request.match_info["code"])
        body = await read_json(request)
        result = await self.react(request, s, body.get("kind"), write_key(request, body))
        if result.counted:
            return web.json_response({"counted": True, "kind": result.kind, "at": result.at})
        kinds = await self.site.read(reactions.reaction_kinds)
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
            summary = await self.site.read(lambda db: feedback.summary(db, s.id))
            cached = self.summaries[s.id] = (now, summary.as_dict())
        return web.json_response({"code": s.code, "title": s.title, **cached[1]})

    # -- actions ----------------------------------------------------------------------------

    async def react(
        self,
        request: web.Request,
        s: SessionRow | feedback.SessionRef,
        kind: object,
        key: str | None = None,
    ) -> reactions.ReactionResult:
        """Store a reaction (a retry with the same key: the first answer, nothing stored)."""
        if not (isinstance(kind, str) and len(kind) <= 40 and is_clean(kind)):
            raise Invalid(UNKNOWN_KIND)
        dev = await self.site.device(request)
        at, cooldown = self.site.clock(), self.cooldown
        try:
            return await self.site.write_once(
                dev,
                key,
                ("reaction", s.id, kind),
                lambda db: reactions.record_reaction(db, s.id, kind, dev, at=at, cooldown=cooldown),
                # Only a counted tap spends its key: a refused one stored nothing.
                memo=lambda r: dataclasses.asdict(r) if r.counted else None,
                replay=lambda m: reactions.ReactionResult(**m),
            )
        except reactions.UnknownKind:
            raise Invalid(UNKNOWN_KIND) from None

    async def store_feedback(
        self,
        request: web.Request,
        s: SessionRow | feedback.SessionRef,
        values: dict,
        key: str | None = None,
    ) -> None:
        dev = await self.site.device(request)
        at = self.site.clock()
        await self.site.write_once(
            dev,
            key,
            ("feedback", s.id, values),
            lambda db: feedback.record_feedback(db, s.id, dev, at=at, **values),
        )

    async def commit_form(self, request: web.Request) -> web.Response:
        """POST /{code}/commit: one thing I'll try, optionally with my name (via my personal
        link). Like a reaction it needs this site's device token and counts against the
        phone's and the address's share of stored rows (403, 429: nothing stored)."""
        s, kinds = await self.session(request.match_info["code"])
        form = await read_form(request)
        key = write_key(request, form)
        values, attendee_id, errors = await commitment_of(request, form)
        status = 400
        if not errors:
            try:
                dev = await self.site.device(request)
            except (NoDevice, TooMany) as exc:
                status, errors["device"] = exc.status, exc.message
        if errors:
            shown = {
                k: v for k, v in form.items() if k in ("try_text", "when_where", "help", "named")
            }
            return await self.session_page(
                request, s, kinds, status=status, commit_values=shown, commit_errors=errors
            )
        await self.store_commitment(s.id, dev, key, values, attendee_id)
        return redirect(f"/{s.code}?committed={'named' if attendee_id else 'anonymous'}#commit")

    async def api_commit(self, request: web.Request) -> web.Response:
        """POST /api/{code}/commit, JSON: the commitment form as the page's script sends it,
        so saving it leaves the page (the feedback typed, the tallies) as it is."""
        s = await self.session_ref(request.match_info["code"])
        body = await read_json(request)
        fields = {k: v for k, v in body.items() if isinstance(v, str)}
        values, attendee_id, errors = await commitment_of(request, fields)
        if errors:
            raise Invalid(" ".join(errors.values()))
        dev = await self.site.device(request)
        await self.store_commitment(s.id, dev, write_key(request, body), values, attendee_id)
        return web.json_response({"saved": True, "named": attendee_id is not None}, status=201)

    async def store_commitment(
        self,
        session_id: int,
        dev: str,
        key: str | None,
        values: dict[str, str],
        attendee_id: int | None,
    ) -> None:
        """Keep a commitment (a retry with the same key: nothing stored twice)."""
        at = self.site.clock()
        await self.site.write_once(
            dev,
            key,
            ("commitment", session_id, attendee_id, values),
            lambda db: fu.record_commitment(
                db, session_id, dev, attendee_id=attendee_id, at=at, **values
            ),
        )
