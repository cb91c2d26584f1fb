"""Badge codes are random and stored: nobody can compute a colleague's from their staff ID."""

from __future__ import annotations

from bigconv.core import codes
from bigconv.data import database
from bigconv.data.attendance import looks_like_badge
from bigconv.data.attendees import import_csv
from tests.helpers.events import SMALL_STAFF


def badges(db_path) -> dict[str, str]:
    db = database.connect(db_path)
    try:
        return dict(db.execute("SELECT email, badge FROM attendees").fetchall())
    finally:
        db.close()


def test_the_same_people_get_unrelated_codes_in_two_databases(small_db, tmp_path):
    other = tmp_path / "other.db"
    db = database.connect(other)
    plain = "\n".join(",".join(line.split(",")[:6]) for line in SMALL_STAFF.splitlines())
    (tmp_path / "staff.csv").write_text(plain, encoding="utf-8")  # people only, no choices
    import_csv(db, tmp_path / "staff.csv")
    db.close()
    first, second = badges(small_db), badges(other)
    assert first.keys() == second.keys()
    assert all(looks_like_badge(b) for b in first.values())
    assert not set(first.values()) & set(second.values())  # 5 people in 28.6 million codes


def test_a_code_is_not_the_old_hash_of_the_staff_id():
    old = codes.BADGE_PREFIX + codes.derive("badge:s1", lambda c: False, 5)
    assert all(codes.badge_code(lambda c: False) != old for _ in range(50))


def test_existing_badges_stay_on_reimport(small_event, small_db):
    before = badges(small_db)
    db = database.connect(small_db)
    import_csv(db, small_event.parent / "staff.csv")
    db.close()
    assert badges(small_db) == before
