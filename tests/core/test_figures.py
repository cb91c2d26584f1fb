"""One rule for a percentage on every screen and page (the desk, the dashboard and the report
once showed 90%, 91% and 91% for the same arrivals)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from bigconv.core.figures import percent, percent_text
from bigconv.output.templates import environment


def test_a_share_is_rounded_half_up_but_never_all_or_none_by_rounding():
    assert percent(773, 850) == 91  # 90.94: the dashboard once floored it to 90
    assert percent(1, 8) == 13  # 12.5 rounds up
    assert percent(849, 850) == 99  # not "everyone" while one is missing
    assert percent(1, 850) == 1  # not "nobody" once one has come
    assert percent(0, 850) == 0 and percent(850, 850) == 100
    assert percent(900, 850) == 106  # walk-ins beyond the expected are shown as they are
    assert percent(3, 0) is None and percent_text(3, 0) == ""


@given(st.integers(0, 5000), st.integers(1, 5000))
def test_every_renderer_shows_the_same_percentage(part, whole):
    shown = percent_text(part, whole)
    assert shown == f"{percent(part, whole)}%"
    template = environment().from_string("{{ part | percent(whole) }}")
    assert template.render(part=part, whole=whole) == shown
    exact = 100 * part / whole
    assert abs(percent(part, whole) - exact) < 1  # never more than a point from the truth
