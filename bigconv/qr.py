"""QR codes for session feedback URLs."""

from __future__ import annotations

import qrcode
from qrcode.constants import ERROR_CORRECT_M


def qr_matrix(text: str, border: int = 2) -> list[list[bool]]:
    """The QR code for `text` as rows of modules (True = dark), with a quiet zone of `border`."""
    code = qrcode.QRCode(border=border, error_correction=ERROR_CORRECT_M)
    code.add_data(text)
    code.make(fit=True)
    return code.get_matrix()
