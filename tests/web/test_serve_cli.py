"""`bigconv serve` from the command line: prints the phone address, serves, refuses a busy port."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
import urllib.request

from tests.conftest import run_cli


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
    assert done.returncode == 1
    assert "cannot listen on 127.0.0.1" in done.stderr and "Traceback" not in done.stderr
