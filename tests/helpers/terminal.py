"""A real terminal: one command in tmux, its screen read as text, its QR code read back."""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

from tests.helpers.processes import require_tool
from tests.helpers.qr import half_blocks_to_png, zbar

DEADLINE = 60.0  # seconds; the machine may be loaded


def without_size(env) -> dict[str, str]:
    """The environment without COLUMNS and LINES (pytest's plugins set 80 and 24): a program
    in the pane must see the pane's own size, as it would in a real terminal."""
    return {k: v for k, v in env.items() if k not in ("COLUMNS", "LINES")}


class Pane:
    """A real terminal running one command, on a tmux server of its own: started from this
    process, it passes on this process's environment (a faked clock too), and stopping it
    touches no one else's sessions."""

    def __init__(self, command: str, cwd: Path, size=(120, 40)):
        self.name = f"bigconv-test-{os.getpid()}-{time.monotonic_ns()}"
        self.tmux = [require_tool("tmux"), "-L", self.name, "-f", "/dev/null"]
        subprocess.run(
            [*self.tmux, "new-session", "-d", "-s", "station", "-x", str(size[0]),
             "-y", str(size[1]), "-c", str(cwd), command],
            check=True,
            env=without_size(os.environ),
        )  # fmt: skip

    def text(self) -> str:
        out = subprocess.run(
            [*self.tmux, "capture-pane", "-p", "-t", "station"], capture_output=True, text=True
        )
        return out.stdout

    def send(self, *keys: str, literal: bool = False) -> None:
        """Keys as a person types them (tmux key names: Enter, C-q), or `literal` text."""
        flag = ["-l"] if literal else []
        subprocess.run([*self.tmux, "send-keys", "-t", "station", *flag, *keys], check=True)

    def wait_for(self, needle: str, gone: str | None = None) -> str:
        """The screen once `needle` is on it (and `gone`, if named, is not): a dialog closing
        is drawn a frame or more after what it let through, so check both on one screen."""
        end = time.monotonic() + DEADLINE
        while time.monotonic() < end:
            text = self.text()
            if needle in text and (gone is None or gone not in text):
                return text
            time.sleep(0.2)
        without = f" without {gone!r}" if gone else ""
        raise AssertionError(f"{needle!r}{without} never appeared:\n{self.text()}")

    def qr(self, png: Path) -> str:
        """What zbarimg reads from the QR code on the screen, once it is drawn whole: in a
        small terminal the "Phones: ..." notice covers its foot for a few seconds."""
        end = time.monotonic() + DEADLINE
        while True:
            text = self.text()
            try:
                return zbar(half_blocks_to_png(qr_from_pane(text), png))
            except AssertionError:
                if time.monotonic() > end:
                    raise
            time.sleep(0.2)

    def close(self) -> None:
        subprocess.run([*self.tmux, "kill-server"], capture_output=True)
        folder = Path(os.environ.get("TMUX_TMPDIR", "/tmp")) / f"tmux-{os.getuid()}"
        (folder / self.name).unlink(missing_ok=True)  # the socket the server leaves behind


def qr_from_pane(text: str) -> list[str]:
    """The half-block QR code from the room screen's right-hand column, with a quiet zone."""
    lines = [line.rpartition("│")[2] for line in text.splitlines()]
    rows = [i for i, line in enumerate(lines) if line.strip() and set(line) <= set("█▀▄ ")]
    assert rows, text
    right = lines[rows[0] : rows[-1] + 1]
    width = max(len(line.rstrip()) for line in right)
    body = [line.ljust(width)[:width] for line in right]
    blank = " " * (width + 4)
    return [blank, *("  " + line + "  " for line in body), blank]
