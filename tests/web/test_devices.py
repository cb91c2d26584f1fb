"""Device tokens: what a script that drops its cookie can do is bounded; a staffroom is not."""

from __future__ import annotations

import aiohttp

from bigconv.web.app import DEVICE_COOKIE, PhoneLimits
from tests.web.conftest import table


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


async def test_sixty_phones_behind_one_address_all_count(stranger, codes, small_db):
    url = f"/api/{codes['Phonics']}/reactions"
    tokens = [await fresh_token(stranger, codes["Phonics"]) for _ in range(60)]
    assert all(tokens) and len(set(tokens)) == 60
    for token in tokens:
        assert (await post(stranger, url, token, {"kind": "useful"})).status == 200
    assert table(small_db, "SELECT count(DISTINCT device) FROM reactions") == [(60,)]


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
