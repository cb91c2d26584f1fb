"""`bigconv serve` on a port another program holds: nothing is announced, one line names the
port and what to do, exit 2. Announced only once the port is bound."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from tests.helpers.events import copy_day
from tests.helpers.processes import run_cli
from tests.helpers.users import give_to_user, reachable_tmp, run_cli_as_user


def test_serve_on_a_busy_port_announces_nothing(small_event, small_db):
    with socket.socket() as held:
        held.bind(("127.0.0.1", 0))
        held.listen()
        port = held.getsockname()[1]
        done = run_cli("serve", small_event, "--host", "127.0.0.1", "--port", port)
    assert done.returncode == 2, (done.stdout, done.stderr)
    assert "listening" not in done.stdout and "Phone site" not in done.stdout, done.stdout
    assert "passcode" not in done.stdout
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in done.stderr, done.stderr
    assert f"port {port}" in lines[0] and "--port" in lines[0]


def test_serve_on_an_address_not_of_this_computer_says_so(small_event, small_db):
    """Not "is bigconv already serving? try --port": the --host is what is wrong."""
    done = run_cli("serve", small_event, "--host", "192.0.2.1", "--port", "8123")
    assert done.returncode == 2, (done.stdout, done.stderr)
    assert "listening" not in done.stdout
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert "192.0.2.1 is not an address of this computer" in lines[0] and "--host" in lines[0]


def test_serve_on_a_port_that_needs_rights_says_so(small_event, small_db):
    first_free = int(Path("/proc/sys/net/ipv4/ip_unprivileged_port_start").read_text())
    if first_free <= 80:
        pytest.skip("this machine lets anyone listen on port 80")
    with reachable_tmp() as tmp:
        copy_day(small_event.parent, tmp)
        give_to_user(tmp)
        done = run_cli_as_user("serve", tmp / "small.toml", "--host", "127.0.0.1", "--port", 80)
    assert done.returncode == 2, (done.stdout, done.stderr)
    assert "listening" not in done.stdout
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert "port 80 needs administrator rights" in lines[0] and "above 1023" in lines[0]
