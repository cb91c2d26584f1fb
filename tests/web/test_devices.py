"""Device tokens: what a script that drops its cookie can do is bounded; a staffroom is not."""

from __future__ import annotations

import dataclasses

import aiohttp
from aiohttp.test_utils import TestClient, TestServer

from bigconv.core.event import load_event
from bigconv.web.common.site import DEVICE_COOKIE, PhoneLimits
from bigconv.web.server import make_web_app
from tests.helpers.db import table
from tests.helpers.web import make_links, same_site


async def fresh_token(client, code: str) -> str | None:
    """What a client with no cookies gets from the session page (None: no token)."""
    client.session.cookie_jar.clear()
    response = await client.get(f"/{code}")
    assert response.status == 200
    cookie = response.cookies.get(DEVICE_COOKIE)
    return cookie.value if cookie else None


async def post(client, url: str, token: str | None, body: dict) -> aiohttp.ClientResponse:
    client.session.cookie_jar.clear()
    headers = {"Cookie": f"{DEVICE_COOKIE}={token}"} if token else {}
    return await client.post(url, json=body, headers=headers)


async def post_form(client, url: str, token: str | None, form: dict) -> aiohttp.ClientResponse:
    """A form post as a script sends it: only the device cookie given (or none)."""
    client.session.cookie_jar.clear()
    headers = {"Cookie": f"{DEVICE_COOKIE}={token}"} if token else {}
    headers |= same_site(client)  # a script can send any Origin: the device token is what counts
    return await client.post(url, data=form, headers=headers, allow_redirects=False)


async def test_sixty_phones_behind_one_address_all_count(stranger, codes, small_db):
    url = f"/api/{codes['Phonics']}/reactions"
    tokens = [await fresh_token(stranger, codes["Phonics"]) for _ in range(60)]
    assert all(tokens) and len(set(tokens)) == 60
    for token in tokens:
        assert (await post(stranger, url, token, {"kind": "useful"})).status == 200
        commit = {"try_text": "Cold calling"}
        assert (
            await post_form(stranger, f"/{codes['Phonics']}/commit", token, commit)
        ).status == 303
    assert table(small_db, "SELECT count(DISTINCT device) FROM reactions") == [(60,)]
    assert table(small_db, "SELECT count(DISTINCT device) FROM commitments") == [(60,)]


async def test_a_cookie_dropping_script_runs_out_of_devices(stranger, codes, small_db):
    limit = PhoneLimits().new_devices
    tokens = [await fresh_token(stranger, codes["Phonics"]) for _ in range(limit + 5)]
    assert sum(t is not None for t in tokens) == limit
    page = await stranger.get(f"/{codes['Phonics']}")
    assert "reload this page in a minute" in await page.text()
    refused = await post(stranger, f"/api/{codes['Phonics']}/feedback", None, {"rating": 1})
    assert refused.status == 403
    assert table(small_db, "SELECT count(*) FROM feedback") == [(0,)]


async def test_one_device_stores_at_most_its_share_a_minute(client, codes, clock, small_db):
    url = f"/api/{codes['Phonics']}/feedback"
    share = PhoneLimits().writes_per_device
    statuses = [(await client.post(url, json={"rating": 3})).status for _ in range(share + 10)]
    assert statuses.count(201) == share and statuses.count(429) == 10
    assert table(small_db, "SELECT count(*) FROM feedback") == [(share,)]


async def test_a_script_without_a_token_stores_no_commitment_and_no_answer(
    stranger, codes, followup_links, small_db
):
    links, ids = followup_links
    before = table(small_db, "SELECT count(*) FROM commitments")
    commit = await post_form(stranger, f"/{codes['Phonics']}/commit", None, {"try_text": "x"})
    assert commit.status == 403 and "Reload the session page first" in await commit.text()
    cid = ids["Bob's secret plan"]
    answer = await post_form(stranger, f"/me/{links['Bob']}", None, {f"tried-{cid}": "yes"})
    assert answer.status == 403 and "Reload the session page first" in await answer.text()
    assert table(small_db, "SELECT count(*) FROM commitments") == before
    assert table(small_db, "SELECT count(*) FROM followup_answers") == [(0,)]


async def test_commitments_and_answers_share_the_devices_cap(
    client, codes, followup_links, small_db
):
    """One device's share a minute covers every row it can cause: past it, a commitment and a
    follow-up answer are refused (429) and nothing is stored."""
    links, ids = followup_links
    share = PhoneLimits().writes_per_device
    url = f"/{codes['Phonics']}/commit"
    statuses = [
        (
            await client.post(
                url,
                data={"try_text": f"Idea {i}"},
                headers=same_site(client),
                allow_redirects=False,
            )
        ).status
        for i in range(share + 3)
    ]
    assert statuses.count(303) == share and statuses.count(429) == 3
    assert table(small_db, "SELECT count(*) FROM commitments WHERE try_text LIKE 'Idea %'") == [
        (share,)
    ]
    cid = ids["Bob's secret plan"]
    answer = await client.post(
        f"/me/{links['Bob']}", data={f"tried-{cid}": "yes"}, headers=same_site(client)
    )
    assert answer.status == 429 and "a lot at once" in await answer.text()
    assert table(small_db, "SELECT count(*) FROM followup_answers") == [(0,)]


async def test_day_link_pages_give_no_more_tokens_than_the_address_share(
    small_event, small_db, clock
):
    """A script opening a personal link again and again without cookies gets the page each
    time, but device tokens (and noted phones) only up to the address's share."""
    limits = dataclasses.replace(PhoneLimits(), new_devices=12)
    app = make_web_app(small_db, load_event(small_event), clock=clock, limits=limits)
    token = next(iter(make_links(small_db).values()))
    async with TestClient(TestServer(app, host="127.0.0.1")) as c:
        given = []
        for _ in range(20):
            c.session.cookie_jar.clear()
            page = await c.get(f"/me/{token}")
            assert page.status == 200
            given.append(page.cookies.get(DEVICE_COOKIE))
    assert sum(g is not None for g in given) == 12
    assert table(small_db, "SELECT count(*) FROM link_devices") == [(12,)]
