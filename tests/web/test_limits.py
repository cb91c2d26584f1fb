"""Timeouts and limits on every connection, over a real server on 127.0.0.1."""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import resource
import tracemalloc

import aiohttp
import pytest
from aiohttp.test_utils import TestClient, TestServer

from bigconv.core.event import load_event
from bigconv.web.common import limits
from bigconv.web.common.limits import ConnectionCaps, OncePerInterval, RateLimit, raise_file_limit
from bigconv.web.common.site import SITE
from bigconv.web.server import STAFF_APP, make_web_app, start_site, stop_site
from bigconv.web.stations.app import STAFF_SITE
from tests.helpers.web import about_from


@pytest.fixture
async def served(small_event, small_db, monkeypatch, unused_tcp_port):
    monkeypatch.setattr(limits, "IDLE_TIMEOUT", 1.0)
    monkeypatch.setattr(limits, "BODY_TIMEOUT", 1.0)
    monkeypatch.setattr(limits, "SWEEP_EVERY", 0.1)
    app = make_web_app(small_db, load_event(small_event))
    runner, sweeper = await start_site(app, "127.0.0.1", unused_tcp_port, backlog=128)
    yield app, f"http://127.0.0.1:{unused_tcp_port}", unused_tcp_port
    await stop_site(runner, sweeper)


async def closed_by_server(reader: asyncio.StreamReader, deadline: float = 20) -> bytes:
    """What the server sent before closing the connection (fails if it never closes)."""
    async with asyncio.timeout(deadline):
        return await reader.read()


async def about(base: str) -> int:
    async with aiohttp.ClientSession() as s, s.get(f"{base}/api/about") as r:
        return r.status


async def test_slow_headers_and_silent_connections_are_closed(served):
    app, base, port = served
    conns = [await asyncio.open_connection("127.0.0.1", port) for _ in range(40)]
    for i, (_, writer) in enumerate(conns):
        if i % 2:  # half send the start of a request and then nothing more
            writer.write(b"GET / HTTP/1.1\r\nHost: x\r\n")
            await writer.drain()
    assert await about(base) == 200  # the site answers beside them
    for reader, writer in conns:
        await closed_by_server(reader)
        writer.close()
    assert app[limits.GUARD].closed >= 40


async def test_a_lying_content_length_gets_408_soon(served, codes):
    _, base, port = served
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(
        f"POST /api/{codes['Phonics']}/feedback HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n".encode()
        + b"Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n"
        + b'{"rating": 4}'
    )
    await writer.drain()
    answer = await closed_by_server(reader)
    assert answer.startswith(b"HTTP/1.1 408")
    writer.close()


async def test_idle_connections_beyond_the_cap_are_closed_at_once(served, monkeypatch):
    app, base, port = served
    monkeypatch.setattr(limits, "IDLE_TIMEOUT", 60.0)
    guard = app[limits.GUARD]
    guard.caps = dataclasses.replace(guard.caps, idle=10)
    conns = [await asyncio.open_connection("127.0.0.1", port) for _ in range(30)]
    async with asyncio.timeout(20):
        while app[limits.GUARD].closed < 20:
            await asyncio.sleep(0.05)
    assert await about(base) == 200
    for _, writer in conns:
        writer.close()


def test_one_log_line_per_kind_per_interval():
    now = [0.0]
    quiet = OncePerInterval(10, clock=lambda: now[0])
    logger = logging.getLogger("test.bigconv.quiet")
    records = [
        logger.makeRecord(
            logger.name, logging.ERROR, __file__, 1, "Error handling request", (), None
        )
        for _ in range(1000)
    ]
    assert sum(quiet.filter(r) for r in records) == 1
    now[0] = 11
    assert quiet.filter(records[0]) and not quiet.filter(records[1])


def test_the_soft_file_limit_is_raised():
    soft, hard = raise_file_limit()
    wanted = (
        limits.WANTED_FILES if hard == resource.RLIM_INFINITY else min(hard, limits.WANTED_FILES)
    )
    assert soft >= wanted


def test_ten_thousand_quiet_keys_are_forgotten_once_the_window_passes():
    now = [0.0]
    limit = RateLimit(5, 60.0, clock=lambda: now[0])
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        for i in range(10_000):
            limit.failed(f"device-{i}")  # each key once, then never again
        full = tracemalloc.get_traced_memory()[0]
        now[0] = 59.0
        assert limit.sweep() == 0 and len(limit.failures) == 10_000  # still inside the window
        now[0] = 60.0
        assert limit.sweep() == 10_000
        after = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
    assert limit.failures == {}
    assert full - before > 1_000_000  # the keys did take room ...
    assert after - before < 100_000  # ... and it is given back


async def test_every_rate_limit_of_the_sites_is_swept_on_a_timer(
    small_event, small_db, monkeypatch
):
    monkeypatch.setattr(limits, "FORGET_EVERY", 0.01)
    app = make_web_app(small_db, load_event(small_event), staff=True)
    phone, staff = app[SITE], app[STAFF_APP][STAFF_SITE]
    registry = phone.rate_limits
    made = [v for s in (phone, staff) for v in vars(s).values() if isinstance(v, RateLimit)]
    assert len(made) >= 7 and all(any(m is r for r in registry.limits) for m in made)
    now = [0.0]
    registry.clock = lambda: now[0]
    async with TestClient(TestServer(app, host="127.0.0.1")):
        for limit in registry.limits:
            for i in range(1000):
                limit.failed(f"key-{i}")
        now[0] = 3600.0  # an hour later, none of them heard of again
        async with asyncio.timeout(10):
            while any(limit.failures for limit in registry.limits):
                await asyncio.sleep(0.02)


def test_connection_caps_leave_room_for_the_database_and_stations():
    small = ConnectionCaps.for_files(256, stations=40)
    assert small == ConnectionCaps(total=48, idle=36, per_address=8)
    assert small.total + limits.FILES_RESERVED + limits.FILES_PER_STATION * 40 <= 256
    big = ConnectionCaps.for_files(65536, stations=40)
    assert big == ConnectionCaps(total=65328, idle=limits.MAX_IDLE, per_address=8166)
    assert ConnectionCaps.for_files(100, stations=40).total == limits.MIN_CONNECTIONS


async def connect_from(address: str, port: int):
    return await asyncio.open_connection("127.0.0.1", port, local_addr=(address, 0))


async def test_connections_beyond_an_address_share_are_shut_at_once(served):
    app, base, port = served
    guard = app[limits.GUARD]
    guard.caps = ConnectionCaps(total=100, idle=100, per_address=8)
    kept = [await connect_from("127.0.0.1", port) for _ in range(8)]
    shut = [await connect_from("127.0.0.1", port) for _ in range(4)]
    for reader, _ in shut:
        assert await closed_by_server(reader, deadline=5) == b""
    assert guard.refused == 4 and guard.per_address["127.0.0.1"] == 8
    assert await about_from(base, "127.0.0.2") == 200
    for _, writer in kept + shut:
        writer.close()


async def test_at_the_total_the_oldest_idle_connection_makes_room(served, monkeypatch):
    app, base, port = served
    monkeypatch.setattr(limits, "IDLE_TIMEOUT", 60.0)
    guard = app[limits.GUARD]
    guard.caps = ConnectionCaps(total=10, idle=10, per_address=10)
    held = [await connect_from(f"127.0.0.{2 + i // 5}", port) for i in range(10)]
    assert await about_from(base, "127.0.0.4") == 200  # answered: the oldest idle one made room
    assert await closed_by_server(held[0][0], deadline=5) == b""
    assert guard.closed >= 1 and guard.refused == 0
    for _, writer in held:
        writer.close()
