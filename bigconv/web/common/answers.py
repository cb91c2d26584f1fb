"""How the public pages (phone pages, personal links) answer: the origin rule on every post,
the security headers on every response, a friendly page (or JSON for the API) for every 4xx,
and 503 "not saved" when the database cannot answer."""

from __future__ import annotations

import sqlite3

from aiohttp import web

from bigconv.core.errors import StoreError
from bigconv.data import database
from bigconv.web.common.errors import Invalid, NoDevice, NotFound, TooMany, Unavailable
from bigconv.web.common.security import post_allowed
from bigconv.web.common.site import SITE
from bigconv.web.common.urls import STAFF_PREFIX

SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data:; object-src 'none'; "
        "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}


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
        return await handler(request)  # the staff stations keep their own (web/stations)
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
        except (sqlite3.Error, StoreError) as exc:  # a backstop: all run in the threads
            request.app[SITE].log_failure(exc)
            response = error_response(request, 503, NOT_SAVED, detail=database.describe(exc))
            response.headers["Retry-After"] = "2"
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
