"""`bigconv doctor` on a healthy day, the SQLite line `serve` prints, and which SQLite
versions have the WAL-reset bug."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import threading
import time

import pytest

from bigconv.data import backup, fileguard
from tests.helpers.processes import free_port, run_cli
from tests.helpers.writers import Writers


def test_doctor_on_a_healthy_day_while_a_station_writes(small_event, small_db):
    made = run_cli("backup", small_event)
    assert made.returncode == 0, made.stderr
    newest = backup.backups(backup.default_dir(small_db), small_db)[-1]
    writers = Writers(small_db)
    try:
        deadline = time.monotonic() + 20
        while len(writers.acks) < 20:  # both have opened the file and written
            assert time.monotonic() < deadline, writers.refusals
            time.sleep(0.02)
        done = run_cli("doctor", small_event)
    finally:
        writers.stop()
    assert done.returncode == 0, done.stdout + done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == fileguard.sqlite_line() and sqlite3.sqlite_version in lines[0]
    assert "Check (integrity_check): ok" in lines
    for proc in writers.procs:
        assert f"Held by: bigconv (pid {proc.pid})" in lines
    assert any(line.startswith(f"Newest good backup: {newest} (") for line in lines), lines
    assert "PROBLEM" not in done.stdout and done.stderr == ""


def test_serve_names_the_sqlite_it_runs_on(small_event, small_db):
    cmd = [sys.executable, "-m", "bigconv", "serve", str(small_event), "--host", "127.0.0.1"]
    cmd += ["--port", str(free_port()), "--backup-minutes", "0", "--no-staff"]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.extend(proc.stdout), daemon=True)
    reader.start()
    try:
        deadline = time.monotonic() + 20
        while not any(line.startswith("SQLite") for line in lines):
            assert proc.poll() is None, proc.stderr.read()
            assert time.monotonic() < deadline, lines
            time.sleep(0.05)
    finally:
        proc.terminate()
        proc.wait(timeout=20)
        proc.stderr.close()
    line = next(line for line in lines if line.startswith("SQLite")).rstrip("\n")
    assert line == fileguard.sqlite_line()
    if fileguard.wal_reset_bug():  # 3.40.1 on Debian 12, for one
        assert "has the WAL-reset bug" in line and "only one process checkpoint" in line


@pytest.mark.parametrize(
    ("version", "bug"),
    [
        ("3.40.1", True),
        ("3.44.5", True),
        ("3.44.6", False),
        ("3.45.0", True),
        ("3.50.6", True),
        ("3.50.7", False),
        ("3.51.0", True),
        ("3.51.2", True),
        ("3.51.3", False),
        ("3.52.0", False),
    ],
)
def test_which_sqlite_has_the_wal_reset_bug(version, bug):
    assert fileguard.wal_reset_bug(version) is bug
    assert ("WAL-reset bug" in fileguard.sqlite_line(version)) is bug
    assert fileguard.sqlite_line(version).startswith(f"SQLite {version}")
