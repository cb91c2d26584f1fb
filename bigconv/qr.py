"""QR codes as SVG (posters), PNG (files a scanner or zbarimg reads) and a module matrix (terminal)."""

from __future__ import annotations

import io

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


def qr_halfblocks(text: str, border: int = 2) -> list[str]:
    """Terminal lines drawing the code with half blocks, two module rows per line."""
    matrix = qr_matrix(text, border)
    if len(matrix) % 2:
        matrix.append([False] * len(matrix[0]))
    glyphs = {(False, False): " ", (True, False): "▀", (False, True): "▄", (True, True): "█"}
    return [
        "".join(glyphs[top, bottom] for top, bottom in zip(upper, lower, strict=True))
        for upper, lower in zip(matrix[::2], matrix[1::2], strict=True)
    ]
