"""What the change watcher tells stations: what people did apart from what phones sent."""

from __future__ import annotations

import datetime as dt

from bigconv.data import database
from bigconv.data.checkin import check_in
from bigconv.data.reactions import record_reaction
from bigconv.data.watch import PHONE_LOG, PHONES, ChangeWatcher

MORNING = dt.datetime(2026, 11, 27, 10, 20, tzinfo=dt.UTC)


def test_phones_taps_are_told_apart_from_what_people_did(small_db):
    station = database.connect(small_db)
    phone = database.connect(small_db)  # another connection: the phone site's
    watcher = ChangeWatcher(station)
    session = phone.execute("SELECT id FROM sessions ORDER BY id").fetchone()[0]

    record_reaction(phone, session, "love", "phone 1", at=MORNING)
    taps = watcher.poll()
    assert taps.topics == {"reactions", PHONE_LOG} and taps.sessions == {session}
    assert taps.only(PHONES)

    record_reaction(phone, session, "useful", "phone 2", at=MORNING)
    check_in(phone, 1, station="Desk 1")  # a person at the desk, in the same poll
    both = watcher.poll()
    assert "log" in both.topics and 1 in both.attendees
    assert not both.only(PHONES)

    assert not watcher.poll()  # nothing since
    station.close()
    phone.close()
