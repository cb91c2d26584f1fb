"""`bigconv serve` from the command line: prints the phone address, serves, refuses a busy port."""

from __future__ import annotations

import asyncio
import contextlib
import json
import resource
import socket
import subprocess
import sys
import time
import urllib.request

from tests.helpers.processes import free_port, run_cli
from tests.helpers.web import about_from


def test_serve_prints_the_phone_address_and_serves(small_event, small_db):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    cmd = [
        sys.executable,
        "-m",
        "bigconv",
        "serve",
        str(small_event),
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
    ]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        line = proc.stdout.readline()
        assert line.startswith("Phone site: http://192.0.2.10:8000/CODE"), line
        for _ in range(100):
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/about", timeout=2) as r:
                    assert json.load(r)["app"] == "bigconv"
                break
            except OSError:
                time.sleep(0.05)
        else:
            raise AssertionError("the site never answered")
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_serve_on_a_busy_port_is_refused(small_event, small_db):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        done = run_cli("serve", small_event, "--host", "127.0.0.1", "--port", str(port))
    assert done.returncode == 2  # bad input: the port given (tests/cli/test_cli_serve_port.py)
    assert "cannot listen on 127.0.0.1" in done.stderr and "Traceback" not in done.stderr


def few_files() -> None:
    """Run in the child before `bigconv serve`: a machine allowing only 256 open files."""
    resource.setrlimit(resource.RLIMIT_NOFILE, (256, 256))


async def test_idle_connections_cannot_use_up_a_small_file_limit(small_event, small_db):
    """With 256 open files allowed, 300 idle connections from one address are held (or shut)
    while another address still gets an answer within seconds."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    cmd = [sys.executable, "-m", "bigconv", "serve", str(small_event)]
    cmd += ["--host", "127.0.0.1", "--port", str(port), "--backup-minutes", "0"]
    proc = subprocess.Popen(
        cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, preexec_fn=few_files
    )
    held = []
    try:
        async with asyncio.timeout(30):
            while True:
                with contextlib.suppress(OSError):
                    if await about_from(base, "127.0.0.2") == 200:
                        break
                await asyncio.sleep(0.1)
        for _ in range(300):
            held.append(await asyncio.open_connection("127.0.0.1", port))
        await asyncio.sleep(0.5)  # the server has accepted (or shut) what it could
        for attempt in range(3):  # another address, while all 300 are held open by us
            assert await about_from(base, "127.0.0.2") == 200, attempt
    finally:
        for _, writer in held:
            writer.close()
        proc.terminate()
        proc.wait(timeout=10)
