"""Real processes: the `bigconv` command, system tools, free ports, a server coming up."""

from __future__ import annotations

import asyncio
import os
import shlex
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import aiohttp
import pytest


def run_cli(
    *args: str, cwd: Path | None = None, input: str | None = None
) -> subprocess.CompletedProcess:
    """Run the real `bigconv` command in a child process."""
    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
    return subprocess.run(
        [sys.executable, "-m", "bigconv", *map(str, args)],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=env,
        input=input,
        timeout=120,
    )


def require_tool(name: str) -> str:
    """The path of a system tool; skip if absent, except in CI (BIGCONV_REQUIRE_TOOLS=1) where it fails."""
    path = shutil.which(name)
    if path:
        return path
    if os.environ.get("BIGCONV_REQUIRE_TOOLS"):
        pytest.fail(f"{name} is not installed (CI must install it)")
    pytest.skip(f"{name} is not installed (apt-get install it to run this test)")


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on (at the moment of asking)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def wait_until_up(url: str, proc: subprocess.Popen) -> None:
    """Wait until `bigconv serve` (`proc`) answers /api/about at `url`; fail if it exits."""
    async with aiohttp.ClientSession() as client:
        for _ in range(200):
            assert proc.poll() is None, proc.stderr.read()
            try:
                async with client.get(f"{url}/api/about") as r:
                    if r.status == 200:
                        return
            except aiohttp.ClientError:
                await asyncio.sleep(0.05)
    raise AssertionError("bigconv serve never answered")


def bigconv(*args: str) -> str:
    """The `bigconv` command line, quoted for a shell (a terminal in tmux runs it)."""
    return " ".join(shlex.quote(a) for a in (sys.executable, "-m", "bigconv", *args))


def children(pid: int) -> set[int]:
    """The child processes of `pid` (none once it has ended), read from /proc: every thread's
    list, a thread that ends meanwhile skipped (it has no children left to list)."""
    found: set[int] = set()
    tasks = Path(f"/proc/{pid}/task")
    for task in tasks.iterdir() if tasks.is_dir() else ():
        try:
            found |= {int(p) for p in (task / "children").read_text().split()}
        except OSError:
            continue
    return found
