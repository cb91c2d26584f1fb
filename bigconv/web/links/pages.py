"""The personal-link site: a person's own page behind their link (`/me/TOKEN`): the day page
(which lets this phone name its commitments, bigconv/web/phone/commit.py) and the follow-up
form weeks later. Unknown, expired and revoked links all get the same answer, so links cannot
be probed."""

from __future__ import annotations

import contextlib

from aiohttp import web

from bigconv.data import followup as fu
from bigconv.data.timetable import sessions as all_sessions
from bigconv.web.common.answers import error_response
from bigconv.web.common.errors import Invalid, NoDevice, TooMany, Unavailable
from bigconv.web.common.forms import clean_text, read_form, redirect, write_key
from bigconv.web.common.security import set_cookie
from bigconv.web.common.site import SITE, SiteDb
from bigconv.web.common.urls import ME_PREFIX

ME_COOKIE = "bigconv_me"
NOT_VALID = (
    "This personal link is not valid: it may have expired with its round, or been replaced. "
    "Ask the organiser for a new one."
)
ANSWERS_CHANGED = (
    "Your list of things to try has changed since this page opened: check it and send again."
)
PRIVATE_HEADERS = {"Cache-Control": "no-store", "X-Robots-Tag": "noindex"}


def _site(request: web.Request) -> SiteDb:
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
    set_cookie(
        response, request, ME_COOKIE, token, max_age=max(60, max_age), path="/", samesite="Lax"
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
    round_id = link.round_id
    assert round_id is not None  # a follow-up link always belongs to a round
    mine, answers = await site.read(
        lambda db: (
            fu.commitments_of(db, link.person.id),
            fu.answers_in_round(db, round_id, link.person.id),
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
    """The personal pages (the server's `links` site)."""
    app.router.add_get(ME_PREFIX + "/{token}", me_view)
    app.router.add_post(ME_PREFIX + "/{token}", me_post)
