"""SIGKILL the real `bigconv serve` while phones storm it: every 2xx it sent is in the database."""

from __future__ import annotations

import asyncio
import itertools
import signal
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import aiohttp

from bigconv.data import database, reactions
from bigconv.web.common.site import DEVICE_COOKIE
from tests.helpers.processes import free_port, wait_until_up

PHONES_AT_ONCE = 6
ACTIONS_PER_PHONE = 12  # then that "person" puts the phone away and a new one scans
KILL_AFTER_ACKS = 300


@dataclass(frozen=True)
class Ack:
    """One action the server answered with 2xx: it promised the action was stored."""

    device: str
    kind: str  # "reaction" or "feedback"
    code: str
    value: str  # the reaction kind, or the feedback's comment (unique per submission)
    at: str = ""


async def phone(url: str, codes: list[str], kinds: list[str], acks: list[Ack], n: itertools.count):
    """One phone (its own cookie jar, so its own device id) reacting and sending feedback."""
    jar = aiohttp.CookieJar(unsafe=True)  # unsafe: accept cookies from an IP address
    async with aiohttp.ClientSession(cookie_jar=jar) as client:
        async with client.get(f"{url}/{codes[0]}") as r:  # the page gives the device token
            await r.read()
        for step in range(ACTIONS_PER_PHONE):
            code = codes[step % len(codes)]
            if step % 3 == 2:
                comment = f"storm comment {next(n)}"
                async with client.post(
                    f"{url}/api/{code}/feedback", json={"rating": 4, "comment": comment}
                ) as r:
                    if r.status == 201 and (await r.json())["saved"]:
                        acks.append(Ack(device(jar), "feedback", code, comment))
            else:
                kind = kinds[step % len(kinds)]
                async with client.post(f"{url}/api/{code}/reactions", json={"kind": kind}) as r:
                    body = await r.json()
                    if r.status == 200 and body["counted"]:
                        acks.append(Ack(device(jar), "reaction", code, kind, body["at"]))


def device(jar: aiohttp.CookieJar) -> str:
    """The device id the token names (the token is `ID.SIGNATURE`)."""
    return next(c.value for c in jar if c.key == DEVICE_COOKIE).partition(".")[0]


async def storm(url: str, codes, kinds, acks: list[Ack], proc: subprocess.Popen) -> None:
    """Phones keep coming until the server dies; then every phone's request simply fails."""
    n = itertools.count()

    async def one_after_another() -> None:
        while proc.poll() is None:
            try:
                await phone(url, codes, kinds, acks, n)
            except (aiohttp.ClientError, ConnectionError):
                continue  # the server was killed under this request: no answer, no promise

    async def killer() -> None:
        while len(acks) < KILL_AFTER_ACKS:
            await asyncio.sleep(0.005)
        proc.send_signal(signal.SIGKILL)
        await asyncio.get_running_loop().run_in_executor(None, proc.wait)

    async with asyncio.timeout(90):
        await asyncio.gather(killer(), *(one_after_another() for _ in range(PHONES_AT_ONCE)))


def lost(db, acks: list[Ack]) -> list[Ack]:
    """The acknowledged actions that are not in the database (should be none)."""
    missing = []
    for ack in acks:
        if ack.kind == "reaction":
            sql = (
                "SELECT 1 FROM reactions r JOIN sessions s ON s.id = r.session_id"
                " WHERE r.device = ? AND s.code = ? AND r.kind = ? AND r.at = ?"
            )
            params = [ack.device, ack.code, ack.value, ack.at]
        else:
            sql = (
                "SELECT 1 FROM feedback f JOIN sessions s ON s.id = f.session_id"
                " WHERE f.device = ? AND s.code = ? AND f.comment = ?"
            )
            params = [ack.device, ack.code, ack.value]
        if db.execute(sql, params).fetchone() is None:
            missing.append(ack)
    return missing


async def test_sigkill_serve_mid_storm_loses_no_acknowledged_action(small_event, small_db: Path):
    db = database.connect(small_db)
    codes = [r[0] for r in db.execute("SELECT code FROM sessions ORDER BY id")]
    kinds = [k.key for k in reactions.reaction_kinds(db)]
    db.close()
    port = free_port()
    cmd = [sys.executable, "-m", "bigconv", "serve", str(small_event), "--host", "127.0.0.1"]
    cmd += ["--port", str(port), "--backup-minutes", "0", "--no-staff"]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    acks: list[Ack] = []
    try:
        url = f"http://127.0.0.1:{port}"
        await wait_until_up(url, proc)
        await storm(url, codes, kinds, acks, proc)
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait(timeout=10)
        proc.stderr.close()
    assert proc.returncode == -signal.SIGKILL  # killed mid-storm, not finished
    assert len(acks) >= KILL_AFTER_ACKS
    assert {a.kind for a in acks} == {"reaction", "feedback"}
    assert len({a.device for a in acks}) > PHONES_AT_ONCE  # many phones, each its own device

    db = database.connect(small_db)  # a restart: WAL recovery happens here
    try:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert lost(db, acks) == []
    finally:
        db.close()
