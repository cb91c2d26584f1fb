"""The staff login under attack from the venue network (every client on 127.0.0.1)."""

from __future__ import annotations

import asyncio

import aiohttp
from aiohttp.test_utils import TestClient, TestServer

from bigconv.core.event import load_event
from bigconv.data import passcode as passcodes
from bigconv.web.server import STAFF_APP, make_web_app
from bigconv.web.stations.app import STAFF_SITE
from bigconv.web.stations.gateway import (
    COOKIE,
    DEVICE_COOKIE,
    MAX_ADDRESS_FAILURES,
    MAX_FAILURES,
    MAX_GLOBAL_FAILURES,
    MAX_NEW_DEVICES,
    MAX_STATIONS_PER_LOGIN,
)
from tests.helpers.db import table
from tests.helpers.web import log_in, origin, refused, site


async def raw_login(host: str, port: int, body: bytes):
    """A login sent the slow way: headers now, the body when `send_body` is set."""
    reader, writer = await asyncio.open_connection(host, port)
    writer.write(
        b"POST /staff/login HTTP/1.1\r\n"
        + f"Host: {host}:{port}\r\nOrigin: http://{host}:{port}\r\n".encode()
        + b"Content-Type: application/x-www-form-urlencoded\r\n"
        + f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n".encode()
    )
    await writer.drain()
    return reader, writer


async def test_a_burst_of_guesses_cannot_race_the_limit(client, passcode):
    """Headers first for 30 guesses (the right one last), then every body at once: only
    MAX_FAILURES passcodes are ever checked, so the right one in the burst is refused."""
    bodies = [b"passcode=wrong-guess-" + str(i).encode() for i in range(29)]
    bodies.append(b"passcode=" + passcode.encode())
    pending = [await raw_login(client.host, client.port, b) for b in bodies]
    counted = site(client).everyone.failures
    async with asyncio.timeout(20):  # the server has read every request's headers
        while len(counted.get("*", ())) < MAX_FAILURES:
            await asyncio.sleep(0.02)
    await asyncio.sleep(0.2)  # let the rest reach their handlers too (they are refused there)
    for (_, writer), body in zip(pending, bodies, strict=True):
        writer.write(body)
    statuses = []
    for reader, writer in pending:
        status_line = await asyncio.wait_for(reader.readline(), 30)
        statuses.append(int(status_line.split()[1]))
        writer.close()
    assert statuses.count(401) <= MAX_FAILURES
    assert 303 not in statuses, "a right passcode inside the burst got in"
    assert statuses.count(429) >= len(bodies) - MAX_FAILURES


async def test_a_guessing_device_does_not_lock_out_staff_on_the_same_address(
    client,
    passcode,
):
    staff_jar = aiohttp.CookieJar(unsafe=True)
    base = f"http://{client.host}:{client.port}"
    async with aiohttp.ClientSession(cookie_jar=staff_jar) as desk:
        await desk.get(f"{base}/staff")  # the passcode form gives this tablet its own device
        assert any(c.key == DEVICE_COOKIE for c in staff_jar)
        await client.get("/staff")  # the guesser has a device cookie of its own
        for _ in range(MAX_FAILURES + 3):
            await log_in(client, "guess")
        assert (await log_in(client, passcode)).status == 429
        ok = await desk.post(
            f"{base}/staff/login",
            data={"passcode": passcode},
            headers={"Origin": base},
            allow_redirects=False,
        )
        assert ok.status == 303


async def test_many_devices_on_one_address_share_its_limit(client, small_db):
    base = f"http://{client.host}:{client.port}"
    devices = []
    for _ in range(MAX_NEW_DEVICES + 2):
        jar = aiohttp.CookieJar(unsafe=True)
        session = aiohttp.ClientSession(cookie_jar=jar)
        await session.get(f"{base}/staff")
        devices.append((session, any(c.key == DEVICE_COOKIE for c in jar)))
    try:
        assert [has for _, has in devices].count(True) == MAX_NEW_DEVICES  # issuing is limited
        statuses = []
        for session, _ in devices[:MAX_NEW_DEVICES]:
            for _ in range(MAX_FAILURES):
                r = await session.post(
                    f"{base}/staff/login", data={"passcode": "x"}, headers={"Origin": base}
                )
                statuses.append(r.status)
        assert statuses.count(401) == MAX_ADDRESS_FAILURES < MAX_GLOBAL_FAILURES
        assert statuses.count(429) == len(statuses) - MAX_ADDRESS_FAILURES
    finally:
        for session, _ in devices:
            await session.close()
    rows = table(small_db, "SELECT count(*) FROM log WHERE action = 'staff_login_failed'")
    assert rows[0][0] == MAX_ADDRESS_FAILURES + 1  # blocked ones: one row a minute per address


async def test_blocked_attempts_write_one_log_row_a_minute(client, small_db):
    for _ in range(MAX_FAILURES + 40):
        await log_in(client, "guess")
    failed = table(small_db, "SELECT detail FROM log WHERE action = 'staff_login_failed'")
    assert len(failed) == MAX_FAILURES + 1


async def test_logout_ends_the_login_on_the_server(client, small_db, passcode):
    login = await log_in(client, passcode)
    token = login.cookies[COOKIE].value
    assert "textual.js" in await (await client.get("/staff")).text()
    await client.post("/staff/logout", headers=origin(client))
    client.session.cookie_jar.update_cookies({COOKIE: token})  # the copy an attacker kept
    assert 'name="passcode"' in await (await client.get("/staff")).text()
    assert await refused(client, origin(client)) == 401
    rows = table(small_db, "SELECT ended_by FROM staff_sessions")
    assert rows == [("logout",)]


async def test_a_cookie_with_other_bytes_is_no_login(client):
    for value in ("1-x.\u00e9\u00e9", "\u00e9-x.abc", "1-\u00e9.abc"):
        response = await client.get(
            "/staff", headers={"Cookie": f"{COOKIE}={value}".encode().decode("latin-1")}
        )
        assert response.status == 200 and 'name="passcode"' in await response.text()


async def test_one_login_opens_only_a_few_stations(small_event, small_db, passcode):
    app = make_web_app(small_db, load_event(small_event), staff=True)
    site_ = app[STAFF_APP][STAFF_SITE]
    site_.command, site_.quit_timeout = "exec sleep 60", 0.3  # cheap stand-ins for stations
    async with TestClient(TestServer(app, host="127.0.0.1")) as c:
        assert (await log_in(c, passcode)).status == 303
        sockets = [
            await c.ws_connect("/staff/ws", headers=origin(c))
            for _ in range(MAX_STATIONS_PER_LOGIN)
        ]
        assert await refused(c, origin(c)) == 429
        for ws in sockets:
            await ws.close()
        async with asyncio.timeout(15):
            while site_.running:
                await asyncio.sleep(0.05)


def test_the_generated_passcode_has_about_30_bits():
    assert 29 < passcodes.strength_bits() < 30


async def test_a_websocket_from_another_scheme_is_refused(client, passcode):
    assert (await log_in(client, passcode)).status == 303
    for scheme in ("https", "ftp", "null"):
        origin_ = {"Origin": f"{scheme}://{client.host}:{client.port}"}
        assert await refused(client, origin_) == 403, scheme
    assert site(client).started == 0
