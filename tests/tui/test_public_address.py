"""One phone address and one clock per process: what a QR code encodes is what is served.

The small event here has no base_url, so every address comes from where the phone site
listens; the codes are read back with zbarimg and the URLs fetched from the running server.
"""

from __future__ import annotations

import datetime as dt
import re
import subprocess
import sys
import time
from pathlib import Path

import aiohttp
import pytest

from bigconv.cli.compose import make_station_app
from bigconv.core.clock import OffsetClock, parse_iso, utcnow
from bigconv.data import database
from bigconv.net import is_loopback, loopback_warning, phone_base_url
from bigconv.services.setup import initialise, load
from bigconv.tui.config import StationConfig
from bigconv.tui.widgets.qr import QrCode
from bigconv.web.server import STAFF_APP, make_web_app
from bigconv.web.stations.app import STAFF_SITE
from tests.helpers.processes import bigconv, free_port, require_tool
from tests.helpers.qr import half_blocks_to_png, rendered_lines, zbar
from tests.helpers.terminal import DEADLINE, Pane, qr_from_pane
from tests.helpers.tui import MORNING, started

# Some of these run a station in a real terminal (tests/helpers/terminal.py starts tmux).
pytestmark = pytest.mark.tmux


@pytest.fixture
def local_event(small_event: Path) -> Path:
    """The small event without base_url: the address must come from where it is served."""
    text = small_event.read_text(encoding="utf-8")
    small_event.write_text(re.sub(r"(?m)^base_url = .*\n", "", text), encoding="utf-8")
    initialise(load(small_event, None)).db.close()
    return small_event


def phonics_code(db_path: Path) -> str:
    db = database.connect(db_path)
    try:
        return db.execute("SELECT code FROM sessions WHERE title = 'Phonics'").fetchone()[0]
    finally:
        db.close()


def test_base_url_follows_the_listening_host_and_port():
    assert phone_base_url(None, 8765, "127.0.0.1") == "http://127.0.0.1:8765"
    assert phone_base_url(None, 8765, "192.0.2.7") == "http://192.0.2.7:8765"
    assert phone_base_url(None, 8765, "::1") == "http://[::1]:8765"
    assert phone_base_url(None, 8765, "0.0.0.0").endswith(":8765")
    assert phone_base_url("https://conf.example.org/", 8765, "127.0.0.1") == (
        "https://conf.example.org"
    )
    # --public-url wins over the event's base_url and the listening address, slash and all.
    public = phone_base_url(
        "https://conf.example.org", 8765, "0.0.0.0", public_url="https://x.test/"
    )
    assert public == "https://x.test"
    assert is_loopback("127.0.0.1") and is_loopback("localhost") and is_loopback("::1")
    assert not is_loopback("0.0.0.0") and not is_loopback("192.0.2.7")
    assert "127.0.0.1 only" in loopback_warning("127.0.0.1")
    assert loopback_warning("0.0.0.0") is None


async def test_room_qr_header_and_phone_site_share_the_served_port(local_event, tmp_path):
    """A non-default port: the QR decodes to it, it answers there, and the app's rehearsal
    clock drives the phone site and stamps the reactions it stores."""
    require_tool("zbarimg")
    ctx = load(local_event, None)
    port = free_port()
    app = make_station_app(
        ctx.db_path,
        StationConfig(
            mode="room",
            room="Room A",
            event=ctx.event,
            clock=lambda: MORNING,
            serve_port=port,
            serve_host="127.0.0.1",
        ),
    )
    code = phonics_code(ctx.db_path)
    url = f"http://127.0.0.1:{port}/{code}"
    async with app.run_test(size=(100, 30)) as pilot:
        header = await started(app, pilot)
        assert f"Phones: http://127.0.0.1:{port}" in header
        assert "127.0.0.1 only" in header  # nothing off this machine can reach it
        lines = rendered_lines(app.screen.query_one("#qr", QrCode))
        # unsafe: keeps the device token the session page gives, though the host is an address
        async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as client:
            async with client.get(url) as r:
                assert r.status == 200 and "Phonics" in await r.text()
            async with client.get(f"http://127.0.0.1:{port}/") as r:
                assert f'href="/{code}"' in await r.text()  # "running now" by the app's clock
            async with client.post(
                f"http://127.0.0.1:{port}/api/{code}/reactions", json={"kind": "love"}
            ) as r:
                assert r.status == 200
        stamped = app.db.execute("SELECT at FROM reactions").fetchone()[0]
    assert zbar(half_blocks_to_png(lines, tmp_path / "room.png")) == url
    assert parse_iso(stamped) == MORNING


# -- real processes -----------------------------------------------------------------------------


def test_run_with_a_port_encodes_it_and_its_clock_drives_the_phone_site(local_event, tmp_path):
    require_tool("zbarimg")
    port = free_port()
    code = phonics_code(load(local_event, None).db_path)
    pane = Pane(
        bigconv("run", str(local_event), "--mode", "room", "--room", "Room A", "--host", "127.0.0.1",
                "--port", str(port), "--at", "10:15", "--backup-minutes", "0"),
        tmp_path,
    )  # fmt: skip
    try:
        pane.wait_for(f"http://127.0.0.1:{port}/{code}")
        assert pane.qr(tmp_path / "pane.png") == f"http://127.0.0.1:{port}/{code}"
        pane.wait_for("Phones:")
        index = wait_get(f"http://127.0.0.1:{port}/")
        assert f'href="/{code}"' in index  # 10:15 on the event day by `--at`, not today's time
    finally:
        pane.close()


def test_browser_station_shows_the_serving_address_and_clock(local_event, tmp_path):
    """The command `serve` starts for each browser station carries its address and clock."""
    require_tool("zbarimg")
    ctx = load(local_event, None)
    # Deliberate clock read: `serve --at` hands its stations an offset from this machine's
    # clock (faked or not), which the station process adds to the same clock.
    offset = dt.datetime(2026, 11, 27, 10, 15, tzinfo=dt.UTC) - utcnow()
    public = "http://192.0.2.44:8765"
    web_app = make_web_app(
        ctx.db_path, ctx.event, staff=True, clock=OffsetClock(offset), public_url=public
    )
    command = web_app[STAFF_APP][STAFF_SITE].command
    assert "--public-url" in command and "--clock-offset" in command
    code = phonics_code(ctx.db_path)
    # The station as a browser would start it, then opened on the room screen.
    pane = Pane(command + " --mode room --room 'Room A'", tmp_path)
    try:
        text = pane.wait_for(f"{public}/{code}")
        assert "on now" in text  # the rehearsal clock: 10:15 on the event day
        png = half_blocks_to_png(qr_from_pane(text), tmp_path / "station.png")
        assert zbar(png) == f"{public}/{code}"
    finally:
        pane.close()


def wait_get(url: str) -> str:
    import urllib.request

    end = time.monotonic() + DEADLINE
    while True:
        try:
            with urllib.request.urlopen(url, timeout=5) as r:
                return r.read().decode()
        except OSError:
            if time.monotonic() > end:
                raise
            time.sleep(0.2)


def test_serve_at_drives_the_phone_site_and_stamps_feedback(local_event, tmp_path):
    import json
    import urllib.request

    ctx = load(local_event, None)
    port = free_port()
    code = phonics_code(ctx.db_path)
    process = subprocess.Popen(
        [sys.executable, "-m", "bigconv", "serve", str(local_event), "--host", "127.0.0.1",
         "--port", str(port), "--at", "10:15", "--backup-minutes", "0", "--no-staff"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        index = wait_get(f"http://127.0.0.1:{port}/")
        assert f'href="/{code}"' in index
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/{code}", timeout=10) as page:
            token = page.headers["Set-Cookie"].split(";")[0]  # the device token it gives
        request = urllib.request.Request(
            f"http://127.0.0.1:{port}/api/{code}/feedback",
            data=json.dumps({"rating": 5, "comment": "good"}).encode(),
            headers={"Content-Type": "application/json", "Cookie": token},
        )
        with urllib.request.urlopen(request, timeout=10) as r:
            assert r.status == 201
    finally:
        process.terminate()
        out, err = process.communicate(timeout=30)
    assert f"http://127.0.0.1:{port}/CODE" in out
    assert "127.0.0.1 only" in err
    db = database.connect(ctx.db_path.with_name("small.rehearsal.db"))  # a rehearsal's copy
    at = parse_iso(db.execute("SELECT at FROM feedback").fetchone()[0])
    db.close()
    start = dt.datetime(2026, 11, 27, 10, 15, tzinfo=ctx.event.tz)
    assert start <= at < start + dt.timedelta(minutes=10)


def test_qr_and_sessions_follow_host_and_port_and_warn_on_loopback(local_event, tmp_path):
    from tests.helpers.processes import run_cli

    code = phonics_code(load(local_event, None).db_path)
    listed = run_cli("sessions", local_event, "--json", "--host", "127.0.0.1", "--port", "8765")
    assert listed.returncode == 0, listed.stderr
    assert f"http://127.0.0.1:8765/{code}" in listed.stdout
    made = run_cli(
        "qr", local_event, "--out", tmp_path / "print", "--host", "127.0.0.1", "--port", "8765"
    )
    assert made.returncode == 0, made.stderr
    assert "no phone can open these codes" in made.stderr
    require_tool("zbarimg")
    assert zbar(tmp_path / "print" / f"{code}.png") == f"http://127.0.0.1:8765/{code}"


def test_a_station_warns_when_it_shows_another_address_than_the_posters(local_event, tmp_path):
    """The posters' address is recorded by `qr`; a room station that gives phones another one
    says so in one line, with what to do (the same words as `serve`)."""
    from tests.helpers.processes import run_cli

    printed = run_cli("qr", local_event, "--out", tmp_path / "codes", "--public-url",
                      "http://192.0.2.44:8303")  # fmt: skip
    assert printed.returncode == 0, printed.stderr
    port = free_port()
    pane = Pane(
        bigconv("run", str(local_event), "--mode", "room", "--room", "Room A", "--host",
                "127.0.0.1", "--port", str(port), "--backup-minutes", "0"),
        tmp_path, size=(120, 40),
    )  # fmt: skip
    try:
        text = pane.wait_for("reprint")
        # The toast, its lines joined without spaces (it wraps addresses anywhere).
        toast = "".join(line.rpartition("▌")[2].replace(" ", "") for line in text.splitlines())
        assert "showhttp://192.0.2.44:8303" in toast
        assert f"phonesaresenttohttp://127.0.0.1:{port}here" in toast
    finally:
        pane.close()
