"""Staff stations under /staff: nothing but a passcode form until the passcode is given, then a
real station process over a real websocket (real HTTP on 127.0.0.1, real SQLite file)."""

from __future__ import annotations

import asyncio
import os
import time

from aiohttp.test_utils import TestClient, TestServer

from bigconv.core.event import load_event
from bigconv.data import database
from bigconv.data import passcode as passcodes
from bigconv.web.common.security import sign
from bigconv.web.server import STAFF_APP, make_web_app
from bigconv.web.stations.app import STAFF_SITE
from bigconv.web.stations.gateway import COOKIE, COOKIE_MAX_AGE, MAX_FAILURES
from tests.helpers.db import table
from tests.helpers.processes import children as child_processes
from tests.helpers.web import log_in, origin, refused, site, terminal_text


def children() -> set[int]:
    """This process's child processes (a station is one)."""
    return child_processes(os.getpid())


async def test_staff_shows_only_the_passcode_form_without_a_session(client):
    response = await client.get("/staff")
    html = await response.text()
    assert response.status == 200
    assert 'name="passcode"' in html and "textual.js" not in html
    for path in ("/staff/", "/staff/login", "/staff/static/js/textual.js", "/staff/ws"):
        again = await client.get(path)
        assert 'name="passcode"' in await again.text(), path
    assert "Staff stations" not in await (await client.get("/")).text()


async def test_wrong_passcode_gets_the_retry_page_and_no_station(client, small_db, passcode):
    before = children()
    response = await log_in(client, "not the passcode")
    assert response.status == 401
    assert "That is not the passcode" in await response.text()
    assert COOKIE not in response.cookies
    assert await refused(client, origin(client)) == 401
    # Deliberate clock read: a fresh-looking issue time, so only the signature can refuse it.
    for forged in ("forged.0123abcd", f"{int(time.time())}-x.{'0' * 64}"):
        client.session.cookie_jar.update_cookies({COOKIE: forged})
        assert await refused(client, origin(client)) == 401
        assert 'name="passcode"' in await (await client.get("/staff")).text()
    assert site(client).started == 0 and children() == before
    rows = table(small_db, "SELECT action, station, detail FROM log WHERE action LIKE 'staff_%'")
    assert [r[0] for r in rows] == ["staff_login_failed"]
    assert "not the passcode" not in rows[0][2] and passcode not in rows[0][2]


async def test_right_passcode_opens_a_real_station(client, small_db, passcode):
    before = children()
    response = await log_in(client, f"  {passcode.upper().replace('-', ' ')} ")
    assert response.status == 303 and response.headers["Location"] == "/staff"
    cookie = response.headers["Set-Cookie"]
    for part in ("HttpOnly", "SameSite=Strict", "Path=/staff"):
        assert part in cookie
    page = await client.get("/staff")
    html = await page.text()
    ws_url = f"ws://{client.host}:{client.port}/staff/ws"
    assert f'data-session-websocket-url="{ws_url}"' in html
    assert "script-src 'self' 'nonce-" in page.headers["Content-Security-Policy"]
    assert (await client.get("/staff/static/js/textual.js")).status == 200
    async with client.ws_connect("/staff/ws?width=100&height=30", headers=origin(client)) as ws:
        assert await terminal_text(ws, b"Set up this station")
        assert len(site(client).running) == 1 and len(children() - before) == 1
    async with asyncio.timeout(10):  # the tab closed: its station process is gone too
        while site(client).running or children() != before:
            await asyncio.sleep(0.05)
    rows = table(small_db, "SELECT action FROM log WHERE action LIKE 'staff_%'")
    assert rows == [("staff_login",)]


async def test_a_cross_origin_websocket_is_refused(client, passcode):
    before = children()
    assert (await log_in(client, passcode)).status == 303
    assert await refused(client, {"Origin": "http://evil.example"}) == 403
    assert await refused(client, {"Origin": f"http://{client.host}:1"}) == 403
    assert await refused(client, {}) == 403  # no Origin at all: not a browser on our page
    assert site(client).started == 0 and children() == before


async def test_login_from_another_site_is_refused(client, passcode):
    for headers in ({"Origin": "http://evil.example"}, {"Origin": "null"}, {}):
        response = await client.post("/staff/login", data={"passcode": passcode}, headers=headers)
        assert response.status == 403 and COOKIE not in response.cookies, headers


async def test_repeated_wrong_passcodes_are_rate_limited(client, small_db, passcode):
    for _ in range(MAX_FAILURES):
        assert (await log_in(client, "guess")).status == 401
    blocked = await log_in(client, passcode)  # even the right one, until the minute is over
    assert blocked.status == 429
    assert "Please wait" in await blocked.text()
    assert COOKIE not in blocked.cookies
    failed = table(small_db, "SELECT detail FROM log WHERE action = 'staff_login_failed'")
    assert len(failed) == MAX_FAILURES + 1  # every attempt, the refused one too
    assert ['"blocked": true' in d for (d,) in failed] == [False] * MAX_FAILURES + [True]
    assert passcode not in " ".join(d for (d,) in failed)


async def test_changing_the_passcode_logs_out_every_browser(client, small_db, passcode):
    assert (await log_in(client, passcode)).status == 303
    assert "textual.js" in await (await client.get("/staff")).text()
    db = database.connect(small_db)  # as `bigconv passcode --new` does, from another connection
    try:
        new = passcodes.set_passcode(db, None, station="organiser")
    finally:
        db.close()
    assert new != passcode
    assert 'name="passcode"' in await (await client.get("/staff")).text()
    assert await refused(client, origin(client)) == 401
    assert (await log_in(client, passcode)).status == 401
    assert (await log_in(client, new)).status == 303
    assert "textual.js" in await (await client.get("/staff")).text()


async def test_changing_the_passcode_closes_open_stations(client, small_db, passcode):
    assert (await log_in(client, passcode)).status == 303
    async with client.ws_connect("/staff/ws", headers=origin(client)) as ws:
        await terminal_text(ws, b"Set up this station")
        db = database.connect(small_db)
        try:
            passcodes.set_passcode(db, "a brand new passcode", station="organiser")
        finally:
            db.close()
        async with asyncio.timeout(10):
            async for _ in ws:
                pass  # output until the server closes the socket
        assert ws.closed
    async with asyncio.timeout(10):
        while site(client).running:
            await asyncio.sleep(0.05)


async def test_a_session_older_than_a_day_is_refused(client, passcode, small_db):
    login = await log_in(client, passcode)
    token = login.cookies[COOKIE].value
    body, _, _ = token.partition(".")
    # Deliberate clock read: the server ages cookies by this machine's clock (faked or not).
    old_body = f"{int(time.time()) - COOKIE_MAX_AGE - 5}-{body.partition('-')[2]}"
    db = database.connect(small_db)
    key = passcodes.session_key(db)
    db.close()
    old = f"{old_body}.{sign(key, old_body)}"  # validly signed, but too old
    client.session.cookie_jar.clear()
    client.session.cookie_jar.update_cookies({COOKIE: old})
    assert 'name="passcode"' in await (await client.get("/staff")).text()
    client.session.cookie_jar.update_cookies({COOKIE: token})
    assert "textual.js" in await (await client.get("/staff")).text()


async def test_logging_out_clears_the_session(client, passcode):
    assert (await log_in(client, passcode)).status == 303
    await client.post("/staff/logout", headers=origin(client))
    assert 'name="passcode"' in await (await client.get("/staff")).text()


async def test_the_phone_site_still_answers_beside_staff(client):
    assert (await client.get("/api/about")).status == 200
    assert (await client.get("/staffroom")).status == 404  # a session code shape, not staff


async def test_a_station_that_will_not_quit_is_killed(small_event, small_db, passcode):
    app = make_web_app(small_db, load_event(small_event), staff=True)
    hung = app[STAFF_APP][STAFF_SITE]
    hung.command, hung.quit_timeout = "exec sleep 60", 0.3  # ignores "quit" on its stdin
    async with TestClient(TestServer(app, host="127.0.0.1")) as client:
        before = children()
        assert (await log_in(client, passcode)).status == 303
        async with client.ws_connect("/staff/ws", headers=origin(client)):
            async with asyncio.timeout(10):
                while len(children() - before) != 1:
                    await asyncio.sleep(0.05)
        async with asyncio.timeout(10):
            while hung.running or children() != before:
                await asyncio.sleep(0.05)
