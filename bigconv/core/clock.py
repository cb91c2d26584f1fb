"""Time: the UTC clock, a rehearsal's moved clock, and the one way times are written as text."""

from __future__ import annotations

import datetime as dt


def utcnow() -> dt.datetime:
    """Now, in UTC."""
    return dt.datetime.now(dt.UTC)


class OffsetClock:
    """The real UTC clock moved by a fixed offset: a rehearsal's clock (`--at`). The offset is
    what a process hands to the processes it starts, so they all keep the same time."""

    def __init__(self, offset: dt.timedelta):
        self.offset = offset

    def __call__(self) -> dt.datetime:
        return utcnow() + self.offset


def iso(moment: dt.datetime | None = None) -> str:
    """UTC ISO-8601 text, the way every time is stored."""
    moment = moment or utcnow()
    return moment.astimezone(dt.UTC).isoformat(timespec="milliseconds")


def parse_iso(text: str) -> dt.datetime:
    """A stored time back as a datetime."""
    return dt.datetime.fromisoformat(text)
