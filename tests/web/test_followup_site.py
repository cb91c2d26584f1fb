"""The CPD loop on the real phone site: commitments, personal links, the follow-up form."""

from __future__ import annotations

import datetime as dt

from bigconv.data import database
from tests.helpers.db import table
from tests.helpers.web import MORNING, make_links

ORIGIN = {"Origin": "http://127.0.0.1"}


async def post(client, path, data, **kw):
    headers = {"Origin": f"http://{client.host}:{client.port}"}
    return await client.post(path, data=data, headers=headers, allow_redirects=False, **kw)


async def test_a_commitment_without_a_link_is_saved_without_a_name(client, codes, small_db):
    code = codes["Phonics"]
    page = await client.get(f"/{code}")
    text = await page.text()
    assert "Before you go: one thing you'll try" in text
    assert 'name="named"' not in text  # nothing to name it with
    response = await post(client, f"/{code}/commit", {"try_text": "Mini whiteboards"})
    assert response.status == 303
    assert response.headers["Location"] == f"/{code}?committed=anonymous#commit"
    after = await (await client.get(response.headers["Location"])).text()
    assert "Saved, without your name" in after
    assert table(small_db, "SELECT try_text, attendee_id FROM commitments") == [
        ("Mini whiteboards", None)
    ]


async def test_opening_a_day_link_lets_this_phone_name_its_commitment(client, codes, small_db):
    links = make_links(small_db)
    me = await client.get(f"/me/{links['AdaA']}")
    assert me.status == 200
    assert me.headers["Cache-Control"] == "no-store"
    assert "Hello, Ada" in await me.text()
    cookie = me.cookies["bigconv_me"]
    assert cookie["httponly"] and cookie["samesite"] == "Lax"
    code = codes["Phonics"]
    page = await (await client.get(f"/{code}")).text()
    assert "Put my name on it (Ada)" in page
    response = await post(
        client,
        f"/{code}/commit",
        {"try_text": "Retrieval quiz", "when_where": "Y7, week 1", "named": "1"},
    )
    assert response.headers["Location"].endswith("committed=named#commit")
    (ada,) = table(small_db, "SELECT id FROM attendees WHERE first_name = 'Ada'")
    assert table(small_db, "SELECT try_text, when_where, attendee_id FROM commitments") == [
        ("Retrieval quiz", "Y7, week 1", ada[0])
    ]
    mine = await (await client.get(f"/me/{links['AdaA']}")).text()
    assert "Retrieval quiz" in mine
    # Holding the link but leaving the box unticked: saved without her name.
    code2 = codes["Wellbeing/Morning"]
    unticked = await post(client, f"/{code2}/commit", {"try_text": "Walk and talk"})
    assert unticked.headers["Location"].endswith("committed=anonymous#commit")
    assert table(
        small_db, "SELECT attendee_id FROM commitments WHERE try_text = 'Walk and talk'"
    ) == [(None,)]


async def test_naming_without_a_valid_link_is_refused_and_nothing_is_stored(
    client, codes, small_db, clock
):
    links = make_links(small_db, expires=MORNING + dt.timedelta(minutes=5))
    await client.get(f"/me/{links['BobB']}")
    clock.advance(600)  # the link has expired since
    code = codes["Phonics"]
    response = await post(client, f"/{code}/commit", {"try_text": "Something", "named": "1"})
    assert response.status == 400
    assert "personal link has expired" in await response.text()
    assert table(small_db, "SELECT count(*) FROM commitments") == [(0,)]


async def test_unknown_and_expired_links_get_the_same_answer(client, small_db, clock):
    links = make_links(small_db, expires=MORNING + dt.timedelta(minutes=5))
    unknown = await client.get("/me/" + "A" * 32)
    odd = await client.get("/me/nope")
    clock.advance(600)
    expired = await client.get(f"/me/{links['AdaA']}")
    texts = [await r.text() for r in (unknown, odd, expired)]
    assert [r.status for r in (unknown, odd, expired)] == [404, 404, 404]
    assert all("This personal link is not valid" in t for t in texts)
    assert texts[0] == texts[2]  # nothing tells an expired link from one never made
    assert "Ada" not in texts[2]
    assert "bigconv_me" not in expired.cookies


async def test_the_commitment_form_checks_its_fields(client, codes, small_db):
    code = codes["Phonics"]
    empty = await post(client, f"/{code}/commit", {"when_where": "Y9"})
    assert empty.status == 400
    assert "Write one thing you" in await empty.text()
    long = await post(client, f"/{code}/commit", {"try_text": "x" * 301})
    assert long.status == 400 and "too long" in await long.text()
    assert table(small_db, "SELECT count(*) FROM commitments") == [(0,)]


async def test_the_follow_up_page_shows_only_the_link_holders_commitments(
    client, followup_links, small_db, clock
):
    links, ids = followup_links
    clock.advance(20 * 86400)
    page = await client.get(f"/me/{links['Ada']}")
    text = await page.text()
    assert "How did it go, Ada?" in text
    assert "Ada&#39;s &lt;b&gt;plan&lt;/b&gt;" in text
    assert "Bob" not in text
    # Ada's link cannot answer for Bob's commitment, even with its field names.
    ada_id, bob_id = ids["Ada's <b>plan</b>"], ids["Bob's secret plan"]
    response = await post(
        client,
        f"/me/{links['Ada']}",
        {f"tried-{ada_id}": "partly", f"obstacles-{ada_id}": "Time", f"tried-{bob_id}": "yes"},
    )
    assert response.status == 303
    assert table(small_db, "SELECT commitment_id, tried, obstacles FROM followup_answers") == [
        (ada_id, "partly", "Time")
    ]
    again = await (await client.get(response.headers["Location"])).text()
    assert "your answers are saved" in again
    assert 'value="partly" checked' in again


async def test_a_second_answer_replaces_the_first_and_both_are_kept(
    client, followup_links, small_db, clock
):
    links, ids = followup_links
    cid = ids["Bob's secret plan"]
    clock.advance(86400)
    await post(client, f"/me/{links['Bob']}", {f"tried-{cid}": "not_yet"})
    clock.advance(86400)
    await post(client, f"/me/{links['Bob']}", {f"tried-{cid}": "yes", f"happened-{cid}": "Did it"})
    page = await (await client.get(f"/me/{links['Bob']}")).text()
    assert 'value="yes" checked' in page and "Did it" in page
    assert table(small_db, "SELECT tried FROM followup_answers ORDER BY id") == [
        ("not_yet",),
        ("yes",),
    ]


async def test_a_follow_up_needs_a_choice_and_closes_with_its_round(
    client, followup_links, small_db, clock
):
    links, ids = followup_links
    cid = ids["Bob's secret plan"]
    nothing = await post(client, f"/me/{links['Bob']}", {f"happened-{cid}": "Stuff"})
    assert nothing.status == 400 and "choose yes, partly or not yet" in await nothing.text()
    clock.advance(28 * 86400)
    closed = await client.get(f"/me/{links['Bob']}")
    assert closed.status == 404
    late = await post(client, f"/me/{links['Bob']}", {f"tried-{cid}": "yes"})
    assert late.status == 404
    assert table(small_db, "SELECT count(*) FROM followup_answers") == [(0,)]


async def test_the_day_page_lists_ones_own_sessions_and_forgetting_clears_the_phone(
    client, codes, small_db
):
    links = make_links(small_db)
    db = database.connect(small_db)
    ada = db.execute("SELECT id FROM attendees WHERE first_name = 'Ada'").fetchone()[0]
    sid = db.execute("SELECT id FROM sessions WHERE code = ?", [codes["Phonics"]]).fetchone()[0]
    with database.immediate(db):
        db.execute("INSERT INTO allocations (attendee_id, session_id) VALUES (?, ?)", [ada, sid])
    db.close()
    page = await (await client.get(f"/me/{links['AdaA']}")).text()
    assert f'href="/{codes["Phonics"]}#commit"' in page
    assert "Oracy" not in page  # not one of hers
    forget = await post(client, f"/me/{links['AdaA']}", {})
    assert forget.status == 303
    session = await (await client.get(f"/{codes['Phonics']}")).text()
    assert "Put my name on it" not in session
