"""One phone address, known everywhere: the posters' address is recorded when they are made;
`serve` warns when it gives phones another, or when base_url names this computer on another
port than the one it listens on; a command that only prints the address refuses a --port it
would not use; `init` says that base_url changed."""

from __future__ import annotations

import subprocess
import sys

from tests.helpers.db import table
from tests.helpers.processes import free_port, run_cli, wait_until_up


def set_base_url(small_event, url: str) -> None:
    text = small_event.read_text(encoding="utf-8")
    small_event.write_text(
        text.replace('base_url = "http://192.0.2.10:8000"', f'base_url = "{url}"'),
        encoding="utf-8",
    )


async def serve_output(small_event, port: int, *options: str) -> tuple[str, str]:
    """What `serve` says once it listens (on 127.0.0.1:port), then stopped."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "bigconv", "serve", str(small_event), "--host", "127.0.0.1",
         "--port", str(port), "--backup-minutes", "0", "--no-staff", *options],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        await wait_until_up(f"http://127.0.0.1:{port}", proc)
    finally:
        proc.terminate()
        out, err = proc.communicate(timeout=30)
    return out, err


async def test_serve_warns_when_base_url_is_this_computer_on_another_port(small_event, small_db):
    printed, listening = free_port(), free_port()
    set_base_url(small_event, f"http://127.0.0.1:{printed}")
    out, err = await serve_output(small_event, listening)
    assert f"Phone site: http://127.0.0.1:{printed}/CODE" in out
    [warning] = [line for line in err.splitlines() if "(base_url)" in line]
    assert f"http://127.0.0.1:{printed} (base_url) is this computer on port {printed}" in warning
    assert f"listens on port {listening}" in warning and f"--port {printed}" in warning
    assert "--public-url" in warning
    _, fine = await serve_output(small_event, printed)  # where base_url says: nothing to say
    assert "(base_url)" not in fine


def test_qr_refuses_a_port_that_base_url_would_leave_unused(small_event, small_db, tmp_path):
    out = tmp_path / "codes"
    refused = run_cli("qr", small_event, "--out", out, "--port", "8304")
    assert refused.returncode == 2 and refused.stderr.count("\n") == 1
    assert "--port 8304 is not used: the event file's base_url (http://192.0.2.10:8000)" in (
        refused.stderr
    )
    assert "--public-url http://HOST:PORT" in refused.stderr
    assert not out.exists()
    done = run_cli("qr", small_event, "--out", out, "--public-url", "http://192.0.2.10:8304")
    assert done.returncode == 0, done.stderr
    assert "http://192.0.2.10:8304/" in (out / "posters.html").read_text(encoding="utf-8")


async def test_qr_records_the_address_it_printed_and_serve_warns_when_it_gives_another(
    small_event, small_db, tmp_path
):
    assert run_cli("qr", small_event, "--out", tmp_path / "codes").returncode == 0
    [(recorded,)] = table(small_db, "SELECT value FROM meta WHERE key = 'printed_address'")
    assert '"url": "http://192.0.2.10:8000"' in recorded and '"by": "qr"' in recorded
    port = free_port()
    other = f"http://127.0.0.1:{port}"
    _, err = await serve_output(small_event, port, "--public-url", other)
    [warning] = [line for line in err.splitlines() if "posters" in line]
    assert "show http://192.0.2.10:8000" in warning and f"phones are sent to {other}" in warning
    assert "reprint them (bigconv qr)" in warning
    assert "--public-url http://192.0.2.10:8000" in warning


def test_init_says_base_url_changed_and_that_the_posters_show_the_old_one(
    small_event, small_db, tmp_path
):
    assert run_cli("qr", small_event, "--out", tmp_path / "codes").returncode == 0
    set_base_url(small_event, "http://192.0.2.10:8304")
    done = run_cli("init", small_event)
    assert done.returncode == 0, done.stderr
    assert "Event: no changes." not in done.stdout
    assert (
        "Event: changed 1: base_url 'http://192.0.2.10:8000' -> 'http://192.0.2.10:8304'"
        in done.stdout
    )
    assert "posters and QR codes" in done.stderr and "show http://192.0.2.10:8000" in done.stderr
    again = run_cli("init", small_event)
    assert "Event: no changes." in again.stdout
