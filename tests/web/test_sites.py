"""`serve --sites`: each of the three sites (phone, links, staff) is mounted only when asked
for, and the web package has no import cycle."""

from __future__ import annotations

import subprocess
import sys

import aiohttp
from aiohttp.test_utils import TestClient, TestServer

from bigconv.core.event import load_event
from bigconv.web.server import make_web_app
from tests.helpers import ROOT
from tests.helpers.db import table
from tests.helpers.imports import import_cycles
from tests.helpers.processes import run_cli
from tests.helpers.web import same_site

WEB = ROOT / "bigconv" / "web"


async def statuses(client: TestClient, code: str, token: str) -> dict[str, int]:
    """The status of one page or post of each site."""
    await client.get(f"/{code}")  # a device token, where the phone site gives one
    await client.get(f"/me/{token}")  # ... or the personal page
    out = {}
    for name, method, path, form in (
        ("about", "GET", "/api/about", None),
        ("index", "GET", "/", None),
        ("session", "GET", f"/{code}", None),
        ("react", "POST", f"/{code}/react", {"kind": "useful"}),
        ("feedback", "POST", f"/{code}/feedback", {"rating": "4"}),
        ("commit", "POST", f"/{code}/commit", {"try_text": "Exit tickets"}),
        ("api", "POST", f"/api/{code}/reactions", None),
        ("me", "GET", f"/me/{token}", None),
        ("answer", "POST", f"/me/{token}", {}),
        ("css", "GET", "/static/site.css", None),
        ("staff", "GET", "/staff", None),
    ):
        kwargs = {"json": {"kind": "love"}} if name == "api" else {"data": form}
        response = await client.request(
            method, path, headers=same_site(client), allow_redirects=False, **kwargs
        )
        out[name] = response.status
    return out


async def test_each_site_is_mounted_only_when_asked_for(
    small_event, small_db, clock, codes, followup_links
):
    links, ids = followup_links
    code, token = codes["Phonics"], links["Ada"]
    event = load_event(small_event)
    seen = {}
    for sites in (["links"], ["phone"], ["staff"], ["phone", "links", "staff"]):
        app = make_web_app(small_db, event, clock=clock, sites=sites)
        async with TestClient(TestServer(app, host="127.0.0.1")) as c:
            seen[",".join(sites)] = await statuses(c, code, token)
    # The internet deployment of follow-ups: the personal pages only, nothing of the day's.
    assert seen["links"] == {
        "about": 200,
        "index": 404,
        "session": 404,
        "react": 404,
        "feedback": 404,
        "commit": 404,
        "api": 404,
        "me": 200,
        "answer": 400,  # the follow-up form is there (this post chose nothing)
        "css": 200,
        "staff": 404,
    }
    phone = seen["phone"]
    assert phone["me"] == phone["answer"] == phone["staff"] == 404
    assert phone["session"] == 200 and phone["react"] == phone["feedback"] == 303
    assert phone["commit"] == 303 and phone["api"] == 200
    staff = seen["staff"]
    assert staff["staff"] == 200 and staff["about"] == 200
    assert {staff[k] for k in ("index", "session", "react", "api", "me", "css")} == {404}
    everything = seen["phone,links,staff"]
    assert everything["me"] == 200 and everything["staff"] == 200 and everything["react"] == 303
    # Only the two servers with the phone site stored reactions (a form's and the API's each).
    assert table(small_db, "SELECT count(*) FROM reactions") == [(4,)]


def test_serve_refuses_an_unknown_site_clearly(small_event, small_db):
    done = run_cli("serve", small_event, "--sites", "phone,dashboard")
    assert done.returncode == 2
    assert "--sites" in done.stderr and "Traceback" not in done.stderr


def test_no_import_cycle_between_the_web_modules():
    assert len(list(WEB.rglob("*.py"))) > 10 and (WEB / "server.py").is_file()
    assert import_cycles(WEB) == []


def test_every_web_module_stays_small():
    sizes = {p.name: len(p.read_text(encoding="utf-8").splitlines()) for p in WEB.rglob("*.py")}
    assert max(sizes.values()) <= 420, sizes


async def test_serve_mounts_the_sites_it_is_told(small_event, small_db, codes):
    """`serve --sites links` publishes no day endpoint; `--no-staff` leaves /staff out."""
    from tests.helpers.processes import free_port, wait_until_up

    code = codes["Phonics"]
    for options, first_line, wanted in (
        (["--sites", "links"], "Personal links only: ", {f"/{code}": 404, "/staff": 404}),
        (["--no-staff"], "Phone site: ", {f"/{code}": 200, "/staff": 404}),
        ([], "Phone site: ", {f"/{code}": 200, "/staff": 200}),
    ):
        port = free_port()
        cmd = [sys.executable, "-m", "bigconv", "serve", str(small_event), "--host", "127.0.0.1"]
        cmd += ["--port", str(port), "--backup-minutes", "0", "--at", "10:20", *options]
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            base = f"http://127.0.0.1:{port}"
            await wait_until_up(base, proc)
            assert proc.stdout.readline().startswith(first_line), options
            async with aiohttp.ClientSession() as s:
                for path, status in wanted.items():
                    async with s.get(f"{base}{path}", allow_redirects=False) as r:
                        assert r.status == status, (options, path)
        finally:
            proc.terminate()
            proc.wait(timeout=15)
