"""The CPD loop on the phone site: the commitment form under each session's feedback, a
person's own page behind their personal link (`/me/TOKEN`), and the follow-up form.

A commitment carries a name only when the phone holds a valid personal link for the day (the
`bigconv_me` cookie, set by opening the link): typing a badge code is not enough. Unknown,
expired and revoked links all get the same answer, so links cannot be probed.
"""

from __future__ import annotations

import contextlib

from aiohttp import web

from bigconv.data import followup as fu
from bigconv.data.timetable import sessions as all_sessions
from bigconv.web.app import (
    SITE,
    Invalid,
    NoDevice,
    TooMany,
    Unavailable,
    clean_text,
    error_response,
    read_form,
    redirect,
    write_key,
)

ME_COOKIE = "bigconv_me"
NOT_VALID = (
    "This personal link is not valid: it may have expired with its round, or been replaced. "
    "Ask the organiser for a new one."
)
ANSWERS_CHANGED = (
    "Your list of things to try has changed since this page opened: check it and send again."
)
PRIVATE_HEADERS = {"Cache-Control": "no-store", "X-Robots-Tag": "noindex"}


def _site(request: web.Request):
    return request.app[SITE]


def _text(form, name: str, limit: int, what: str) -> str:
    """Plain text from a form field (Invalid says what is wrong)."""
    return clean_text(form.get(name), limit, what)


async def resolve(request: web.Request, token: str) -> fu.Link | None:
    """The valid link for a token (read in the site's database thread), or None."""
    at = _site(request).clock()
    return await _site(request).read(lambda db: fu.resolve_link(db, token, at=at))


async def me_link(request: web.Request) -> fu.Link | None:
    """The day link this phone holds (its cookie), if it is still valid."""
    token = request.cookies.get(ME_COOKIE, "")
    if not token:
        return None
    link = await resolve(request, token)
    return link if link and link.purpose == fu.DAY else None


async def commit_context(request: web.Request) -> dict:
    """What the session page's commitment section needs: who this phone may name, and a notice."""
    link = await me_link(request)
    notice = {
        "named": "Saved, with your name: it goes on your CPD record. Sending again replaces it.",
        "anonymous": "Saved, without your name. Sending again replaces it.",
    }.get(request.query.get("committed", ""))
    return {
        "me": link.person.first_name if link else None,
        "commit_values": {},
        "commit_errors": {},
        "commit_notice": notice,
    }


async def commit_form(request: web.Request) -> web.Response:
    """POST /{code}/commit: one thing I'll try, optionally with my name (via my personal link).
    Like a reaction it needs this site's device token and counts against the phone's and the
    address's share of stored rows (403, 429: nothing stored)."""
    site = _site(request)
    s, kinds = await site.session(request.match_info["code"])
    form = await read_form(request)
    key = write_key(request, form)
    errors: dict[str, str] = {}
    values: dict[str, str] = {}
    for name, limit, what in (
        ("try_text", fu.TRY_MAX, "What you'll try"),
        ("when_where", fu.WHEN_MAX, "When and where"),
        ("help", fu.HELP_MAX, "What would help"),
    ):
        try:
            values[name] = _text(form, name, limit, what)
        except Invalid as exc:
            errors[name] = str(exc)
    if not errors and not values["try_text"]:
        errors["try_text"] = "Write one thing you'll try, or leave this part empty."
    attendee_id = None
    if form.get("named") == "1":
        link = await me_link(request)
        if link is None:
            errors["named"] = (
                "Your personal link has expired on this phone: untick “put my name on it” "
                "to send it without your name."
            )
        else:
            attendee_id = link.person.id
    status = 400
    if not errors:
        try:
            dev = await site.device(request)
        except (NoDevice, TooMany) as exc:
            status, errors["device"] = exc.status, exc.message
    if errors:
        shown = {k: v for k, v in form.items() if k in ("try_text", "when_where", "help", "named")}
        return await site.session_page(
            request, s, kinds, status=status, commit_values=shown, commit_errors=errors
        )
    at = site.clock()
    await site.write_once(
        dev,
        key,
        ("commitment", s.id, attendee_id, values),
        lambda db: fu.record_commitment(db, s.id, dev, attendee_id=attendee_id, at=at, **values),
    )
    return redirect(f"/{s.code}?committed={'named' if attendee_id else 'anonymous'}#commit")


def _not_valid(request: web.Request) -> web.Response:
    response = error_response(request, 404, NOT_VALID)
    response.headers.update(PRIVATE_HEADERS)
    return response


async def me_view(request: web.Request) -> web.Response:
    """GET /me/TOKEN: the day page (and this phone remembers the link) or the follow-up form."""
    token = request.match_info["token"]
    link = await resolve(request, token)
    if link is None:
        return _not_valid(request)
    if link.purpose == fu.FOLLOWUP:
        return await followup_page(request, link, token, sent=request.query.get("sent") == "1")
    return await day_page(request, link, token)


async def day_page(request: web.Request, link: fu.Link, token: str) -> web.Response:
    site = _site(request)

    def mine_and_theirs(db):
        # Their own sessions; a person with none (a walk-in) sees every workshop of the day.
        theirs = fu.sessions_of(db, link.person.id) or [
            s for s in all_sessions(db) if s.kind != "plenary"
        ]
        return fu.commitments_of(db, link.person.id), theirs

    mine, theirs = await site.read(mine_and_theirs)
    today = [(s, site.times(s)) for s in theirs]
    response = site.page(
        "me_day.html", person=link.person, commitments=mine, sessions=today, token=token
    )
    response.headers.update(PRIVATE_HEADERS)
    max_age = int((link.expires_at - site.clock()).total_seconds())
    response.set_cookie(
        ME_COOKIE,
        token,
        max_age=max(60, max_age),
        path="/",
        httponly=True,
        samesite="Lax",
        secure=request.secure,
    )
    if (dev := await site.give_device(request, response)) is not None:
        await remember_phone(request, link, dev)
    return response


async def remember_phone(request: web.Request, link: fu.Link, dev: str) -> None:
    """Note that this phone opened this day link (its ratings then count in group figures):
    once per phone, within its share of stored rows. The page is shown all the same when the
    note cannot be made (past the share, the database locked): the next visit tries again."""
    site = _site(request)
    if await site.read(lambda db: fu.remembers_device(db, link, dev)):
        return
    at = site.clock()
    with contextlib.suppress(TooMany, Unavailable):
        site.charge(request, dev)
        await site.write(lambda db: fu.remember_device(db, link, dev, at))


async def followup_page(
    request: web.Request,
    link: fu.Link,
    token: str,
    *,
    status: int = 200,
    sent: bool = False,
    values: dict | None = None,
    errors: dict | None = None,
) -> web.Response:
    site = _site(request)
    mine, answers = await site.read(
        lambda db: (
            fu.commitments_of(db, link.person.id),
            fu.answers_in_round(db, link.round_id, link.person.id),
        )
    )
    if values is None:
        values = {}
        for cid, a in answers.items():
            values |= {
                f"tried-{cid}": a.tried,
                f"happened-{cid}": a.happened,
                f"obstacles-{cid}": a.obstacles,
                f"support-{cid}": a.support,
            }
    closes = link.expires_at.astimezone(site.tz)
    response = site.page(
        "me_followup.html",
        status,
        person=link.person,
        round=link.round_label,
        closes=f"{closes:%A} {closes.day} {closes:%B %Y}",
        commitments=mine,
        answered=bool(answers),
        tried=fu.TRIED,
        values=values,
        errors=errors or {},
        sent=sent,
        token=token,
        limit=fu.ANSWER_MAX,
    )
    response.headers.update(PRIVATE_HEADERS)
    await site.give_device(request, response)  # the answers' post needs one, like a reaction
    return response


async def me_post(request: web.Request) -> web.Response:
    """POST /me/TOKEN: the follow-up answers (or, on the day page, forget this phone). The
    answers need this site's device token (the form's page gives it) and count against the
    phone's and the address's share of stored rows."""
    site = _site(request)
    token = request.match_info["token"]
    link = await resolve(request, token)
    if link is None:
        return _not_valid(request)
    form = await read_form(request)
    key = write_key(request, form)
    if link.purpose == fu.DAY:
        response = redirect("/")
        response.del_cookie(ME_COOKIE, path="/")
        return response
    answers, errors = [], {}
    for c in await site.read(lambda db: fu.commitments_of(db, link.person.id)):
        tried = form.get(f"tried-{c.id}", "")
        try:
            texts = {
                part: _text(form, f"{part}-{c.id}", fu.ANSWER_MAX, label)
                for part, label in (
                    ("happened", "What happened"),
                    ("obstacles", "What got in the way"),
                    ("support", "What support would help"),
                )
            }
        except Invalid as exc:
            errors[c.id] = str(exc)
            continue
        if tried not in fu.TRIED:
            if any(texts.values()):
                errors[c.id] = f"“{c.try_text}”: choose yes, partly or not yet."
            continue
        answers.append(fu.AnswerInput(c.id, tried, **texts))
    if not answers and not errors:
        errors[0] = "Choose yes, partly or not yet for at least one thing you said you'd try."
    status, dev = 400, ""
    if not errors:
        try:
            dev = await site.device(request)
        except (NoDevice, TooMany) as exc:
            status, errors[0] = exc.status, exc.message
    if not errors:
        at = site.clock()
        try:
            await site.write_once(
                dev,
                key,
                ("answers", link.id, answers),
                lambda db: fu.record_answers(db, link, answers, at=at),
            )
        except fu.FollowupError:  # a commitment replaced since the page was read
            status, errors[0] = 409, ANSWERS_CHANGED
    if errors:
        shown = {k: v for k, v in form.items()}
        return await followup_page(request, link, token, status=status, values=shown, errors=errors)
    response = redirect(f"/me/{token}?sent=1")
    response.headers.update(PRIVATE_HEADERS)
    return response


def add_routes(app: web.Application) -> None:
    """Register the CPD-loop pages on the phone site (called from make_web_app)."""
    app.router.add_get("/me/{token}", me_view)
    app.router.add_post("/me/{token}", me_post)
    app.router.add_post("/{code}/commit", commit_form)
