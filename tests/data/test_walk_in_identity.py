"""A walk-in who is someone registered, by the import's identity rule (`known_as`): refused
as a new record unless the clerk chose it (`despite`), and then logged with whom it is not."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from bigconv.data import desk
from bigconv.data.attendees import known_as

T0 = dt.datetime(2026, 11, 27, 8, 30, tzinfo=dt.UTC)


def ids(db, where: str) -> list[int]:
    return [r["id"] for r in db["attendees"].rows_where(where, order_by="id")]


def test_the_same_name_and_school_is_that_person(db):
    [beta] = ids(db, "last_name = 'Khan' AND school = 'Beta School'")
    found = known_as(db, first_name="sarah", last_name="KHAN", school="beta school")
    assert found == [beta]


def test_an_email_already_known_is_that_person(db):
    [ada] = ids(db, "first_name = 'Ada'")
    assert known_as(db, first_name="A", last_name="L", email="ADA@a.sch.uk") == [ada]


def test_the_same_name_at_another_school_is_someone_else(db):
    assert known_as(db, first_name="Sarah", last_name="Khan", school="Gamma School") == []


def test_the_same_name_without_a_school_may_be_either(db):
    khans = ids(db, "last_name = 'Khan'")
    assert known_as(db, first_name="Sarah", last_name="Khan") == khans


def test_a_walk_in_who_is_registered_is_refused_naming_them(db):
    [beta] = ids(db, "last_name = 'Khan' AND school = 'Beta School'")
    before = db["attendees"].count, db["log"].count
    with pytest.raises(desk.AlreadyRegistered) as refused:
        desk.register_walk_in(
            db, first_name="Sarah", last_name="Khan", school="Beta School", station="D", at=T0
        )
    assert refused.value.attendee_ids == [beta]
    assert (db["attendees"].count, db["log"].count) == before


def test_a_second_record_on_purpose_is_logged_with_whom_it_is_not(db):
    [beta] = ids(db, "last_name = 'Khan' AND school = 'Beta School'")
    new, result = desk.register_walk_in(
        db,
        first_name="Sarah",
        last_name="Khan",
        school="Beta School",
        despite=[beta],
        station="Desk 2",
        at=T0,
    )
    assert result.checked_in and new != beta
    row = db.execute(
        "SELECT attendee_id, station, detail FROM log"
        " WHERE action = 'walk_in_registered_despite_match'"
    ).fetchone()
    assert (row[0], row[1], json.loads(row[2])) == (new, "Desk 2", {"not_the_same_as": [beta]})


def test_someone_else_registered_meanwhile_is_still_refused(db):
    """`despite` names whom the clerk saw: a look-alike added since is asked about again."""
    khans = ids(db, "last_name = 'Khan'")
    with pytest.raises(desk.AlreadyRegistered):
        desk.register_walk_in(
            db, first_name="Sarah", last_name="Khan", despite=khans[:1], station="D"
        )


def test_an_email_in_use_is_refused_even_on_purpose(db):
    [ada] = ids(db, "first_name = 'Ada'")
    fields = dict(first_name="Nia", last_name="Walker", email="ada@a.sch.uk", station="D")
    with pytest.raises(desk.AlreadyRegistered, match="ada@a.sch.uk is already Ada Lovelace"):
        desk.register_walk_in(db, **fields)
    with pytest.raises(desk.WalkInError, match="is already Ada Lovelace"):
        desk.register_walk_in(db, **fields, despite=[ada])
