"""The staff login when someone floods it: one laptop guessing over many device cookies cannot
keep a real tablet out, and once many addresses together have spent the global ceiling, an
address that has logged in before still gets in (each browser here connects from its own
loopback address, 127.0.0.x, as tablets on the venue network would)."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

import aiohttp
from aiohttp.test_utils import TestClient, TestServer

from bigconv.core.event import load_event
from bigconv.web.common.site import SITE
from bigconv.web.server import make_web_app
from bigconv.web.stations.gateway import (
    DEVICE_COOKIE,
    MAX_ADDRESS_FAILURES,
    MAX_FAILURES,
    MAX_GLOBAL_FAILURES,
)


class Clock:
    """The rate limits' clock (seconds), moved by the test: no sleeping through minutes."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def set_clock(server: TestClient) -> Clock:
    clock = Clock()
    server.app[SITE].rate_limits.clock = clock
    return clock


@contextlib.asynccontextmanager
async def browser(server: TestClient, address: str) -> AsyncIterator[aiohttp.ClientSession]:
    """A browser on `address` that has opened the passcode form (it holds a device cookie)."""
    connector = aiohttp.TCPConnector(local_addr=(address, 0), force_close=True)
    jar = aiohttp.CookieJar(unsafe=True)
    async with aiohttp.ClientSession(
        f"http://{server.host}:{server.port}", connector=connector, cookie_jar=jar
    ) as session:
        await session.get("/staff")
        yield session


async def try_passcode(session: aiohttp.ClientSession, server: TestClient, text: str) -> int:
    response = await session.post(
        "/staff/login",
        data={"passcode": text},
        headers={"Origin": f"http://{server.host}:{server.port}"},
        allow_redirects=False,
    )
    return response.status


async def test_a_flood_from_one_address_never_keeps_a_tablet_out(client, passcode):
    """65 wrong passcodes a minute from one address over 13 device cookies, for 150 s; every
    5 s a tablet on another address gives the right passcode: it gets in every time."""
    clock = set_clock(client)
    async with contextlib.AsyncExitStack() as stack:
        guessers = [
            await stack.enter_async_context(browser(client, "127.0.0.1")) for _ in range(13)
        ]
        assert all(any(c.key == DEVICE_COOKIE for c in g.cookie_jar) for g in guessers)
        statuses, logins, sent = [], [], 0
        for step in range(30):
            due = 65 * (step + 1) * 5 // 60  # 65 a minute, spread evenly
            while sent < due:
                statuses.append(await try_passcode(guessers[sent % 13], client, f"guess-{sent}"))
                sent += 1
            async with browser(client, f"127.0.1.{step + 1}") as tablet:  # a new tablet
                logins.append(await try_passcode(tablet, client, passcode))
            clock.now += 5
    assert logins == [303] * 30
    assert sent == 162 and statuses.count(401) <= 3 * MAX_ADDRESS_FAILURES  # 15 a minute
    assert statuses.count(429) == sent - statuses.count(401)


async def spend_the_global_ceiling(server: TestClient) -> list[int]:
    """Wrong passcodes from five more addresses, 3 devices each, each device to its limit."""
    statuses = []
    for host in range(3, 8):
        for _ in range(3):
            async with browser(server, f"127.0.0.{host}") as guesser:
                for i in range(MAX_FAILURES):
                    statuses.append(await try_passcode(guesser, server, f"guess-{host}-{i}"))
    return statuses


async def test_an_address_that_logged_in_before_keeps_its_way_in(client, passcode):
    set_clock(client)
    async with browser(client, "127.0.0.2") as tablet:
        assert await try_passcode(tablet, client, passcode) == 303
    statuses = await spend_the_global_ceiling(client)
    # Four addresses' budgets fill the ceiling; the fifth address is refused unchecked.
    assert statuses.count(401) == MAX_GLOBAL_FAILURES == 4 * MAX_ADDRESS_FAILURES
    assert statuses[-MAX_ADDRESS_FAILURES:] == [429] * MAX_ADDRESS_FAILURES
    async with browser(client, "127.0.0.9") as newcomer:  # never logged in: not even checked
        assert await try_passcode(newcomer, client, passcode) == 429
    async with browser(client, "127.0.0.2") as another_tablet:  # a new browser, known address
        assert await try_passcode(another_tablet, client, passcode) == 303


async def test_known_addresses_survive_a_restart(small_event, small_db, passcode):
    first = make_web_app(small_db, load_event(small_event), staff=True)
    async with (
        TestClient(TestServer(first, host="127.0.0.1")) as c,
        browser(c, "127.0.0.2") as tablet,
    ):
        assert await try_passcode(tablet, c, passcode) == 303
    again = make_web_app(small_db, load_event(small_event), staff=True)  # the server restarted
    async with TestClient(TestServer(again, host="127.0.0.1")) as c:
        set_clock(c)
        assert (await spend_the_global_ceiling(c)).count(401) == MAX_GLOBAL_FAILURES
        async with browser(c, "127.0.0.2") as tablet:
            assert await try_passcode(tablet, c, passcode) == 303
