"""Which address phones should use to reach this laptop: one answer for every screen and code.

Every URL bigconv shows or encodes (QR codes, headers, posters, the sessions list, browser
stations) comes from `phone_base_url`: `--public-url` when given, else the event's `base_url`
when it sets one, else the host and port the phone site actually listens on.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Iterable
from urllib.parse import urlsplit

DEFAULT_HOST = "0.0.0.0"
DEFAULT_PORT = 8000
WILDCARD_HOSTS = {"", "0.0.0.0", "::", "*"}


def lan_address() -> str:
    """This machine's address on the default route (no packet is sent), else its host name."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        sock.connect(("192.0.2.1", 9))  # TEST-NET-1: a UDP connect only picks the route
        address = sock.getsockname()[0]
    except OSError:
        address = ""
    finally:
        sock.close()
    if not address or address.startswith("127."):
        return socket.gethostname()
    return address


def is_loopback(host: str) -> bool:
    """True when a server listening on `host` can be reached from this machine only."""
    if host.strip().casefold() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def phone_base_url(
    base_url: str | None,
    port: int = DEFAULT_PORT,
    host: str = DEFAULT_HOST,
    *,
    public_url: str | None = None,
) -> str:
    """The phone site's address, the one rule for it: `public_url` (`--public-url`, or what the
    process serving the phones says) if given, else the event's base_url if it sets one, else
    http://HOST:PORT for the address listened on (this machine's LAN address when listening on
    every interface). Never with a trailing slash."""
    for given in (public_url, base_url):
        if given:
            return given.rstrip("/")
    address = lan_address() if host.strip() in WILDCARD_HOSTS else host.strip()
    if ":" in address and not address.startswith("["):
        address = f"[{address}]"  # an IPv6 literal in a URL
    return f"http://{address}:{port}"


def loopback_warning(host: str) -> str | None:
    """A one-line warning when the phone site listens only on this machine's loopback."""
    if not is_loopback(host):
        return None
    return (
        f"Listening on {host} only: phones and other computers cannot reach this site "
        "(use --host 0.0.0.0 to serve the venue's network)."
    )


def printed_warning(served: str, printed: str, made: str) -> str | None:
    """One line when the posters and QR codes (made at `made`) show another address than
    `served`, the one phones are given here; None when they agree."""
    if printed.rstrip("/") == served.rstrip("/"):
        return None
    return (
        f"Warning: the posters and QR codes (made {made}) show {printed}, but phones are sent"
        f" to {served} here: reprint them (bigconv qr), or give --public-url {printed} if that"
        " address reaches this site."
    )


def port_warning(served: str, host: str, port: int) -> str | None:
    """One line when `served` (http://, the event's base_url) names this computer on another
    port than `port`, where the site listens: phones following it find nothing. An https://
    address is a proxy's (it forwards to whatever port it was told): no warning."""
    parts = urlsplit(served)
    if parts.scheme != "http" or not parts.hostname:
        return None
    if host_name(parts.hostname) not in served_names(host):
        return None
    there = parts.port or 80
    if there == port:
        return None
    return (
        f"Warning: {served} (base_url) is this computer on port {there}, but this site listens"
        f" on port {port}: phones sent there find nothing. Listen with --port {there}, or give"
        " --public-url with the address that reaches this site (and reprint the posters)."
    )


def session_url(base: str, code: str) -> str:
    return f"{base.rstrip('/')}/{code}"


def host_name(value: str) -> str:
    """The name in a Host header or URL authority, without its port: 'a.b:80' -> 'a.b',
    '[::1]:80' -> '::1' (lower case, no trailing dot)."""
    value = value.strip().casefold()
    if value.startswith("["):
        value = value[1 : value.find("]")] if "]" in value else value[1:]
    elif value.count(":") == 1:
        value = value.partition(":")[0]
    return value.rstrip(".")


def served_names(
    listen_host: str | None = None, urls: Iterable[str | None] = (), extra: Iterable[str] = ()
) -> frozenset[str]:
    """The names a request's Host header may give for this server: this machine's own names
    (localhost, its host name, its LAN address), the address it listens on, the hosts of
    `urls` (the phone address shown, the event's base_url) and `extra` (`--allow-host`).
    Any address of this machine a connection arrives on is allowed besides (`host_allowed`)."""
    hostname = socket.gethostname()
    names = {"localhost", "127.0.0.1", "::1", hostname, f"{hostname}.local", lan_address()}
    if listen_host and listen_host.strip() not in WILDCARD_HOSTS:
        names.add(listen_host)
    for url in urls:
        if url and (found := urlsplit(url).hostname):
            names.add(found)
    return frozenset(host_name(n) for n in [*names, *extra] if n)


def host_allowed(header: str | None, names: frozenset[str], local_address: str | None) -> bool:
    """True if a Host header names this server: one of `names`, or the very address the
    connection arrived on. A request without one (HTTP/1.0; no browser sends that) passes."""
    if header is None:
        return True
    name = host_name(header)
    return name in names or (local_address is not None and name == host_name(local_address))
