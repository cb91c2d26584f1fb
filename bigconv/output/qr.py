"""QR codes as SVG (posters), PNG (files a scanner or zbarimg reads) and a module matrix (terminal)."""

from __future__ import annotations

import io
import re

import qrcode
import qrcode.image.svg
from qrcode.constants import ERROR_CORRECT_M


def _qr(text: str, border: int) -> qrcode.QRCode:
    # M recovers from ~15% damage (a folded poster, a scuffed badge) and keeps codes small.
    qr = qrcode.QRCode(error_correction=ERROR_CORRECT_M, border=border)
    qr.add_data(text)
    qr.make(fit=True)
    return qr


def qr_matrix(text: str, border: int = 2) -> list[list[bool]]:
    """Rows of modules (True = dark), including a quiet zone of `border` modules."""
    return [list(row) for row in _qr(text, border).get_matrix()]


def qr_svg(text: str, border: int = 4) -> str:
    """A scalable SVG document: one path on a white background (readable on a dark slide too)."""
    image = _qr(text, border).make_image(image_factory=qrcode.image.svg.SvgPathFillImage)
    return image.to_string(encoding="unicode")


def qr_png(text: str, *, box_size: int = 10, border: int = 4) -> bytes:
    """PNG bytes, `box_size` pixels per module."""
    qr = _qr(text, border)
    qr.box_size = box_size
    buffer = io.BytesIO()
    qr.make_image().save(buffer, format="PNG")
    return buffer.getvalue()


HALF_BLOCKS = {(True, True): "█", (True, False): "▀", (False, True): "▄", (False, False): " "}


def half_block_lines(matrix: list[list[bool]], scale: int = 1) -> list[str]:
    """Terminal lines, two module rows per line; each module `scale` cells wide and `scale`
    half-cells tall, so it looks square."""
    rows = [[dark for dark in row for _ in range(scale)] for row in matrix for _ in range(scale)]
    if len(rows) % 2:
        rows.append([False] * len(rows[0]))
    return [
        "".join(HALF_BLOCKS[pair] for pair in zip(top, bottom, strict=True))
        for top, bottom in zip(rows[::2], rows[1::2], strict=True)
    ]


def qr_halfblocks(text: str, border: int = 2) -> list[str]:
    """Terminal lines drawing the code for `text` with half blocks."""
    return half_block_lines(qr_matrix(text, border))


def safe_name(code: str) -> str:
    """A file name for a code's image that stays inside the output folder whatever it holds."""
    return re.sub(r"[^A-Za-z0-9_-]", "_", code) or "_"
