"""How a share is shown as a percentage: the one rule every screen and page uses."""

from __future__ import annotations

import math


def percent(part: int, whole: int) -> int | None:
    """`part` of `whole` as a whole percentage, rounded half up, but never 100 until all of
    them and never 0 once any: 849 of 850 checked in is 99%, not "everyone"; 1 of 850 is 1%.
    None when there is no whole (nobody expected)."""
    if whole <= 0:
        return None
    if part >= whole:
        return 100 if part == whole else math.floor(100 * part / whole + 0.5)
    if part <= 0:
        return 0
    share = math.floor(100 * part / whole + 0.5)
    return min(max(share, 1), 99)


def percent_text(part: int, whole: int) -> str:
    """`percent` as text ("91%"), or "" when there is no whole."""
    share = percent(part, whole)
    return "" if share is None else f"{share}%"
