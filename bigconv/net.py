"""Which address phones should use to reach this laptop."""

from __future__ import annotations

import socket

DEFAULT_PORT = 8000


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


def phone_base_url(base_url: str | None, port: int = DEFAULT_PORT) -> str:
    """The event's base_url if it sets one, else http://LAN-ADDRESS:PORT."""
    if base_url:
        return base_url.rstrip("/")
    return f"http://{lan_address()}:{port}"


def session_url(base: str, code: str) -> str:
    return f"{base.rstrip('/')}/{code}"
