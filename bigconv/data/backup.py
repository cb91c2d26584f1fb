"""Consistent copies of the live database while stations keep writing, and putting one back.

A backup uses SQLite's online backup API in a single step: in WAL mode that reads one
snapshot (everything committed when it started) without blocking any writer. The copy is
written under a temporary name and renamed when complete, so a file that looks like a backup
always is one. Backups are plain single-file databases (journal mode DELETE), openable with
any SQLite tool.

Restore (see README, "Backups and recovery"): stop every station, then
`restore(backup_file, db_path)` checks the backup, moves the current database and its -wal
and -shm files aside (never deleting them), and copies the backup into place.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import sqlite3
import time
from pathlib import Path

from bigconv.data.store import BUSY_TIMEOUT_MS, StoreError

DEFAULT_KEEP = 12
_STAMP = "%Y%m%d-%H%M%S"


def default_dir(db_path: str | Path) -> Path:
    """Where backups go unless told otherwise: a `backups/` folder beside the database."""
    return Path(db_path).resolve().parent / "backups"


def backup_name(db_path: str | Path, moment: dt.datetime) -> str:
    """`event-20261127-094500-123Z.db`: the database's name and the UTC time, sortable."""
    moment = moment.astimezone(dt.UTC)
    return f"{Path(db_path).stem}-{moment:{_STAMP}}-{moment.microsecond // 1000:03d}Z.db"


def _pattern(db_path: str | Path | None) -> re.Pattern[str]:
    stem = re.escape(Path(db_path).stem) if db_path else ".+"
    return re.compile(stem + r"-\d{8}-\d{6}-\d{3}Z\.db")


def backup(
    db_path: str | Path, dest_dir: str | Path | None = None, *, now: dt.datetime | None = None
) -> Path:
    """Copy the live database to a new timestamped file in `dest_dir`; returns its path."""
    db_path = Path(db_path)
    if not db_path.is_file():
        raise StoreError(f"{db_path}: no database to back up")
    dest_dir = Path(dest_dir) if dest_dir else default_dir(db_path)
    try:
        dest_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise StoreError(f"{dest_dir}: cannot create the backup folder: {exc.strerror}") from None
    target = dest_dir / backup_name(db_path, now or dt.datetime.now(dt.UTC))
    partial = target.with_name(target.name + ".partial")
    try:
        _copy(db_path, partial)
        os.replace(partial, target)
    except (sqlite3.Error, OSError) as exc:
        partial.unlink(missing_ok=True)
        raise StoreError(f"{db_path}: backup to {dest_dir} failed: {exc}") from None
    return target


def _copy(source_path: Path, target_path: Path) -> None:
    """One-step online backup, then make the copy a self-contained single file."""
    target_path.unlink(missing_ok=True)
    source = sqlite3.connect(str(source_path), timeout=BUSY_TIMEOUT_MS / 1000)
    target = sqlite3.connect(str(target_path))
    try:
        # pages=-1 copies everything in one step: one read snapshot, writers never blocked.
        source.backup(target, pages=-1)
        target.execute("PRAGMA journal_mode = DELETE")
        target.commit()
    finally:
        target.close()
        source.close()
    with open(target_path, "rb") as f:
        os.fsync(f.fileno())


def backups(dest_dir: str | Path, db_path: str | Path | None = None) -> list[Path]:
    """The backups in `dest_dir` (only this database's, if given), oldest first."""
    dest_dir = Path(dest_dir)
    if not dest_dir.is_dir():
        return []
    pattern = _pattern(db_path)
    found = [p for p in dest_dir.iterdir() if pattern.fullmatch(p.name)]
    return sorted(found, key=lambda p: (p.name[-24:], p.name))


def prune(
    dest_dir: str | Path, *, keep: int = DEFAULT_KEEP, db_path: str | Path | None = None
) -> list[Path]:
    """Delete all but the newest `keep` backups (of `db_path` only, if given); returns them."""
    found = backups(dest_dir, db_path)
    doomed = found[: max(0, len(found) - max(keep, 1))]
    # A backup cut off by a crash leaves a .partial file; one an hour old is no longer running.
    pattern, cutoff = _pattern(db_path), time.time() - 3600
    doomed += [
        p
        for p in Path(dest_dir).glob("*.partial")
        if pattern.fullmatch(p.name.removesuffix(".partial")) and p.stat().st_mtime < cutoff
    ]
    for path in doomed:
        path.unlink(missing_ok=True)
    return doomed


def check(path: str | Path) -> str:
    """'ok', or what `PRAGMA integrity_check` (or opening the file) says is wrong."""
    path = Path(path)
    if not path.is_file():
        return "file not found"
    try:
        conn = sqlite3.connect(path.resolve().as_uri() + "?mode=ro", uri=True)
        try:
            rows = conn.execute("PRAGMA integrity_check").fetchall()
        finally:
            conn.close()
    except sqlite3.DatabaseError as exc:
        return str(exc)
    return "; ".join(r[0] for r in rows)


def restore(backup_file: str | Path, db_path: str | Path) -> Path | None:
    """Put a backup in place of the database; the old files are moved aside, never deleted.

    Stop every station first. Returns where the old database was moved (None if there was none).
    """
    backup_file, db_path = Path(backup_file), Path(db_path)
    verdict = check(backup_file)
    if verdict != "ok":
        raise StoreError(f"{backup_file}: not a usable backup: {verdict}")
    stamp = dt.datetime.now(dt.UTC).strftime(_STAMP)
    moved = db_path.with_name(f"{db_path.name}.before-restore-{stamp}")
    olds = [Path(f"{db_path}{suffix}") for suffix in ("", "-wal", "-shm")]
    # The -wal file may hold commits the backup lacks: keep it beside the old database.
    for old in olds:
        if old.exists():
            os.replace(old, Path(f"{moved}{old.name[len(db_path.name) :]}"))
    _copy(backup_file, db_path)
    return moved if any(Path(f"{moved}{s}").exists() for s in ("", "-wal", "-shm")) else None


class PeriodicBackup:
    """Back up every `every` seconds, keeping the newest `keep`; for `run` and `serve`."""

    def __init__(
        self,
        db_path: str | Path,
        dest_dir: str | Path | None = None,
        *,
        every: float = 300,
        keep: int = DEFAULT_KEEP,
    ):
        self.db_path = Path(db_path)
        self.dest_dir = Path(dest_dir) if dest_dir else default_dir(db_path)
        self.every = every
        self.keep = keep
        self.last_at: float | None = None
        self.last_path: Path | None = None
        self.last_error: str | None = None

    def due(self, now: float) -> bool:
        return self.last_at is None or now - self.last_at >= self.every

    def maybe_backup(self, now: float | None = None) -> Path | None:
        """Back up if due (`now` in monotonic seconds); the new file, or None if not due."""
        now = time.monotonic() if now is None else now
        if not self.due(now):
            return None
        self.last_at = now
        return self.backup_now()

    def backup_now(self) -> Path | None:
        """Back up and prune now; on failure remember why (in `last_error`) and return None."""
        try:
            self.last_path = backup(self.db_path, self.dest_dir)
            prune(self.dest_dir, keep=self.keep, db_path=self.db_path)
        except StoreError as exc:
            self.last_error = str(exc)
            return None
        self.last_error = None
        return self.last_path
