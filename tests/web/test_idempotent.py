"""Idempotent retries on the real phone site: a write sent again with the same key (the
`Idempotency-Key` header, or a form's `nonce`) stores one row and gets the first answer."""

from __future__ import annotations

import re

import aiohttp
import pytest

from bigconv.data import backup
from tests.helpers.db import table

KEY = "k3y-of_one-action"


def keyed(key: str = KEY) -> dict[str, str]:
    return {"Idempotency-Key": key}


async def form(client, path, data, **kw):
    """A form post as the browser sends it (same-origin), the redirect not followed."""
    headers = {"Origin": f"http://{client.host}:{client.port}"}
    return await client.post(path, data=data, headers=headers, allow_redirects=False, **kw)


def count(db, tbl: str) -> int:
    return table(db, f"SELECT count(*) FROM {tbl}")[0][0]


async def page_nonces(client, path) -> list[str]:
    html = await (await client.get(path)).text()
    return re.findall(r'name="nonce" value="([A-Za-z0-9_-]+)"', html)


async def test_a_repeated_json_reaction_is_counted_once_with_the_first_answer(
    client, codes, small_db, clock
):
    url = f"/api/{codes['Phonics']}/reactions"
    first = await client.post(url, json={"kind": "useful"}, headers=keyed())
    assert first.status == 200
    clock.advance(2)  # inside the cooldown: without the key this would be a 429
    again = await client.post(url, json={"kind": "useful"}, headers=keyed())
    assert again.status == 200
    assert await again.json() == await first.json()
    assert (await first.json())["counted"] is True
    clock.advance(60)  # after the cooldown: still the same action, still one row
    late = await client.post(url, json={"kind": "useful"}, headers=keyed())
    assert await late.json() == await first.json()
    assert count(small_db, "reactions") == 1
    # A new key is a new tap (past the cooldown: counted).
    other = await client.post(url, json={"kind": "useful"}, headers=keyed("another"))
    assert other.status == 200 and count(small_db, "reactions") == 2


async def test_a_new_key_inside_the_cooldown_still_gets_429(client, codes, small_db, clock):
    url = f"/api/{codes['Phonics']}/reactions"
    assert (await client.post(url, json={"kind": "love"}, headers=keyed("a"))).status == 200
    clock.advance(2)
    refused = await client.post(url, json={"kind": "love"}, headers=keyed("b"))
    assert refused.status == 429
    # The refused tap stored nothing, so its key is not spent: its retry after the cooldown
    # is counted.
    clock.advance(20)
    retried = await client.post(url, json={"kind": "love"}, headers=keyed("b"))
    assert retried.status == 200 and (await retried.json())["counted"] is True
    assert count(small_db, "reactions") == 2


async def test_the_key_may_come_as_a_nonce_field_in_json(client, codes, small_db):
    url = f"/api/{codes['Phonics']}/reactions"
    for _ in range(2):
        response = await client.post(url, json={"kind": "insight", "nonce": "n-1"})
        assert response.status == 200
    assert count(small_db, "reactions") == 1


async def test_the_same_key_for_another_reaction_kind_is_another_request(client, codes, small_db):
    """A page without JavaScript carries one key in its reaction form: tapping two different
    buttons before the first answer came back stores both."""
    url = f"/api/{codes['Phonics']}/reactions"
    assert (await client.post(url, json={"kind": "useful"}, headers=keyed())).status == 200
    assert (await client.post(url, json={"kind": "love"}, headers=keyed())).status == 200
    assert table(small_db, "SELECT kind FROM reactions ORDER BY id") == [("useful",), ("love",)]


async def test_a_repeated_reaction_form_redirects_as_the_first_did(client, codes, small_db):
    code = codes["Phonics"]
    nonces = await page_nonces(client, f"/{code}")
    assert len(nonces) == 3 and len(set(nonces)) == 3  # reactions, feedback, commitment
    react_nonce = nonces[0]
    answers = [
        await form(client, f"/{code}/react", {"kind": "insight", "nonce": react_nonce})
        for _ in range(2)
    ]
    assert [a.status for a in answers] == [303, 303]
    assert answers[0].headers["Location"] == answers[1].headers["Location"]
    assert answers[0].headers["Location"] == f"/{code}?counted=insight#reactions"
    assert count(small_db, "reactions") == 1
    # Each page gives fresh keys.
    assert react_nonce not in await page_nonces(client, f"/{code}")


async def test_repeated_feedback_is_stored_once(client, codes, small_db):
    url = f"/api/{codes['Phonics']}/feedback"
    body = {"rating": 5, "comment": "Great"}
    answers = [await client.post(url, json=body, headers=keyed()) for _ in range(3)]
    assert [a.status for a in answers] == [201, 201, 201]
    assert [await a.json() for a in answers] == [{"saved": True}] * 3
    assert count(small_db, "feedback") == 1
    # The same key with an edited comment (a page the back button brought back) is new.
    edited = await client.post(url, json={"rating": 5, "comment": "Great!"}, headers=keyed())
    assert edited.status == 201
    assert table(small_db, "SELECT comment FROM feedback ORDER BY id") == [("Great",), ("Great!",)]


async def test_repeated_feedback_form_is_stored_once(client, codes, small_db):
    code = codes["Phonics"]
    nonce = (await page_nonces(client, f"/{code}"))[1]
    data = {"rating": "4", "next_step": "Exit tickets", "nonce": nonce}
    answers = [await form(client, f"/{code}/feedback", data) for _ in range(2)]
    assert [a.status for a in answers] == [303, 303]
    assert {a.headers["Location"] for a in answers} == {f"/{code}?sent=1#feedback"}
    assert count(small_db, "feedback") == 1


async def test_feedback_without_a_key_works_as_before(client, codes, small_db):
    """Pages cached on a phone before keys existed send none: every post is stored."""
    code = codes["Phonics"]
    for _ in range(2):
        assert (await form(client, f"/{code}/feedback", {"rating": "3"})).status == 303
        response = await client.post(f"/api/{code}/feedback", json={"rating": 3})
        assert response.status == 201
    assert count(small_db, "feedback") == 4
    assert count(small_db, "write_keys") == 0


async def test_a_repeated_commitment_is_stored_once(client, codes, small_db):
    code = codes["Phonics"]
    nonce = (await page_nonces(client, f"/{code}"))[2]
    data = {"try_text": "Mini whiteboards", "nonce": nonce}
    answers = [await form(client, f"/{code}/commit", data) for _ in range(2)]
    assert [a.status for a in answers] == [303, 303]
    assert {a.headers["Location"] for a in answers} == {f"/{code}?committed=anonymous#commit"}
    assert count(small_db, "commitments") == 1
    fresh = (await page_nonces(client, f"/{code}"))[2]
    assert (await form(client, f"/{code}/commit", {**data, "nonce": fresh})).status == 303
    assert count(small_db, "commitments") == 2


async def test_repeated_follow_up_answers_are_stored_once(client, followup_links, small_db, clock):
    links, ids = followup_links
    cid = ids["Bob's secret plan"]
    clock.advance(86400)
    path = f"/me/{links['Bob']}"
    (nonce,) = await page_nonces(client, path)
    data = {f"tried-{cid}": "yes", f"happened-{cid}": "Did it", "nonce": nonce}
    answers = [await form(client, path, data) for _ in range(2)]
    assert [a.status for a in answers] == [303, 303]
    assert {a.headers["Location"] for a in answers} == {f"{path}?sent=1"}
    assert count(small_db, "followup_answers") == 1


async def test_a_key_from_another_device_does_not_collide(client, codes, small_db):
    url = f"/api/{codes['Phonics']}/feedback"
    assert (await client.post(url, json={"rating": 4}, headers=keyed())).status == 201
    jar = aiohttp.CookieJar(unsafe=True)
    async with aiohttp.ClientSession(cookie_jar=jar) as phone:
        await phone.get(client.make_url(f"/{codes['Phonics']}"))  # its own device token
        other = await phone.post(client.make_url(url), json={"rating": 4}, headers=keyed())
        assert other.status == 201
    assert table(small_db, "SELECT count(DISTINCT device) FROM feedback") == [(2,)]


@pytest.mark.parametrize(
    "bad", ["x" * 65, "has space", "semi;colon", "é", "../../etc", "a.b"], ids=repr
)
async def test_a_malformed_key_is_refused_with_a_clear_message(client, codes, small_db, bad):
    code = codes["Phonics"]
    response = await client.post(f"/api/{code}/reactions", json={"kind": "useful", "nonce": bad})
    assert response.status == 400
    assert "idempotency key must be 1 to 64 letters" in (await response.json())["error"]
    page = await form(client, f"/{code}/feedback", {"rating": "4", "nonce": bad})
    assert page.status == 400 and "idempotency key" in await page.text()
    assert count(small_db, "reactions") + count(small_db, "feedback") == 0


async def test_a_malformed_header_is_refused(client, codes, small_db):
    response = await client.post(
        f"/api/{codes['Phonics']}/feedback", json={"rating": 2}, headers=keyed("x" * 65)
    )
    assert response.status == 400 and count(small_db, "feedback") == 0


async def test_a_write_answered_503_is_stored_once_by_its_retry(client, codes, small_db, tmp_path):
    """The first attempt meets a deleted database file (503, nothing stored, the key not
    spent); the file is restored; the retry with the same key is stored, once."""
    url = f"/api/{codes['Phonics']}/reactions"
    good = backup.backup(small_db, tmp_path / "b")
    for suffix in ("", "-wal", "-shm"):
        (small_db.parent / (small_db.name + suffix)).unlink(missing_ok=True)
    failed = await client.post(url, json={"kind": "useful"}, headers=keyed())
    assert failed.status == 503 and failed.headers["Retry-After"]
    failed_fb = await client.post(
        f"/api/{codes['Phonics']}/feedback", json={"rating": 4}, headers=keyed("fb")
    )
    assert failed_fb.status == 503
    backup.restore(good, small_db)
    for _ in range(2):
        retry = await client.post(url, json={"kind": "useful"}, headers=keyed())
        assert retry.status == 200 and (await retry.json())["counted"] is True
        fb = await client.post(
            f"/api/{codes['Phonics']}/feedback", json={"rating": 4}, headers=keyed("fb")
        )
        assert fb.status == 201
    assert count(small_db, "reactions") == 1
    assert count(small_db, "feedback") == 1
    assert count(small_db, "write_keys") == 2
