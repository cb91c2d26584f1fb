"""The commitment under each session's feedback ("before you go: one thing you'll try"). It
carries a name only when the phone holds a valid personal link for the day (the `bigconv_me`
cookie, set by opening the link, bigconv/web/links): typing a badge code is not enough."""

from __future__ import annotations

from aiohttp import web

from bigconv.data import followup as fu
from bigconv.web.common.errors import Invalid
from bigconv.web.common.forms import clean_text
from bigconv.web.links.pages import me_link

FIELDS = (
    ("try_text", fu.TRY_MAX, "What you'll try"),
    ("when_where", fu.WHEN_MAX, "When and where"),
    ("help", fu.HELP_MAX, "What would help"),
)


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


async def commitment_of(
    request: web.Request, form: dict[str, str]
) -> tuple[dict[str, str], int | None, dict[str, str]]:
    """The checked fields of a commitment form, the person it names (None: anonymous), and
    what is wrong with it (field: message)."""
    errors: dict[str, str] = {}
    values: dict[str, str] = {}
    for name, limit, what in FIELDS:
        try:
            values[name] = clean_text(form.get(name), limit, what)
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
    return values, attendee_id, errors
