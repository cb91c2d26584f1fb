"""A hostile name in a real terminal (tmux): no cleared screen, no window title, no link.

The name holds what the review sent: an OSC title, ESC[2J (clear screen), a C1 CSI colour and
a C1 OSC 8 link, and a bidi override. The desk shows it as plain text among the other rows.
"""

from __future__ import annotations

import secrets
import subprocess
import sys
import time

from bigconv.data import database
from tests.helpers.processes import require_tool
from tests.helpers.text import STORABLE


def tmux(*args: str) -> str:
    return subprocess.run(["tmux", *args], capture_output=True, text=True, check=False).stdout


def test_a_hostile_name_stays_text_in_a_real_terminal(small_event, small_db):
    require_tool("tmux")
    db = database.connect(small_db)
    with database.immediate(db):  # as a hostile CSV stored it before the rule (or another tool)
        db.execute("UPDATE attendees SET last_name = ? WHERE first_name = 'Ada'", [STORABLE])
    db.close()
    session = f"wt14-text-{secrets.token_hex(4)}"
    command = (
        f"{sys.executable} -m bigconv run {small_event} --db {small_db} --mode desk"
        " --station Desk --no-server --backup-minutes 0 --at 10:20"
    )
    tmux("new-session", "-d", "-s", session, "-x", "120", "-y", "30", command)
    try:
        screen = ""
        deadline = time.monotonic() + 60
        while "Checked in" not in screen and time.monotonic() < deadline:
            time.sleep(0.2)
            screen = tmux("capture-pane", "-p", "-t", session)
        tmux("send-keys", "-t", session, "-l", "Ada")
        while "pwned" not in screen and time.monotonic() < deadline:
            time.sleep(0.2)
            screen = tmux("capture-pane", "-p", "-t", session)
        assert "pwned" in screen, screen  # the name is shown, as text
        assert "Checked in" in screen  # and the rest of the screen was not cleared
        title = tmux("display-message", "-p", "-t", session, "#{pane_title}")
        assert "pwned" not in title  # no OSC reached the terminal
        escapes = tmux("capture-pane", "-p", "-e", "-t", session)
        assert "\x1b]8;" not in escapes  # no hyperlink
    finally:
        tmux("kill-session", "-t", session)
