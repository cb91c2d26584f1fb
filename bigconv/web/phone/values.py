"""The phone site's checks of what a person sent: a rating, feedback fields, a session code."""

from __future__ import annotations

from bigconv.data import feedback, reactions
from bigconv.web.common.errors import FormErrors, Invalid
from bigconv.web.common.forms import clean_text


def cooldown_message(kinds: list[reactions.ReactionKind], result: reactions.ReactionResult) -> str:
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


def is_code(text: str) -> bool:
    """Could be a session code: a few ASCII letters and digits (nothing SQLite cannot bind)."""
    return len(text) <= 8 and text.isascii() and text.isalnum()


def parse_rating(value: object) -> int | None:
    if value is None or value == "":
        return None
    if isinstance(value, str) and value.strip() in {"1", "2", "3", "4", "5"}:
        return int(value)
    if isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= 5:
        return value
    raise Invalid("The rating must be a whole number from 1 to 5.")
