"""Which one person a command's QUERY_OR_BADGE names (checkin, undo-checkin, attend), and how
a person is written in their messages."""

from __future__ import annotations

from bigconv.cli.options import BadInput, Refused
from bigconv.core.clock import parse_iso

MANY = 50  # matches counted before `checkin` says "more than"
SHOWN = 5  # candidates listed when a query matches several people


def one_person(db, text: str, tz):
    """The single attendee `text` names (badge, name, email); Refused listing several or none."""
    from bigconv.data.search import MIN_QUERY
    from bigconv.services import identify

    outcome = identify.identify(db, text, limit=MANY + 1)
    if isinstance(outcome, identify.One):
        return outcome.person
    if outcome.code == identify.TOO_SHORT:
        raise BadInput(f"{text!r}: give a badge code or at least {MIN_QUERY} letters of a name")
    if outcome.code == identify.UNKNOWN_BADGE:
        raise Refused(f"{text}: unknown badge code (a badge-shaped code is never taken for a name)")
    if not isinstance(outcome, identify.Ambiguous):
        what = "email" if "@" in text else "badge, name or email"
        raise Refused(f"{text}: no attendee matches this {what}")
    found = outcome.matches
    count = f"more than {MANY}" if len(found) > MANY else str(len(found))
    shown = found[:SHOWN]
    first = f" (the first {len(shown)} shown)" if len(found) > len(shown) else ""
    email = ", a whole email" if "@" in text else ""
    lines = [
        f"{text}: {count} attendees match; give a badge code{email} or more of the name{first}:"
    ]
    lines += [f"  {who(m.person)}  {m.person.email}" + state(m, tz) for m in shown]
    raise Refused("\n".join(lines))


def who(person) -> str:
    return (
        f"{person.badge}  {person.name} ({', '.join(x for x in (person.school, person.role) if x)})"
    )


def state(match, tz) -> str:
    if not match.checked_in_at:
        return ""
    return f"  checked in {parse_iso(match.checked_in_at).astimezone(tz):%H:%M} at {match.checked_in_by}"
