"""Writers that never stop: two station processes (`_station_writer.py`) and phones posting
to a real server; every acknowledgement they collect is a promise the database must keep."""

from __future__ import annotations

import asyncio
import itertools
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import aiohttp

from tests.helpers import ROOT

WRITER = Path(__file__).with_name("_station_writer.py")


class Writers:
    """Two station processes writing all the time; every `ack` line is a promise."""

    def __init__(self, db_path: Path):
        self.acks: list[str] = []
        self.refusals: list[str] = []
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        # Their logs go to files (a pipe nobody reads would stop a chatty writer when full).
        self.logs = [Path(f"{db_path}.desk-{i}.log") for i in (1, 2)]
        self.procs = []
        for i, log_path in zip((1, 2), self.logs, strict=True):
            with open(log_path, "w") as log:
                self.procs.append(
                    subprocess.Popen(
                        [sys.executable, str(WRITER), str(db_path), f"desk-{i}"],
                        stdout=subprocess.PIPE,
                        stderr=log,
                        text=True,
                        env=env,
                    )
                )
        for proc in self.procs:
            threading.Thread(target=self._read, args=(proc,), daemon=True).start()

    def _read(self, proc: subprocess.Popen) -> None:
        for line in proc.stdout:
            kind, _, rest = line.strip().partition(" ")
            (self.acks if kind == "ack" else self.refusals).append(rest)

    def said(self) -> str:
        return "\n".join(p.read_text(errors="replace") for p in self.logs if p.exists())

    def stop(self) -> None:
        for proc in self.procs:
            proc.kill()
            proc.wait(timeout=10)


class Phones:
    """Phones posting feedback to the real server, new phones as old ones finish."""

    def __init__(self, url: str, code: str):
        self.url, self.code = url, code
        self.acks: list[tuple[str, str]] = []  # (device, comment) answered 201
        self.statuses: list[tuple[float, int]] = []
        self.n = itertools.count()
        self.running = True

    async def one_phone(self) -> None:
        jar = aiohttp.CookieJar(unsafe=True)
        async with aiohttp.ClientSession(cookie_jar=jar) as client:
            async with client.get(f"{self.url}/{self.code}") as r:
                await r.read()
                if r.status != 200:
                    await asyncio.sleep(0.1)
                    return
            tokens = [c.value for c in jar if c.key == "bigconv_device"]
            if not tokens:
                return
            device = tokens[0].partition(".")[0]
            for _ in range(10):
                comment = f"by phone {next(self.n)}"
                async with client.post(
                    f"{self.url}/api/{self.code}/feedback", json={"rating": 4, "comment": comment}
                ) as r:
                    await r.read()
                    self.statuses.append((time.monotonic(), r.status))
                    if r.status == 201:
                        self.acks.append((device, comment))
                await asyncio.sleep(0.12)  # two phones: well inside one address's share

    async def run(self) -> None:
        while self.running:
            await self.one_phone()

    def since(self, moment: float) -> list[int]:
        return [status for at, status in self.statuses if at >= moment]
