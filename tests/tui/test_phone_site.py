"""`bigconv run` serves the phone site inside the app's own loop, or says where it already is."""

from __future__ import annotations

import asyncio

import aiohttp
import pytest
from aiohttp.test_utils import TestServer

from bigconv.cli.compose import make_station_app
from bigconv.core.event import load_event
from bigconv.tui.app import make_app
from bigconv.tui.config import StationConfig
from bigconv.web.server import make_web_app
from tests.helpers.processes import free_port
from tests.helpers.tui import started


def test_make_app_serves_nothing_by_default(small_db):
    assert make_app(small_db).phone_site is None


async def test_app_serves_phones_and_stops_on_exit(small_event, small_db):
    port = free_port()
    event = load_event(small_event)
    app = make_station_app(
        small_db, StationConfig(event=event, serve_port=port, serve_host="127.0.0.1")
    )
    url = f"http://127.0.0.1:{port}"
    async with app.run_test() as pilot:
        assert "Phones: http://192.0.2.10:8000" in await started(app, pilot)
        jar = aiohttp.CookieJar(unsafe=True)  # keeps the device token of an IP address
        async with aiohttp.ClientSession(cookie_jar=jar) as client:
            async with client.get(f"{url}/api/about") as r:
                assert (await r.json())["app"] == "bigconv"
            code = app.db.execute("SELECT code FROM sessions LIMIT 1").fetchone()[0]
            async with client.get(f"{url}/{code}") as r:  # the page gives the device token
                assert r.status == 200
            async with client.post(f"{url}/api/{code}/reactions", json={"kind": "love"}) as r:
                assert r.status == 200
        assert app.db.execute("SELECT kind FROM reactions").fetchall() == [("love",)]
    async with aiohttp.ClientSession() as client:
        with pytest.raises(aiohttp.ClientConnectionError):
            await client.get(f"{url}/api/about")


async def test_port_served_by_another_bigconv_is_shown(small_event, small_db):
    event = load_event(small_event)
    other = TestServer(make_web_app(small_db, event), host="127.0.0.1", port=free_port())
    await other.start_server()
    try:
        app = make_station_app(
            small_db, StationConfig(event=event, serve_port=other.port, serve_host="127.0.0.1")
        )
        async with app.run_test() as pilot:
            assert "served by another bigconv" in await started(app, pilot)
    finally:
        await other.close()


async def test_port_taken_by_something_else_is_shown(small_event, small_db):
    server = await asyncio.start_server(lambda r, w: w.close(), "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        app = make_station_app(
            small_db,
            StationConfig(event=load_event(small_event), serve_port=port, serve_host="127.0.0.1"),
        )
        async with app.run_test() as pilot:
            assert f"NOT started: port {port} is in use" in await started(app, pilot)
    finally:
        server.close()
        await server.wait_closed()
