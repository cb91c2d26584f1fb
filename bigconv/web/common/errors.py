"""The errors a public page's handler raises; `common/answers.py` words them for phones."""

from __future__ import annotations

from aiohttp import web


class Invalid(ValueError):
    """Input a person can fix: the message says how."""


class Unavailable(Exception):
    """The database cannot take this request just now (missing, locked, full, read-only,
    damaged): the phone gets 503 and "not saved, please try again"."""


class NoDevice(Exception):
    status = 403
    message = "Reload the session page first (it lets this phone react), then try again."


class TooMany(Exception):
    status = 429
    message = "That is a lot at once from this phone or network: please wait a moment."

    def __init__(self, wait: float):
        super().__init__(self.message)
        self.wait = wait


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
