"""Behind a reverse proxy: forwarded headers believed from a trusted proxy only, and the one
origin rule for posts on every site (bigconv/web/common/security.py)."""

from __future__ import annotations

import hmac
from http.cookies import SimpleCookie

from aiohttp.test_utils import TestClient, TestServer

from bigconv.core.event import load_event
from bigconv.web.common.limits import GUARD, ConnectionCaps
from bigconv.web.common.security import client_address, parse_proxy, sign, signed, unsign
from bigconv.web.common.site import DEVICE_COOKIE, PhoneLimits
from bigconv.web.server import make_web_app
from tests.helpers.db import table
from tests.helpers.processes import run_cli
from tests.helpers.web import make_links

PUBLIC = "https://cpd.example.org"
# What Caddy or nginx adds to a request that reached it over TLS as https://cpd.example.org.
VIA_PROXY = {
    "X-Forwarded-Proto": "https",
    "X-Forwarded-Host": "cpd.example.org",
    "X-Forwarded-For": "203.0.113.7",
}
FORM_HEADERS = {"Origin": PUBLIC, **VIA_PROXY}


def server(small_event, small_db, clock, **options) -> TestClient:
    app = make_web_app(
        small_db,
        load_event(small_event),
        clock=clock,
        allow_hosts=["cpd.example.org"],
        **options,
    )
    return TestClient(TestServer(app, host="127.0.0.1"))


def cookies_of(response) -> dict[str, SimpleCookie]:
    out = {}
    for header in response.headers.getall("Set-Cookie", []):
        jar = SimpleCookie()
        jar.load(header)
        out |= {name: jar for name in jar}
    return out


async def test_a_trusted_proxys_https_posts_are_stored_with_secure_cookies(
    small_event, small_db, clock, codes
):
    code = codes["Phonics"]
    async with server(small_event, small_db, clock, trusted_proxies=["127.0.0.1"]) as c:
        page = await c.get(f"/{code}", headers=VIA_PROXY)
        cookie = cookies_of(page)[DEVICE_COOKIE][DEVICE_COOKIE]
        assert cookie["secure"] and cookie["httponly"] and cookie["samesite"] == "Lax"
        token = {"Cookie": f"{DEVICE_COOKIE}={cookie.value}"}
        headers = {**FORM_HEADERS, **token}
        for path, form in (
            (f"/{code}/react", {"kind": "useful"}),
            (f"/{code}/feedback", {"rating": "4"}),
            (f"/{code}/commit", {"try_text": "Exit tickets"}),
        ):
            response = await c.post(path, data=form, headers=headers, allow_redirects=False)
            assert response.status == 303, path
        links = make_links(small_db)
        me = await c.get(f"/me/{links['AdaA']}", headers={**VIA_PROXY, **token})
        assert cookies_of(me)["bigconv_me"]["bigconv_me"]["secure"]
    assert table(small_db, "SELECT kind FROM reactions") == [("useful",)]
    assert table(small_db, "SELECT rating FROM feedback") == [(4,)]
    assert table(small_db, "SELECT try_text FROM commitments") == [("Exit tickets",)]


async def test_forged_forwarded_headers_from_an_untrusted_peer_are_ignored(
    small_event, small_db, clock, codes
):
    code = codes["Phonics"]
    for options in ({}, {"trusted_proxies": ["10.0.0.0/8"]}):  # 127.0.0.1 is not trusted
        async with server(small_event, small_db, clock, **options) as c:
            page = await c.get(f"/{code}", headers=VIA_PROXY)
            cookie = cookies_of(page)[DEVICE_COOKIE][DEVICE_COOKIE]
            assert not cookie["secure"]  # the forged X-Forwarded-Proto changed nothing
            headers = {**FORM_HEADERS, "Cookie": f"{DEVICE_COOKIE}={cookie.value}"}
            for path, form in ((f"/{code}/react", {"kind": "useful"}), (f"/{code}/commit", {})):
                response = await c.post(path, data=form, headers=headers)
                assert response.status == 403, (options, path)
            forged_host = {"X-Forwarded-Host": "rebound.example", "X-Forwarded-Proto": "https"}
            assert (await c.get("/api/about", headers=forged_host)).status == 200
    assert table(small_db, "SELECT count(*) FROM reactions") == [(0,)]


async def test_a_trusted_proxys_host_must_be_one_of_ours(small_event, small_db, clock):
    async with server(small_event, small_db, clock, trusted_proxies=["127.0.0.0/8"]) as c:
        assert (await c.get("/api/about", headers=VIA_PROXY)).status == 200
        other = {**VIA_PROXY, "X-Forwarded-Host": "rebound.example"}
        assert (await c.get("/api/about", headers=other)).status == 421


async def test_rate_limits_count_the_client_a_trusted_proxy_names(
    small_event, small_db, clock, codes
):
    """Behind the proxy each client is its own address: one address's share of new device
    tokens is spent, another's is not (the TCP peer, the proxy, is the same for both)."""
    app = make_web_app(
        small_db,
        load_event(small_event),
        clock=clock,
        limits=PhoneLimits(new_devices=1),
        allow_hosts=["cpd.example.org"],
        trusted_proxies=["127.0.0.1"],
    )
    async with TestClient(TestServer(app, host="127.0.0.1")) as c:

        async def new_token(client_ip: str) -> bool:
            c.session.cookie_jar.clear()
            headers = {**VIA_PROXY, "X-Forwarded-For": f"198.51.100.1, {client_ip}"}
            page = await c.get(f"/{codes['Phonics']}", headers=headers)
            return DEVICE_COOKIE in cookies_of(page)

        assert await new_token("203.0.113.7")
        assert not await new_token("203.0.113.7")  # its share is spent
        assert await new_token("203.0.113.8")  # another client behind the same proxy


def test_the_client_is_the_rightmost_address_no_trusted_proxy_added():
    proxies = (parse_proxy("127.0.0.1"), parse_proxy("10.0.0.0/8"))
    assert client_address("203.0.113.7", proxies) == "203.0.113.7"
    # whatever the client claimed on the left is not believed
    assert client_address("1.2.3.4, 203.0.113.7, 10.1.2.3", proxies) == "203.0.113.7"
    assert client_address("127.0.0.1", proxies) is None
    assert client_address("not-an-address", proxies) is None
    assert client_address(None, proxies) is None


async def test_one_origin_rule_for_every_sites_posts(small_event, small_db, clock, codes):
    """Origin, else Referer, must name this site; with neither, only a JSON body passes."""
    code = codes["Phonics"]
    links = make_links(small_db)
    app = make_web_app(small_db, load_event(small_event), clock=clock, staff=True)
    async with TestClient(TestServer(app, host="127.0.0.1")) as c:
        await c.get(f"/{code}")  # the device token
        here = f"http://{c.host}:{c.port}"
        forms = [
            (f"/{code}/react", {"kind": "useful"}),
            (f"/{code}/commit", {"try_text": "Mini whiteboards"}),
            (f"/me/{links['AdaA']}", {}),
            ("/staff/login", {"passcode": "wrong"}),
        ]
        for path, form in forms:
            for headers in ({}, {"Origin": "null"}, {"Referer": "http://evil.example/x"}):
                response = await c.post(path, data=form, headers=headers, allow_redirects=False)
                assert response.status == 403, (path, headers)
            for kind, headers in (("useful", {"Origin": here}), ("insight", {"Referer": here})):
                form = {**form, "kind": kind} if "kind" in form else form  # no cooldown
                response = await c.post(path, data=form, headers=headers, allow_redirects=False)
                assert response.status in (303, 401), (path, headers)
        api = f"/api/{code}/reactions"
        assert (await c.post(api, json={"kind": "love"})).status == 200  # curl, a script
        plain = {"Content-Type": "text/plain"}  # what another site's page could send
        assert (await c.post(api, data='{"kind": "insight"}', headers=plain)).status == 403
    assert table(small_db, "SELECT kind FROM reactions ORDER BY id") == [
        ("useful",),
        ("insight",),
        ("love",),
    ]


async def test_an_origin_with_the_default_port_written_names_the_site(
    small_event, small_db, clock, codes
):
    async with server(small_event, small_db, clock, trusted_proxies=["127.0.0.1"]) as c:
        page = await c.get(f"/{codes['Phonics']}", headers=VIA_PROXY)
        token = cookies_of(page)[DEVICE_COOKIE][DEVICE_COOKIE].value
        for origin in ("https://cpd.example.org:443", "https://CPD.example.org"):
            headers = {**VIA_PROXY, "Origin": origin, "Cookie": f"{DEVICE_COOKIE}={token}"}
            response = await c.post(
                f"/api/{codes['Phonics']}/feedback", json={"rating": 5}, headers=headers
            )
            assert response.status == 201, origin
        wrong = {**VIA_PROXY, "Origin": "https://cpd.example.org:8443"}
        response = await c.post(f"/api/{codes['Phonics']}/feedback", json={}, headers=wrong)
        assert response.status == 403


def test_one_signer():
    key = b"k" * 32
    token = signed(key, "abc")
    assert token == f"abc.{sign(key, 'abc')}" and len(sign(key, "abc")) == 32
    assert unsign(key, token) == "abc"
    assert unsign(b"other", token) is None
    assert unsign(key, "abc." + "0" * 32) is None
    assert unsign(key, "abc") is None and unsign(key, "") is None
    full = hmac.new(key, b"abc", "sha256").hexdigest()  # staff logins made before
    assert unsign(key, f"abc.{full}") == "abc"


def test_a_bad_trusted_proxy_is_refused_clearly(small_event, small_db):
    done = run_cli("serve", small_event, "--trusted-proxy", "proxy.example.org")
    assert done.returncode == 2
    assert "--trusted-proxy" in done.stderr and "Traceback" not in done.stderr


def test_a_trusted_proxy_is_not_held_to_one_addresss_share_of_connections(small_event, small_db):
    app = make_web_app(small_db, load_event(small_event), trusted_proxies=["127.0.0.1"])
    guard = app[GUARD]
    guard.caps = ConnectionCaps(total=100, idle=75, per_address=2)

    class Transport:
        def __init__(self, address: str):
            self.address = address

        def get_extra_info(self, name: str):
            return (self.address, 40000) if name == "peername" else None

    proxy = [guard.admit(object(), Transport("127.0.0.1")) for _ in range(5)]
    other = [guard.admit(object(), Transport("127.0.0.2")) for _ in range(3)]
    assert proxy == [True] * 5 and other == [True, True, False]
