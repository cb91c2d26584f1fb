"""A QR code as a station draws it (half blocks), turned into a picture and read back by a
real decoder, zbarimg."""

from __future__ import annotations

import subprocess
from pathlib import Path

from PIL import Image
from textual.geometry import Region

from bigconv.tui.widgets.qr import QrCode
from tests.helpers.processes import require_tool

CELL = 6  # pixels per character cell across; each half-cell is CELL x CELL


def rendered_lines(widget: QrCode) -> list[str]:
    """The characters the widget actually drew on screen, line by line."""
    width, height = widget.size
    strips = widget.render_lines(Region(0, 0, width, height))
    for strip in strips:
        for segment in strip:
            if segment.text.strip():
                assert (segment.style.color.name, segment.style.bgcolor.name) == (
                    "#000000",
                    "#ffffff",
                ), "dark modules must be black on white whatever the theme"
    return [strip.text for strip in strips]


def half_blocks_to_png(lines: list[str], path: Path) -> Path:
    """Each cell as a CELL-wide square pair: upper half and lower half, black where drawn."""
    width = max(len(line) for line in lines)
    image = Image.new("L", (width * CELL, len(lines) * 2 * CELL), 255)
    halves = {"█": (True, True), "▀": (True, False), "▄": (False, True), " ": (False, False)}
    for y, line in enumerate(lines):
        for x, char in enumerate(line):
            for half, dark in enumerate(halves[char]):
                if dark:
                    top = (2 * y + half) * CELL
                    image.paste(0, (x * CELL, top, (x + 1) * CELL, top + CELL))
    image.save(path)
    return path


def zbar(path: Path) -> str:
    """What zbarimg reads from the picture at `path` (fail if it reads nothing)."""
    out = subprocess.run(
        [require_tool("zbarimg"), "-q", "--raw", str(path)], capture_output=True, text=True
    )
    assert out.returncode == 0, out.stderr
    return out.stdout.strip()
