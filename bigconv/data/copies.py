"""Copying a database through SQLite, and keeping what a replaced file held.

Apart from backup.py so that the connection module (database.py), which keeps a replaced
file's content the moment it notices, and backup.py, which connects, need not import each
other."""

from __future__ import annotations

import contextlib
import os
import sqlite3
from pathlib import Path

import sqlite_utils

from bigconv.data import fileguard


def partials(partial: Path) -> list[Path]:
    """A partial copy and the journal SQLite keeps beside it while writing it."""
    return [partial, *(Path(f"{partial}{s}") for s in ("-journal", "-wal", "-shm"))]


def copy_from(source: sqlite3.Connection, target_path: Path) -> None:
    """Copy what `source` sees into a new single file at `target_path`, synced to the disk."""
    if source.in_transaction:  # SQLite answers SQLITE_LOCKED, which backup() retries for ever
        raise sqlite3.OperationalError("cannot copy through a connection inside a transaction")
    target_path.unlink(missing_ok=True)
    target = sqlite3.connect(str(target_path))
    try:
        # pages=-1 copies everything in one step: one read snapshot, writers never blocked.
        source.backup(target, pages=-1)
        target.execute("PRAGMA journal_mode = DELETE")
        # A copy is another file: an id of its own, so a copy put in place by hand is never
        # taken for the file it was copied from (bigconv/data/fileguard.py).
        target.execute(f"PRAGMA application_id = {fileguard.new_file_id()}")
        target.commit()
    finally:
        target.close()
    with open(target_path, "rb") as f:
        os.fsync(f.fileno())


def keep_replaced_file(
    db: sqlite_utils.Database, path: Path, opened: fileguard.Identity
) -> Path | None:
    """A file was put at `path` by hand while `db` (a connection to the old one) was open:
    copy everything the old file holds, its log included, to `NAME.replaced-TIME.db` beside
    it, once for all processes (the first to notice does it). None if another did."""
    # One claim per replaced inode (not per id: a process that read no id must not save twice).
    claim = fileguard.holders_dir(path) / f"replaced-{opened.dev}-{opened.ino}"
    try:
        claim.parent.mkdir(exist_ok=True)
        fd = os.open(claim, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    except FileExistsError:
        with contextlib.suppress(OSError):
            return Path(claim.read_text(encoding="utf-8").strip() or "") or None
        return None
    except OSError:
        return None
    target = path.with_name(f"{path.name}.replaced-{fileguard.stamp()}-{opened.ino}.db")
    partial = target.with_name(target.name + ".partial")  # never a half copy under the name
    try:
        # Noticed just before a commit: that write is refused anyway, so it is rolled back now.
        # SQLite cannot copy through a connection in a write transaction: its backup returns
        # SQLITE_LOCKED at every step, and Python's backup() retries that for ever (the claim
        # held, no copy made, every other process waiting for it).
        if db.conn.in_transaction:
            db.conn.rollback()
        # A barrier: a writer that checked the file before it was replaced finishes its
        # commit first (every writer checks again under this lock, and now refuses).
        db.conn.execute("BEGIN IMMEDIATE")
        db.conn.execute("ROLLBACK")
        copy_from(db.conn, partial)
        os.replace(partial, target)
    except (sqlite3.Error, OSError) as exc:
        fileguard.LOG.error("%s was replaced; could not copy what it held: %s", path, exc)
        for leftover in partials(partial):
            leftover.unlink(missing_ok=True)
        os.close(fd)
        claim.unlink(missing_ok=True)  # another process (or the next check) tries again
        return None
    os.write(fd, str(target).encode())
    os.close(fd)
    fileguard.LOG.error(
        "%s was replaced while open (by hand or by a sync tool): writes stopped; what the old "
        "file held is kept in %s",
        path,
        target,
    )
    return target
