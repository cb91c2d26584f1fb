"""The site answers only to its own names (a Host allow-list): a page fetched under another
name, as a DNS-rebinding page or an unexpected proxy would, gets a short 421."""

from __future__ import annotations

import socket

import aiohttp
from aiohttp.test_utils import TestClient, TestServer

from bigconv.cli.compose import PhoneSiteRunner
from bigconv.core.event import load_event
from bigconv.web.common.security import MISDIRECTED
from bigconv.web.server import make_web_app
from tests.helpers.processes import run_cli

PATHS = [("GET", "/"), ("GET", "/api/about"), ("GET", "/staff"), ("POST", "/staff/login")]


async def status(client: TestClient, host: str, method: str = "GET", path: str = "/") -> int:
    response = await client.request(method, path, headers={"Host": host})
    if response.status == 421:
        assert await response.text() == MISDIRECTED  # short, plain text, no traceback
        assert response.content_type == "text/plain"
    return response.status


async def test_another_name_gets_421_and_ours_are_served(small_event, small_db):
    app = make_web_app(small_db, load_event(small_event), staff=True)
    async with TestClient(TestServer(app, host="127.0.0.1")) as c:
        for method, path in PATHS:
            assert await status(c, "rebound.example", method, path) == 421, path
            assert await status(c, f"rebound.example:{c.port}", method, path) == 421, path
        for ours in (
            f"127.0.0.1:{c.port}",
            f"localhost:{c.port}",
            "LOCALHOST",
            socket.gethostname(),
        ):
            assert await status(c, ours, "GET", "/api/about") == 200, ours
        assert await status(c, f"localhost.rebound.example:{c.port}") == 421


async def test_the_public_url_base_url_and_allowed_names_are_served(small_event, small_db):
    event = load_event(small_event)  # base_url = "http://192.0.2.10:8000"
    app = make_web_app(
        small_db,
        event,
        public_url="http://192.0.2.44:8765",
        allow_hosts=["cpd.example.org"],
    )
    async with TestClient(TestServer(app, host="127.0.0.1")) as c:
        for ours in ("192.0.2.10:8000", "192.0.2.44:8765", "cpd.example.org", "CPD.example.org."):
            assert await status(c, ours) == 200, ours
        assert await status(c, "cpd.example.org.evil.example") == 421


async def test_listening_on_every_address_serves_each_address_of_this_machine(
    small_event, small_db
):
    app = make_web_app(small_db, load_event(small_event), host="0.0.0.0")
    async with TestClient(TestServer(app, host="127.0.0.3")) as c:  # one of this machine's
        assert await status(c, f"127.0.0.3:{c.port}") == 200  # the address it arrived on
        assert await status(c, f"127.0.0.4:{c.port}") == 421  # not this connection's


async def test_run_phone_site_takes_allow_host(small_event, small_db, unused_tcp_port):
    runner = PhoneSiteRunner(
        small_db,
        load_event(small_event),
        "127.0.0.1",
        unused_tcp_port,
        allow_hosts=["proxy.example"],
    )
    await runner.start()
    try:
        async with aiohttp.ClientSession() as s:
            for host, wanted in (("proxy.example", 200), ("other.example", 421)):
                url = f"http://127.0.0.1:{unused_tcp_port}/api/about"
                async with s.get(url, headers={"Host": host}) as r:
                    assert r.status == wanted, host
    finally:
        await runner.stop()


def test_a_bad_allow_host_is_refused_clearly(small_event, small_db):
    for command in ("serve", "run"):
        done = run_cli(command, small_event, "--allow-host", "https://cpd.example.org/")
        assert done.returncode == 2, command
        assert "--allow-host" in done.stderr and "Traceback" not in done.stderr
