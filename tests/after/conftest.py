"""Fixtures for the after-the-day tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from bigconv.data import database
from tests.after.day import fill_day


@pytest.fixture
def day_db(small_db: Path) -> Path:
    """The small event with a morning recorded."""
    db = database.connect(small_db)
    fill_day(db)
    db.close()
    return small_db
