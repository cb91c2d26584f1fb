"""Permission cases that hold under root too: tests run as root in CI, and root ignores
permission bits, so a command meant to meet a folder it may not write runs as another user
(nobody) when this process is root; otherwise as this user, with the write bit taken away."""

from __future__ import annotations

import contextlib
import functools
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.helpers.processes import require_tool

NOBODY = 65534


@contextlib.contextmanager
def reachable_tmp() -> Iterator[Path]:
    """A temporary folder the other user can reach (pytest's own is private to this user)."""
    folder = Path(tempfile.mkdtemp(prefix="bigconv-test-"))
    folder.chmod(0o755)
    try:
        yield folder
    finally:
        for path in [folder, *folder.rglob("*")]:
            if path.is_dir() and not path.is_symlink():
                path.chmod(0o755)
        shutil.rmtree(folder)


def run_cli_as_user(*args, cwd: Path | None = None) -> subprocess.CompletedProcess:
    """`run_cli`, as a user permission bits apply to (`run_as_user`)."""
    return run_as_user(sys.executable, "-m", "bigconv", *args, cwd=cwd)


def run_as_user(*command, cwd: Path | None = None) -> subprocess.CompletedProcess:
    """Run `command` as a user permission bits apply to: this one, unless it is root; then
    nobody, through setpriv (which finds Python with root's rights, then runs it as nobody;
    the interpreter may live under root's private home)."""
    argv = [str(part) for part in command]
    if os.geteuid() == 0:
        argv = [*_as_nobody(), *argv]
    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
    return subprocess.run(argv, capture_output=True, text=True, cwd=cwd, env=env, timeout=120)


@functools.cache
def _as_nobody() -> tuple[str, ...]:
    """setpriv's arguments to run as nobody, once it is known nobody can run bigconv here."""
    setpriv = require_tool("setpriv")
    prefix = (setpriv, f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups")
    probe = [*prefix, sys.executable, "-c", "import bigconv.cli"]
    if subprocess.run(probe, capture_output=True, timeout=60).returncode != 0:
        reason = f"nobody cannot run {sys.executable} with bigconv (a private folder?)"
        if os.environ.get("BIGCONV_REQUIRE_TOOLS"):
            pytest.fail(reason)
        pytest.skip(reason)
    return prefix


def give_to_user(folder: Path) -> None:
    """Make `folder` and all in it belong to the user `run_cli_as_user` runs as."""
    if os.geteuid() == 0:
        for path in [folder, *folder.rglob("*")]:
            os.chown(path, NOBODY, NOBODY)


def read_only(folder: Path) -> None:
    """A folder that user may read but not write into."""
    if os.geteuid() == 0:
        os.chown(folder, 0, 0)
    folder.chmod(0o555)
