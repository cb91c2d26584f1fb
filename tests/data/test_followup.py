"""The CPD loop's data: commitments, personal links, rounds, answers, barriers, the evidence chain."""

from __future__ import annotations

import dataclasses
import datetime as dt
import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bigconv.data import database, feedback, impact
from bigconv.data import followup as fu
from tests.helpers.day import at
from tests.helpers.followup_day import FOUR_WEEKS, fill_commitments, start_round


@pytest.fixture
def loop(small_db):
    db = database.connect(small_db)
    ids = fill_commitments(db)
    yield db, ids
    db.close()


def test_tokens_are_long_random_and_only_their_hash_is_stored(loop):
    db, ids = loop
    tokens = list(ids["day"].values())
    assert len(set(tokens)) == len(tokens) == 5
    assert all(fu.TOKEN_RE.fullmatch(t) for t in tokens)  # 24 random bytes: 192 bits
    stored = [h for (h,) in db.execute("SELECT token_hash FROM personal_links")]
    assert not set(tokens) & set(stored)
    dump = "\n".join(db.conn.iterdump())
    assert not any(t in dump for t in tokens)


def test_a_link_resolves_to_its_own_person_until_it_expires(loop):
    db, ids = loop
    link = fu.resolve_link(db, ids["day"]["AdaA"], at=at(12, 0))
    assert link.person.first_name == "Ada" and link.purpose == fu.DAY
    assert fu.resolve_link(db, ids["day"]["AdaA"], at=at(23, 59)) is None  # expired
    near = ids["day"]["AdaA"][:-1] + ("A" if ids["day"]["AdaA"][-1] != "A" else "B")
    assert fu.resolve_link(db, near, at=at(12, 0)) is None
    assert fu.resolve_link(db, "' OR 1=1 --", at=at(12, 0)) is None


def test_new_day_links_revoke_the_old_ones(loop):
    db, ids = loop
    fresh = fu.create_day_links(db, expires=at(23, 0), station="Office", at=at(12, 0))
    assert fu.resolve_link(db, ids["day"]["AdaA"], at=at(12, 1)) is None
    assert fu.resolve_link(db, fresh[0].token, at=at(12, 1)) is not None
    (kept,) = db.execute("SELECT count(*) FROM personal_links").fetchone()
    assert kept == 10  # revoked, not deleted


def test_a_later_commitment_from_the_same_phone_replaces_the_earlier_in_counts(loop):
    db, ids = loop
    zoe = fu.commitments_of(db, ids["people"]["ZoëA"])
    assert [c.try_text for c in zoe] == ["Sound buttons every morning"]
    (rows,) = db.execute("SELECT count(*) FROM commitments").fetchone()
    assert rows == 6  # every submission kept
    logged = db.execute("SELECT count(*) FROM log WHERE action = 'commitment'").fetchone()[0]
    assert logged == 6


def test_a_round_links_only_people_with_named_commitments(loop):
    db, ids = loop
    found, links = start_round(db)
    assert sorted(links) == ["AdaA", "BobB", "ZoëA"]
    assert found.closes_at == FOUR_WEEKS
    link = fu.resolve_link(db, links["AdaA"], at=at(16, 0) + dt.timedelta(days=10))
    assert link.purpose == fu.FOLLOWUP and link.round_label == "4 weeks"
    assert fu.resolve_link(db, links["AdaA"], at=FOUR_WEEKS) is None  # closes with its round
    with pytest.raises(fu.FollowupError, match="already exists"):
        start_round(db)


def test_answers_are_kept_the_latest_counts_and_only_for_ones_own_commitments(loop):
    db, ids = loop
    _, links = start_round(db)
    later = at(16, 0) + dt.timedelta(days=20)
    ada = fu.resolve_link(db, links["AdaA"], at=later)
    (mine,) = fu.commitments_of(db, ids["people"]["AdaA"])
    fu.record_answers(db, ada, [fu.AnswerInput(mine.id, "not_yet")], at=later)
    fu.record_answers(
        db,
        ada,
        [fu.AnswerInput(mine.id, "partly", "Quizzes ran twice", "Cover lessons", "A TA")],
        at=later + dt.timedelta(hours=1),
    )
    current = fu.answers_in_round(db, ada.round_id, ids["people"]["AdaA"])
    assert current[mine.id].tried == "partly"
    assert db.execute("SELECT count(*) FROM followup_answers").fetchone()[0] == 2
    (bobs,) = fu.commitments_of(db, ids["people"]["BobB"])
    with pytest.raises(fu.FollowupError, match="not yours"):
        fu.record_answers(db, ada, [fu.AnswerInput(bobs.id, "yes")], at=later)
    waiting = fu.unanswered(db, ada.round_id)
    assert {s: [p.first_name for p in people] for s, people in waiting.items()} == {
        "Alpha School": ["Zoë"],
        "Beta School": ["Bob"],
    }


def test_barriers_go_to_the_school_and_can_be_marked_addressed(loop):
    db, ids = loop
    _, links = start_round(db)
    later = at(16, 0) + dt.timedelta(days=20)
    ada = fu.resolve_link(db, links["AdaA"], at=later)
    (mine,) = fu.commitments_of(db, ids["people"]["AdaA"])
    fu.record_answers(
        db, ada, [fu.AnswerInput(mine.id, "partly", "", "No time\u202e to plan", "")], at=later
    )
    digests = {d.school: d for d in impact.school_digests(db)}
    alpha = digests["Alpha School"]
    assert [n.person.first_name for n in alpha.named] == ["Ada", "Zoë"]
    assert alpha.unnamed == 0 and digests["(unknown school)"].unnamed == 2
    (barrier,) = alpha.barriers
    assert barrier.obstacles == "No time to plan"  # the bidi override is gone
    assert barrier.addressed is None
    assert ("Ada Lovelace", "Phonics", "Time to plan with a colleague") in alpha.support
    assert not digests["Beta School"].barriers
    with pytest.raises(fu.FollowupError, match="no follow-up answer"):
        fu.mark_addressed(db, 999, station="Alpha CPD lead")
    fu.mark_addressed(db, barrier.answer_id, note="PPA moved", station="Alpha CPD lead")
    again = {d.school: d for d in impact.school_digests(db)}["Alpha School"]
    assert again.barriers[0].addressed[1:] == ("Alpha CPD lead", "PPA moved")
    logged = db.execute(
        "SELECT station, attendee_id FROM log WHERE action = 'barrier_addressed'"
    ).fetchall()
    assert logged == [("Alpha CPD lead", ids["people"]["AdaA"])]


def test_evidence_chain_counts_match_the_database(loop):
    db, ids = loop
    _, links = start_round(db)
    later = at(16, 0) + dt.timedelta(days=20)
    for key, tried, obstacle in (("AdaA", "yes", ""), ("BobB", "not_yet", "Rain")):
        link = fu.resolve_link(db, links[key], at=later)
        (mine,) = fu.commitments_of(db, link.person.id)
        fu.record_answers(db, link, [fu.AnswerInput(mine.id, tried, "", obstacle)], at=later)
    rows = {r.title + "/" + r.slot: r for r in impact.evidence(db)}
    phonics, wellbeing = rows["Phonics/Morning"], rows["Wellbeing/Morning"]
    # 10 taps from three phones: useful 3 phones, lost 2, insight 3 (each phone once per kind)
    assert (phonics.allocated, phonics.present, phonics.reactions) == (3, 2, 8)
    assert dict(phonics.ranks) == {"1st": 2, "not chosen": 1}  # Ada, Sarah A.; Zoë
    assert (phonics.responses, phonics.rated) == (4, 4)
    assert phonics.mean_rating == pytest.approx((5 + 4 + 2 + 3) / 4)
    assert (phonics.commitments, phonics.named) == (3, 2)
    assert dict(phonics.tried) == {"yes": 1}
    assert (wellbeing.commitments, wellbeing.named, wellbeing.barriers) == (2, 1, 1)
    assert dict(wellbeing.tried) == {"not_yet": 1}
    assert dict(wellbeing.ranks) == {"2nd": 1, "1st": 1}  # Bob; Sarah B.
    day = impact.by_audience(list(rows.values()))[-1]
    assert day.commitments == 5 and day.allocated == 5 and day.present == 4


def test_feedback_is_cut_by_the_rank_people_got_school_and_role(loop):
    db, ids = loop
    welcome = ids["sessions"]["Welcome/Plenary"]
    feedback.record_feedback(db, welcome, "d1", rating=4, at=at(9, 25))  # Ada's phone
    cuts = impact.feedback_cuts(db)
    by_rank = {c.group: (c.responses, c.rating_sum) for c in cuts["rank"]}
    assert by_rank == {
        "1st": (1, 5),
        "2nd": (1, 5),
        "not chosen": (1, 4),
        "plenary (no choice)": (1, 4),
        "anonymous": (2, 5),
    }
    assert list(by_rank) == ["1st", "2nd", "not chosen", "plenary (no choice)", "anonymous"]
    schools = {c.group: c for c in cuts["school"]}
    assert {k: c.responses for k, c in schools.items()} == {
        "Alpha School": 3,
        "Beta School": 1,
        "anonymous": 2,
    }
    assert schools["Alpha School"].mean_rating == pytest.approx((5 + 4 + 4) / 3)
    assert schools["Beta School"].mean_rating is None  # fewer than 3 ratings: not shown


def test_cost_counts_people_checked_in_times_the_day(loop):
    db, _ = loop
    cost = impact.cost(db, [("Venue", 500.0)], hourly_cost=30.0)
    assert (cost.people, cost.day_minutes) == (4, 5 * 60)  # 09:00 to 14:00
    assert cost.staff_hours == 20 and cost.session_minutes == 4 * 60
    assert cost.total == 500 + 20 * 30


def test_cpd_extras_show_commitments_answers_and_sessions_led(loop, small_db):
    db, ids = loop
    _, links = start_round(db)
    later = at(16, 0) + dt.timedelta(days=20)
    link = fu.resolve_link(db, links["AdaA"], at=later)
    (mine,) = fu.commitments_of(db, link.person.id)
    fu.record_answers(db, link, [fu.AnswerInput(mine.id, "yes", "Went well")], at=later)
    extras = impact.cpd_extras(db, dt.UTC)
    ada = extras[ids["people"]["AdaA"]]
    ((commitment, answers),) = ada.commitments
    assert commitment.try_text == "Retrieval quiz on Mondays"
    assert [(label, a.happened) for label, a in answers] == [("4 weeks", "Went well")]
    assert [led.title for led in ada.led] == ["Phonics"]  # Ada leads Phonics
    assert dataclasses.asdict(extras[ids["people"]["BobB"]])["led"] == []


@given(st.text(st.characters(exclude_categories=())))
def test_a_round_name_is_one_line_with_no_control_or_bidi_character(text):
    label = fu.round_label(text)
    assert all(unicodedata.category(ch) not in ("Cc", "Cs", "Zl", "Zp") for ch in label)
    assert not set(label) & set("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2069")
    assert label == label.strip()
