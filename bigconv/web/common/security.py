"""One security module for the three web sites (phone, personal links, staff stations).

- **The request as the client made it.** Behind a reverse proxy (TLS on the internet, Caddy
  or nginx) the TCP peer is the proxy: its `X-Forwarded-Proto`, `X-Forwarded-Host` and
  `X-Forwarded-For` give the scheme, host and client address, but only a configured trusted
  proxy is believed (`serve --trusted-proxy ADDR`); anyone else's are ignored. `forwarded`
  is the first middleware: every check after it (Host allow-list, origin, rate limits,
  cookies' `Secure`) sees the effective request.
- **One origin rule for every POST** (`post_allowed`).
- **One signer** (`sign`, `signed`, `unsign`: HMAC-SHA256) and one kind of device cookie
  (`DeviceCookie`), each site keeping its own cookie name, path and attributes.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import re
import secrets
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import Literal
from urllib.parse import urlsplit

from aiohttp import web

from bigconv.net import host_allowed
from bigconv.web.common.limits import RateLimit

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
DEFAULT_PORTS = {"http": 80, "https": 443, "ws": 80, "wss": 443}
FORWARDED_HOST = web.RequestKey("bigconv_forwarded_host", bool)  # the host is a proxy's
HOST_RE = re.compile(r"[A-Za-z0-9.\-]+(:[0-9]{1,5})?|\[[0-9A-Fa-f:.]+\](:[0-9]{1,5})?")

# -- trusted proxies ---------------------------------------------------------------------------


def parse_proxy(value: str) -> Network:
    """An address or network (`127.0.0.1`, `10.0.0.0/8`, `::1`); ValueError for anything else."""
    return ipaddress.ip_network(value.strip(), strict=False)


def trusted(address: str | None, proxies: Iterable[Network]) -> bool:
    """True if `address` (a TCP peer) is one of the trusted proxies."""
    try:
        ip = ipaddress.ip_address((address or "").strip("[]"))
    except ValueError:
        return False
    return any(ip in network for network in proxies)


def _last(value: str | None) -> str:
    """The last of a comma-separated header's values: the one the nearest proxy set."""
    return (value or "").rpartition(",")[2].strip()


def client_address(chain: str | None, proxies: tuple[Network, ...]) -> str | None:
    """The client in an `X-Forwarded-For` chain: the rightmost address that is not a trusted
    proxy (the left part is whatever the client claimed); None if there is none."""
    for entry in reversed((chain or "").split(",")):
        entry = entry.strip()
        try:
            ipaddress.ip_address(entry)
        except ValueError:
            return None  # garbage where an address should be: believe nothing further left
        if not trusted(entry, proxies):
            return entry
    return None


def forwarded(proxies: Iterable[Network]) -> Callable:
    """A middleware giving each request from a trusted proxy the scheme, host and client
    address the proxy says (`request.clone`); from any other peer those headers are ignored."""
    proxies = tuple(proxies)

    @web.middleware
    async def middleware(request: web.Request, handler) -> web.StreamResponse:
        if not proxies or not trusted(request.remote, proxies):
            return await handler(request)
        proto = _last(request.headers.get("X-Forwarded-Proto")).lower()
        host = _last(request.headers.get("X-Forwarded-Host"))
        if host_named := bool(HOST_RE.fullmatch(host)):
            request[FORWARDED_HOST] = True
        client = client_address(request.headers.get("X-Forwarded-For"), proxies)
        request = request.clone(
            scheme=proto if proto in ("http", "https") else request.scheme,
            host=host if host_named else request.host,
            remote=client if client is not None else (request.remote or ""),
        )
        return await handler(request)

    return middleware


def host_header(request: web.Request) -> str | None:
    """The host this request names (a trusted proxy's `X-Forwarded-Host`, else `Host`), or
    None if it names none (HTTP/1.0)."""
    if request.get(FORWARDED_HOST):
        return request.host
    return request.headers.get("Host")


# -- the origin rule ---------------------------------------------------------------------------


def _authority(scheme: str, netloc: str) -> tuple[str, str, int | None]:
    parts = urlsplit(f"{scheme}://{netloc}")
    port = parts.port or DEFAULT_PORTS.get(scheme)  # ValueError for a port that is no number
    return scheme, (parts.hostname or "").rstrip("."), port


def names_this_site(url: str, request: web.Request) -> bool:
    """True if `url` (an Origin or a Referer) has this request's effective scheme, host and
    port (a default port written or not)."""
    try:
        parts = urlsplit(url)
        if not parts.netloc:
            return False
        theirs = _authority(parts.scheme.lower(), parts.netloc)
        ours = _authority(request.scheme.lower(), request.host)
    except ValueError:
        return False
    return theirs == ours


def post_allowed(request: web.Request) -> bool:
    """The one rule for a POST on every site: its `Origin` header, else its `Referer`, must
    name this site (modern browsers send Origin with every post; an old phone browser may send
    only Referer, which the pages' `Referrer-Policy: same-origin` keeps). A post with neither
    is allowed only with a JSON body (`Content-Type: application/json`): no page on another
    site can send that without the browser asking first (CORS), and bigconv never says yes;
    scripts and `curl` use the JSON API so. A form post with neither is refused."""
    for header in ("Origin", "Referer"):
        if (value := request.headers.get(header)) is not None:
            return names_this_site(value, request)
    return request.content_type == "application/json"


def websocket_allowed(request: web.Request) -> bool:
    """A websocket opens only from a page of this site: browsers always send Origin with one."""
    return names_this_site(request.headers.get("Origin") or "", request)


# -- the signer --------------------------------------------------------------------------------

MAC_LENGTH = 32  # hex digits of HMAC-SHA256 kept: 128 bits


def sign(key: bytes, value: str) -> str:
    """The MAC of `value` under `key`: HMAC-SHA256, its first MAC_LENGTH hex digits."""
    return hmac.new(key, value.encode(), hashlib.sha256).hexdigest()[:MAC_LENGTH]


def signed(key: bytes, value: str) -> str:
    """`VALUE.MAC`, what a signed cookie holds."""
    return f"{value}.{sign(key, value)}"


def unsign(key: bytes, token: str) -> str | None:
    """The value of a `VALUE.MAC` token signed under `key`, else None. A full-length MAC (64
    hex digits: staff logins made before the signers were one) is still accepted."""
    value, _, mac = token.rpartition(".")
    if not (value and value.isascii() and mac.isascii() and len(mac) in (MAC_LENGTH, 64)):
        return None
    full = hmac.new(key, value.encode(), hashlib.sha256).hexdigest()
    return value if hmac.compare_digest(mac, full[: len(mac)]) else None


# -- cookies -----------------------------------------------------------------------------------

SameSite = Literal["Lax", "Strict"]


def set_cookie(
    response: web.StreamResponse,
    request: web.Request,
    name: str,
    value: str,
    *,
    max_age: int,
    path: str,
    samesite: SameSite,
) -> None:
    """Every cookie bigconv sets: HttpOnly, and Secure when the request came over https (at
    the server, or at a trusted proxy)."""
    response.set_cookie(
        name,
        value,
        max_age=max_age,
        path=path,
        httponly=True,
        samesite=samesite,
        secure=request.secure,
    )


DEVICE_RE = re.compile(r"[A-Za-z0-9_-]{22}")


@dataclass
class DeviceCookie:
    """A browser's random, anonymous device id in a signed cookie; `per_address` bounds how
    many new ones one address gets per its window."""

    name: str
    path: str
    max_age: int
    samesite: SameSite
    key: Callable[[], Awaitable[bytes]]
    per_address: RateLimit

    async def read(self, request: web.Request) -> str | None:
        """The device id of a cookie this site issued, else None."""
        value = unsign(await self.key(), request.cookies.get(self.name, ""))
        return value if value is not None and DEVICE_RE.fullmatch(value) else None

    async def give(self, request: web.Request, response: web.StreamResponse) -> str | None:
        """This browser's device id: its cookie's, else a new one set on `response`; None if
        its address has had its share of new ones for now."""
        if (known := await self.read(request)) is not None:
            return known
        address = request.remote or "unknown"
        if self.per_address.wait(address):
            return None
        self.per_address.failed(address)
        value = secrets.token_urlsafe(16)
        set_cookie(
            response,
            request,
            self.name,
            signed(await self.key(), value),
            max_age=self.max_age,
            path=self.path,
            samesite=self.samesite,
        )
        return value


MISDIRECTED = "Misdirected request: this server does not answer to that name.\n"


def host_check(names: frozenset[str]):
    """A middleware answering only requests whose Host names this server (`net.served_names`,
    or the address the connection arrived on): a page reached under another name (a DNS
    rebinding attack, a proxy nobody allowed) gets a short 421, plain text."""

    @web.middleware
    async def middleware(request: web.Request, handler) -> web.StreamResponse:
        sock = request.transport.get_extra_info("sockname") if request.transport else None
        local = str(sock[0]) if sock else None
        if not host_allowed(host_header(request), names, local):
            return web.Response(status=421, text=MISDIRECTED, headers={"Cache-Control": "no-store"})
        return await handler(request)

    return middleware
