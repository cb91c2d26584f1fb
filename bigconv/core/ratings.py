"""The mean of a session's (or the day's) ratings: the one place it is worked out."""

from __future__ import annotations

from collections.abc import Sequence


def mean_rating(counts: Sequence[int]) -> float | None:
    """The mean rating from how many gave each of 1..5 (`counts[0]` gave 1); None if none."""
    rated = sum(counts)
    return sum(r * n for r, n in enumerate(counts, start=1)) / rated if rated else None
