"""The README's TLS reverse-proxy rehearsal, run for real: Caddy on loopback with its own local
certificate in front of `bigconv serve --trusted-proxy 127.0.0.1`. Every kind of post a phone
makes goes through https and is stored, with `Secure` cookies; the same posts sent straight to
bigconv from an untrusted address with forged `X-Forwarded-*` headers are refused.

The Caddyfile and the serve command are read from README.md ("Try the proxy on one machine
first"), so the recipe people follow is the one tested; only the ports are changed (and `--at`,
`--backup-minutes 0` added: the small event's day, no backups in a test)."""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import shlex
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import aiohttp
from aiohttp.abc import AbstractResolver

from bigconv.data import database
from bigconv.data import followup as fu
from tests.helpers import ROOT
from tests.helpers.processes import free_port, require_tool
from tests.helpers.web import MORNING

PROXY_PORT, APP_PORT = "8443", "8016"  # as the README writes them
NAME = "cpd.localhost"


def readme_rehearsal() -> tuple[str, str]:
    """The serve command and the Caddyfile of the README's "Try the proxy on one machine first"."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    part = text[text.index("**Try the proxy on one machine first**") :]
    command = re.search(r"```sh\n(bigconv serve [^\n]*)\n```", part)
    caddyfile = re.search(r"```caddyfile\n(.*?)```", part, re.S)
    assert command and caddyfile, "README: the rehearsal's command or Caddyfile is missing"
    return command.group(1), caddyfile.group(1)


class Loopback(AbstractResolver):
    """cpd.localhost is this machine, as browsers take every *.localhost name to be."""

    async def resolve(self, host: str, port: int = 0, family: int = socket.AF_INET):
        assert host == NAME, host
        return [
            {
                "hostname": host,
                "host": "127.0.0.1",
                "port": port,
                "family": socket.AF_INET,
                "proto": 0,
                "flags": socket.AI_NUMERICHOST,
            }
        ]

    async def close(self) -> None:
        pass


@contextlib.contextmanager
def running(command: list[str], cwd: Path, env: dict | None = None) -> Iterator[subprocess.Popen]:
    proc = subprocess.Popen(
        command, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        yield proc
    finally:
        proc.send_signal(signal.SIGINT)  # ended by its own id, nothing else
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


async def wait_for(url: str, proc: subprocess.Popen, **session) -> None:
    async with aiohttp.ClientSession(**session) as client:
        for _ in range(300):
            if proc.poll() is not None:
                raise AssertionError(f"{proc.args[0]} ended: {proc.stderr.read()}")
            with contextlib.suppress(aiohttp.ClientError):
                async with client.get(url, ssl=False) as r:
                    if r.status == 200:
                        return
            await asyncio.sleep(0.1)
    raise AssertionError(f"{url} never answered")


def prepare(db_path: Path) -> tuple[str, int, str]:
    """Ada named a commitment on the day; a follow-up round is open. Returns a session code,
    Ada's commitment id and her follow-up link."""
    db = database.connect(db_path)
    code, sid = db.execute("SELECT code, id FROM sessions WHERE title = 'Phonics'").fetchone()
    ada = db.execute("SELECT id FROM attendees WHERE first_name = 'Ada'").fetchone()[0]
    fu.record_commitment(db, sid, "day-phone", try_text="Exit tickets", attendee_id=ada, at=MORNING)
    _, issued = fu.create_round(
        db, "4 weeks", closes=MORNING.replace(month=12), station="T", at=MORNING
    )
    cid = fu.commitments_of(db, ada)[0].id
    db.close()
    return code, cid, next(i.token for i in issued if i.person.first_name == "Ada")


def count(db_path: Path, sql: str) -> int:
    db = database.connect(db_path)
    try:
        return db.execute(sql).fetchone()[0]
    finally:
        db.close()


def secure_cookies(response: aiohttp.ClientResponse) -> dict[str, bool]:
    return {c.key: bool(c["secure"]) for c in response.cookies.values()}


async def test_posts_through_caddy_are_stored_and_forged_headers_are_refused(
    small_event, small_db, tmp_path
):
    caddy = require_tool("caddy")
    code, cid, token = prepare(small_db)
    command, caddyfile = readme_rehearsal()
    proxy_port, app_port = str(free_port()), str(free_port())
    (tmp_path / "Caddyfile").write_text(
        caddyfile.replace(f":{PROXY_PORT}", f":{proxy_port}").replace(
            f":{APP_PORT}", f":{app_port}"
        ),
        encoding="utf-8",
    )
    serve = shlex.split(command.replace(f"--port {APP_PORT}", f"--port {app_port}"))
    assert serve[:3] == ["bigconv", "serve", "sample_event.toml"]
    serve = [sys.executable, "-m", "bigconv", "serve", str(small_event), *serve[3:]]
    serve += ["--at", "10:20", "--on-the-real-file", "--backup-minutes", "0"]
    # Caddy keeps its local CA and state under tmp_path, never in this user's home.
    caddy_env = {**os.environ, "HOME": str(tmp_path), "XDG_DATA_HOME": str(tmp_path / "data")}
    caddy_env["XDG_CONFIG_HOME"] = str(tmp_path / "config")
    public = f"https://{NAME}:{proxy_port}"
    with (
        running(serve, tmp_path) as server,
        running(
            [caddy, "run", "--config", "Caddyfile", "--adapter", "caddyfile"], tmp_path, caddy_env
        ) as proxy,
    ):
        await wait_for(f"http://127.0.0.1:{app_port}/api/about", server)
        connector = aiohttp.TCPConnector(resolver=Loopback(), ssl=False)
        await wait_for(f"{public}/api/about", proxy, connector=connector)

        # Through the proxy, as a phone's browser: https, its Origin, its cookies.
        connector = aiohttp.TCPConnector(resolver=Loopback(), ssl=False)
        async with aiohttp.ClientSession(connector=connector, headers={"Origin": public}) as phone:
            async with phone.get(f"{public}/{code}") as page:
                assert page.status == 200
                assert secure_cookies(page) == {"bigconv_device": True}
            for path, form in (
                (f"/{code}/react", {"kind": "useful"}),
                (f"/{code}/feedback", {"rating": "5", "comment": "Through TLS"}),
                (f"/{code}/commit", {"try_text": "Cold calling"}),
            ):
                async with phone.post(f"{public}{path}", data=form, allow_redirects=False) as r:
                    assert r.status == 303, (path, await r.text())
            async with phone.get(f"{public}/me/{token}") as page:
                assert page.status == 200
            answer = {f"tried-{cid}": "yes", f"happened-{cid}": "It worked"}
            async with phone.post(f"{public}/me/{token}", data=answer, allow_redirects=False) as r:
                assert r.status == 303, await r.text()

        # Straight to bigconv from 127.0.0.2 (not the trusted proxy), forging what Caddy adds.
        forged = {
            "Origin": public,
            "X-Forwarded-Proto": "https",
            "X-Forwarded-Host": f"{NAME}:{proxy_port}",
            "X-Forwarded-For": "203.0.113.9",
        }
        direct = f"http://127.0.0.1:{app_port}"
        jar = aiohttp.CookieJar(unsafe=True)
        connector = aiohttp.TCPConnector(local_addr=("127.0.0.2", 0))
        async with aiohttp.ClientSession(
            connector=connector, cookie_jar=jar, headers=forged
        ) as other:
            async with other.get(f"{direct}/{code}") as page:
                assert secure_cookies(page) == {"bigconv_device": False}  # forgery ignored
            async with other.get(f"{direct}/me/{token}") as page:
                assert page.status == 200
            for path, form in (
                (f"/{code}/react", {"kind": "insight"}),
                (f"/{code}/feedback", {"rating": "1"}),
                (f"/{code}/commit", {"try_text": "Forged"}),
                (f"/me/{token}", {f"tried-{cid}": "no"}),
            ):
                async with other.post(f"{direct}{path}", data=form, allow_redirects=False) as r:
                    assert r.status == 403, path
            async with other.post(f"{direct}/api/{code}/reactions", json={"kind": "insight"}) as r:
                assert r.status == 403

    assert count(small_db, "SELECT count(*) FROM reactions") == 1
    assert count(small_db, "SELECT count(*) FROM feedback WHERE comment = 'Through TLS'") == 1
    assert count(small_db, "SELECT count(*) FROM feedback") == 1
    assert count(small_db, "SELECT count(*) FROM commitments WHERE try_text = 'Cold calling'") == 1
    assert count(small_db, "SELECT count(*) FROM commitments") == 2
    assert count(small_db, "SELECT count(*) FROM followup_answers WHERE tried = 'yes'") == 1
    assert count(small_db, "SELECT count(*) FROM followup_answers") == 1


def test_the_readme_rehearsal_is_what_the_recipe_says():
    """The rehearsal trusts only the proxy on this machine and names it; the Caddyfile
    proxies to the port bigconv listens on."""
    command, caddyfile = readme_rehearsal()
    assert "--trusted-proxy 127.0.0.1" in command and f"--allow-host {NAME}" in command
    assert f"--port {APP_PORT}" in command and f"reverse_proxy 127.0.0.1:{APP_PORT}" in caddyfile
    assert f"https://{NAME}:{PROXY_PORT} {{" in caddyfile and "tls internal" in caddyfile
