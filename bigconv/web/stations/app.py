"""The /staff sub-application: nothing but the passcode form without a login, posts only from
this site's own pages (the one origin rule, bigconv/web/common/security.py), and the station
pages, websocket and xterm.js assets behind it.

textual-serve has no access control and no Origin check, so this adds both: every path but the
passcode form needs a signed session cookie, and the websocket that starts a station process
also needs an Origin naming this very host. The cookie is signed with a key derived from the
passcode's version, so changing the passcode logs every browser out.
"""

from __future__ import annotations

from pathlib import Path

from aiohttp import web

from bigconv.core.event import Event
from bigconv.web.common.errors import Unavailable
from bigconv.web.common.security import post_allowed
from bigconv.web.common.site import SiteDb
from bigconv.web.common.urls import STAFF_PREFIX
from bigconv.web.stations.gateway import TEXTUAL_SERVE, StaffSite

PUBLIC_PATHS = {STAFF_PREFIX, STAFF_PREFIX + "/", STAFF_PREFIX + "/login"}


STAFF_SITE = web.AppKey("bigconv_staff", StaffSite)


@web.middleware
async def gate(request: web.Request, handler) -> web.StreamResponse:
    """Nothing but the passcode form without a session; posts only from this host's own pages."""
    site = request.app[STAFF_SITE]
    try:
        response = await gated(request, handler, site)
    except Unavailable as exc:
        response = web.Response(
            status=503,
            text=f"The staff stations cannot open just now: {exc}. Try again in a moment.",
            headers={"Retry-After": "2"},
        )
    if not response.prepared:
        response.headers.setdefault("Cache-Control", "no-store")
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        # same-origin, not no-referrer: with no-referrer Chromium sends "Origin: null" on posts.
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("X-Frame-Options", "DENY")
    return response


async def gated(request: web.Request, handler, site: StaffSite) -> web.StreamResponse:
    if request.method == "POST" and not post_allowed(request):
        response: web.StreamResponse = web.Response(
            status=403, text="Send the form from this server's own /staff page."
        )
    elif request.path not in PUBLIC_PATHS and not await site.signed_in(request):
        if request.method == "GET" and request.headers.get("Upgrade", "").lower() != "websocket":
            raise web.HTTPSeeOther(STAFF_PREFIX)
        response = web.Response(status=401, text="Log in at /staff first.")
    else:
        response = await handler(request)
    return response


def make_staff_app(
    db_path: Path, event: Event, *, data: SiteDb, command: str | None = None
) -> web.Application:
    """The /staff sub-application over the server's shared database threads (`data`); mount it
    with `app.add_subapp(STAFF_PREFIX, ...)` after the shared site's startup is registered."""
    site = StaffSite(db_path, event, data=data, command=command)
    app = web.Application(middlewares=[gate])
    app[STAFF_SITE] = site
    app.on_startup.append(site.open)
    app.on_shutdown.append(site.shutdown)
    app.router.add_get("", site.index)  # the bare /staff, before the phone site's /{code}
    app.router.add_get("/", site.index)
    app.router.add_post("/login", site.login)
    app.router.add_get("/login", site.back_to_form)  # a reload after a wrong passcode
    app.router.add_post("/logout", site.logout)
    app.router.add_get("/ws", site.websocket)
    app.router.add_static("/static", TEXTUAL_SERVE / "static")
    return app
