"""The small day's CPD loop, scripted: day links, commitments (named and not), a follow-up round."""

from __future__ import annotations

import datetime as dt

from bigconv.data import followup as fu
from tests.helpers.day import IMG, at, fill_day

AFTER_DAY = at(16, 0)
FOUR_WEEKS = AFTER_DAY + dt.timedelta(days=28)


def links_by_name(issued: list[fu.Issued]) -> dict[str, str]:
    """First name + school initial -> token."""
    return {f"{i.person.first_name}{i.person.school[0]}": i.token for i in issued}


def fill_commitments(db) -> dict:
    """The recorded morning, then: everyone gets a day link; Ada and Zoë open theirs on their
    phones (d1, d2) and name a commitment at Phonics; d3 commits without a name; Bob names one
    at Wellbeing; Zoë's phone changes her mind (the later one counts)."""
    ids = fill_day(db)
    people, sessions = ids["people"], ids["sessions"]
    phonics, wellbeing = sessions["Phonics/Morning"], sessions["Wellbeing/Morning"]
    day = links_by_name(fu.create_day_links(db, expires=at(23, 59), station="Office", at=at(8, 0)))
    for key, device in (("AdaA", "d1"), ("ZoëA", "d2"), ("BobB", "d5")):
        link = fu.resolve_link(db, day[key], at=at(10, 40))
        fu.remember_device(db, link, device, at(10, 40))
    commit = fu.record_commitment
    commit(
        db,
        phonics,
        "d1",
        try_text="Retrieval quiz on Mondays",
        when_where="Y7 set 2, week 1",
        help="Time to plan with a colleague",
        attendee_id=people["AdaA"],
        at=at(10, 55),
    )
    commit(db, phonics, "d2", try_text="Sound buttons", attendee_id=people["ZoëA"], at=at(10, 56))
    commit(
        db,
        phonics,
        "d2",
        try_text="Sound buttons every morning",
        when_where="Reception",
        attendee_id=people["ZoëA"],
        at=at(10, 57),
    )
    commit(db, phonics, "d3", try_text="Phoneme frames", at=at(10, 58))
    commit(
        db,
        wellbeing,
        "d5",
        try_text="Walk at lunch",
        when_where="Tuesdays " + IMG,
        attendee_id=people["BobB"],
        at=at(10, 59),
    )
    commit(db, wellbeing, "d9", try_text="<script>alert(1)</script>", at=at(10, 59))
    return {**ids, "day": day}


def start_round(db, now: dt.datetime = AFTER_DAY) -> tuple[fu.Round, dict[str, str]]:
    found, issued = fu.create_round(db, "4 weeks", closes=FOUR_WEEKS, station="Office", at=now)
    return found, links_by_name(issued)
