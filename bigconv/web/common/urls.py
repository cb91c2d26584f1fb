"""Where each site lives on the web port."""

from __future__ import annotations

from pathlib import Path

STAFF_PREFIX = "/staff"  # the staff stations' sub-application (bigconv/web/stations)
ME_PREFIX = "/me"  # personal links (bigconv/web/links)
STATIC = Path(__file__).parent.parent / "static"  # the phone and personal pages' CSS and script
