"""Run _storm.py writers in child processes and collect their acknowledgements."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from pathlib import Path

SCRIPT = Path(__file__).with_name("_storm.py")


class Storm:
    """Writer processes on one database; `acks` grows as they acknowledge commits."""

    def __init__(self, db_path: Path, writers: int = 2):
        self.acks: list[tuple[str, ...]] = []
        self.lock = threading.Lock()
        self.procs = [
            subprocess.Popen(
                [sys.executable, str(SCRIPT), str(db_path), f"storm{k}", str(k), str(writers)],
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for k in range(writers)
        ]
        # Drain each pipe continuously so writers never block on a full pipe.
        self.readers = [threading.Thread(target=self._read, args=(p,)) for p in self.procs]
        for t in self.readers:
            t.start()

    def _read(self, proc: subprocess.Popen) -> None:
        for line in proc.stdout:
            if not line.endswith("\n"):
                break  # cut off by the kill: that acknowledgement never completed
            parts = tuple(line.split())
            with self.lock:
                self.acks.append(parts)

    def snapshot(self) -> list[tuple[str, ...]]:
        with self.lock:
            return list(self.acks)

    def wait_for(self, count: int, timeout: float = 60) -> None:
        """Wait until at least `count` acknowledgements arrived (fail if a writer died)."""
        deadline = time.monotonic() + timeout
        while len(self.snapshot()) < count:
            for p in self.procs:
                if p.poll() is not None:
                    raise AssertionError(f"writer exited {p.returncode}: {p.stderr.read()}")
            if time.monotonic() > deadline:
                raise AssertionError(f"only {len(self.snapshot())} acks in {timeout} s")
            time.sleep(0.01)

    def kill(self) -> None:
        """SIGKILL every writer, then collect the lines they had already printed."""
        for p in self.procs:
            p.kill()
        for p in self.procs:
            p.wait(timeout=10)
        for t in self.readers:
            t.join(timeout=10)
        for p in self.procs:
            p.stdout.close()
            p.stderr.close()


def missing(db, acks: list[tuple[str, ...]]) -> list[tuple[str, ...]]:
    """The acknowledged actions that are not in the database (should be none)."""
    lost = []
    for ack in acks:
        kind = ack[0]
        if kind == "reaction":
            sql, params = "SELECT 1 FROM reactions WHERE id = ?", [int(ack[1])]
        elif kind == "checkin":
            sql = "SELECT 1 FROM checkin_records WHERE attendee_id = ? AND at = ?"
            params = [int(ack[1]), ack[2]]
        elif kind == "undo":
            sql = "SELECT 1 FROM checkin_records WHERE attendee_id = ? AND undone_at = ?"
            params = [int(ack[1]), ack[2]]
        else:
            raise AssertionError(f"unexpected line from a writer: {ack}")
        if db.execute(sql, params).fetchone() is None:
            lost.append(ack)
    return lost
