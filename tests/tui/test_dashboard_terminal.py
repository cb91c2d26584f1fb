"""The dashboard in a real terminal (tmux): the reactions box's border stays in its column
whatever emoji the event's reactions use ("❤️" shifted it by a cell)."""

from __future__ import annotations

import pytest
from wcwidth import wcwidth

from tests.helpers.processes import bigconv
from tests.helpers.terminal import Pane

pytestmark = pytest.mark.tmux


def columns(line: str, chars: str) -> list[int]:
    """The terminal columns of `chars` in a captured line, counted as tmux draws: character by
    character (an emoji selector takes no cell and widens nothing)."""
    found, column = [], 0
    for ch in line:
        if ch in chars:
            found.append(column)
        column += max(0, wcwidth(ch))
    return found


@pytest.mark.parametrize("size", [(120, 30), (160, 45)])  # the box shows from 120
def test_box_borders_stay_in_their_columns_in_tmux(busy_db, size):
    event = busy_db.with_name("sample_event.toml")
    command = bigconv(
        "run", str(event), "--mode", "dashboard", "--no-server", "--at", "10:05",
        "--backup-minutes", "0",
    )  # fmt: skip
    pane = Pane(command, busy_db.parent, size=size)
    try:
        text = pane.wait_for("reactions today")
        lines = text.splitlines()
        top = next(i for i, line in enumerate(lines) if "╭─ Reactions" in line)
        box = lines[top + 1 : top + 6]
        assert any("❤" in line for line in box), text
        # Every line of the two boxes has its borders in the columns of their corners.
        corners = columns(lines[top], "╭╮")
        for line in box:
            assert columns(line, "│") == corners, text
    finally:
        pane.close()
