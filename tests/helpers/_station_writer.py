"""A station's writes, as a process of its own, for the put-back-by-hand tests.

Usage: python _station_writer.py DB STATION
Records a reaction every few milliseconds through the data layer, as a station records an
action: `database.immediate` (which checks the file under the write lock), and on a database
problem it does what a station does (bigconv/tui/app.py `try_recover`): reconnect if the file
was replaced and can be opened, else wait and retry. Prints, flushed:
    ack DEVICE          after each commit returned (DEVICE is unique per action)
    refused MESSAGE     once per distinct refusal
"""

from __future__ import annotations

import itertools
import sqlite3
import sys
import time

from bigconv.core.clock import iso
from bigconv.core.errors import StoreError
from bigconv.data import database


def say(*parts: object) -> None:
    sys.stdout.write(" ".join(map(str, parts)) + "\n")
    sys.stdout.flush()


def main(db_path: str, station: str) -> None:
    db = database.connect(db_path)
    last_refusal = ""
    for n in itertools.count():
        device = f"{station}-{n}"
        try:
            if database.file_replaced(db):
                db.close()
                db = database.connect(db_path)
            with database.immediate(db):
                session_id = db.execute("SELECT min(id) FROM sessions").fetchone()[0]
                db.execute(
                    "INSERT INTO reactions (session_id, kind, at, device) VALUES (?, 'useful', ?, ?)",
                    [session_id, iso(), device],
                )
        except (StoreError, sqlite3.Error) as exc:
            message = database.describe(exc, db_path)
            if message != last_refusal:
                say("refused", message.replace("\n", " "))
                last_refusal = message
            time.sleep(0.05)
            continue
        last_refusal = ""
        say("ack", device)
        time.sleep(0.005)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
