"""Consistent copies of the live database while stations keep writing, and putting one back.

A backup uses SQLite's online backup API in a single step: in WAL mode that reads one
snapshot (everything committed when it started) without blocking any writer. The copy is
written under a temporary name and renamed when complete, so a file that looks like a backup
always is one. Backups are plain single-file databases (journal mode DELETE), openable with
any SQLite tool.

Every copy passes the full `PRAGMA integrity_check` (what restore checks) before it gets a
backup's name; the check runs on the copy, never on the live file.

Restore (see README, "Backups and recovery"): `restore(backup_file, db_path)` checks the
backup (repairing damaged indexes on a copy, if that is all), asks every process holding the
database to pause its writes (bigconv/data/fileguard.py) and waits until they have, moves the
current database and its -wal and -shm files aside (never deleting them), copies the backup
into place, and lets them carry on with it.

Over 400 lines because backup, check, prune, restore and repair share their rules (what a good
copy is, what is never deleted).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import re
import sqlite3
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from bigconv.core.errors import BackupDamaged, RepairRefused, RestoreRefused, StoreError
from bigconv.data import fileguard
from bigconv.data.copies import copy_from, partials
from bigconv.data.database import BUSY_TIMEOUT_MS

DEFAULT_KEEP = 12
RESTORE_WAIT = 10.0  # seconds `restore` waits for every holder to pause before it gives up
KEEP_DAMAGED = 2  # copies of a damaged database kept for inspection (each is a whole file)
ALERT_SUFFIX = ".backup-alert"  # beside the database: every station shows what it says
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
    """Copy the live database to a new timestamped file in `dest_dir`; returns its path.

    The copy passes the full `PRAGMA integrity_check` before it takes a backup's name. If not,
    the live database is damaged: the copy is kept as `.damaged`, the alert beside the
    database says what to do (every station shows it), and BackupDamaged is raised."""
    db_path = Path(db_path)
    if not db_path.is_file():
        raise StoreError(f"{db_path}: no database to back up")
    dest_dir = Path(dest_dir) if dest_dir else default_dir(db_path)
    try:
        dest_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise StoreError(f"{dest_dir}: cannot create the backup folder: {exc.strerror}") from None
    if not os.access(dest_dir, os.W_OK | os.X_OK):  # else SQLite's "unable to open database file"
        raise StoreError(f"{db_path}: backup to {dest_dir} failed: that folder is not writable")
    target = dest_dir / backup_name(db_path, now or dt.datetime.now(dt.UTC))
    partial = target.with_name(target.name + ".partial")
    try:
        copy_live(db_path, partial)
        verdict = check(partial)
        if verdict != "ok":
            # Never under a backup's name: pruning and `restore` must not take it for one.
            damaged = target.with_name(target.name.removesuffix(".db") + ".damaged")
            os.replace(partial, damaged)
            for old in _old_damaged(dest_dir, db_path):
                old.unlink(missing_ok=True)
            message = damaged_message(db_path, dest_dir, verdict)
            raise_alert(db_path, message)
            raise BackupDamaged(message)
        os.replace(partial, target)
        clear_alert(db_path)
    except (sqlite3.Error, OSError) as exc:
        for leftover in partials(partial):
            leftover.unlink(missing_ok=True)
        from bigconv.data.database import describe

        raise StoreError(
            f"{db_path}: backup to {dest_dir} failed: {describe(exc, dest_dir / 'x')}"
        ) from None
    return target


def damaged_message(db_path: Path, dest_dir: Path, verdict: str) -> str:
    """What a failed check means and what to do, for `serve`, the CLI and every station."""
    good = newest_good(dest_dir, db_path)
    then = (
        f"restore the newest good backup: bigconv restore EVENT.toml {good}"
        if good
        else "there is no good backup to restore: export what you can (bigconv export)"
    )
    return (
        f"DATABASE DAMAGED: the backup of {db_path} failed its check ({verdict[:200]}). "
        f"Older backups are kept. Stop the stations, then {then}"
    )


def open_source(path: Path) -> sqlite3.Connection:
    """A connection to read the live database from: refused if its log belongs to another
    file, and it never checkpoints (not on its own, not when it closes)."""
    try:
        fileguard.guard_sidecars(path)
    except fileguard.LogOfAnotherFile as exc:
        raise StoreError(str(exc)) from None
    conn = sqlite3.connect(str(path), timeout=BUSY_TIMEOUT_MS / 1000)
    fileguard.no_checkpoint_on_close(conn)
    conn.execute("PRAGMA wal_autocheckpoint = 0")
    return conn


def copy_live(source_path: Path, target_path: Path) -> None:
    """One-step online backup of a database stations may be writing, then make the copy a
    self-contained single file (a backup; a rehearsal's copy, bigconv/data/rehearsal.py)."""
    source = open_source(source_path)
    try:
        copy_from(source, target_path)
    finally:
        source.close()


def backups(dest_dir: str | Path, db_path: str | Path | None = None) -> list[Path]:
    """The backups in `dest_dir` (only this database's, if given), oldest first."""
    dest_dir = Path(dest_dir)
    if not dest_dir.is_dir():
        return []
    pattern = _pattern(db_path)
    found = [p for p in dest_dir.iterdir() if pattern.fullmatch(p.name)]
    return sorted(found, key=lambda p: (p.name[-24:], p.name))


def newest_good(dest_dir: str | Path, db_path: str | Path | None = None) -> Path | None:
    """The newest backup that passes the full check (usually the newest: one check)."""
    for path in reversed(backups(dest_dir, db_path)):
        if check(path) == "ok":
            return path
    return None


def _old_damaged(dest_dir: str | Path, db_path: str | Path | None) -> list[Path]:
    """Copies of a damaged database beyond the newest KEEP_DAMAGED (the disk must not fill)."""
    stem = Path(db_path).stem if db_path else "*"
    damaged = sorted(Path(dest_dir).glob(f"{stem}-*.damaged"))
    return damaged[: max(0, len(damaged) - KEEP_DAMAGED)]


def prune(
    dest_dir: str | Path, *, keep: int = DEFAULT_KEEP, db_path: str | Path | None = None
) -> list[Path]:
    """Delete all but the newest `keep` backups (of `db_path` only, if given), never the
    newest good one; returns what was deleted."""
    found = backups(dest_dir, db_path)
    doomed = found[: max(0, len(found) - max(keep, 1))]
    if doomed:
        good = newest_good(dest_dir, db_path)
        doomed = [p for p in doomed if p != good]
    doomed += _old_damaged(dest_dir, db_path)
    # A backup cut off by a crash leaves a .partial file (and its -journal); one an hour old
    # is no longer running.
    pattern, cutoff = _pattern(db_path), time.time() - 3600
    for p in Path(dest_dir).glob("*.partial*"):
        name = re.sub(r"\.partial(-journal|-wal|-shm)?$", "", p.name)
        with contextlib.suppress(OSError):
            if name != p.name and pattern.fullmatch(name) and p.stat().st_mtime < cutoff:
                doomed.append(p)
    for path in doomed:
        path.unlink(missing_ok=True)
    return doomed


def check(path: str | Path, *, quick: bool = False) -> str:
    """'ok', or what `PRAGMA integrity_check` (`quick_check` if `quick`: the same checks but
    for index contents, much faster) or opening the file says is wrong."""
    path = Path(path)
    if not path.is_file():
        return "file not found"
    try:
        conn = sqlite3.connect(path.resolve().as_uri() + _read_only(path), uri=True)
        try:
            pragma = "quick_check" if quick else "integrity_check"
            rows = conn.execute(f"PRAGMA {pragma}").fetchall()
        finally:
            conn.close()
    except sqlite3.DatabaseError as exc:
        return str(exc)
    return "; ".join(r[0] for r in rows)


def repair(source: Path, target: Path, *, live: bool = False) -> str:
    """Copy `source` (the `live` database, or a backup file) to `target` and rebuild every
    index there (`REINDEX`): the repair for damage only in indexes (a flipped bit that
    `quick_check` misses). Returns the full check's verdict on the repaired copy ('ok' if
    the repair worked)."""
    try:
        (copy_live if live else _copy_file)(source, target)
    except sqlite3.DatabaseError as exc:
        return str(exc)
    conn = sqlite3.connect(str(target))
    try:
        conn.execute("REINDEX")
        conn.commit()
    except sqlite3.DatabaseError as exc:
        return str(exc)
    finally:
        conn.close()
    return check(target)


def _copy_file(source: Path, target: Path) -> None:
    """A backup file (a single file, nobody holds it) copied with the backup API."""
    conn = sqlite3.connect(source.resolve().as_uri() + _read_only(source), uri=True)
    try:
        copy_from(conn, target)
    finally:
        conn.close()


@dataclass(frozen=True)
class Restored:
    moved: Path | None  # where the database that was in place now is (None: there was none)
    repaired: bool  # the backup's indexes were damaged and rebuilt on a copy


def _read_only(path: Path) -> str:
    """How to open `path` to read it: read-only; and by itself, without the -wal beside it,
    when that -wal is another file's (a file put back by hand: reading it would mix them)."""
    return "?immutable=1" if fileguard.foreign_log(path) else "?mode=ro"


def restore(
    backup_file: str | Path, db_path: str | Path, *, wait: float = RESTORE_WAIT
) -> Restored:
    """Put a backup in place of the database; the old files are moved aside, never deleted.

    Stations and servers may keep running: each pauses its writes while the restore runs
    and carries on with the restored file after (RestoreRefused, nothing changed, if one has
    not paused within `wait` seconds). A backup whose only damage is in its indexes is
    repaired on a copy first (`repaired` says so)."""
    backup_file, db_path = Path(backup_file), Path(db_path)
    source, repaired = backup_file, False
    verdict = check(backup_file)
    scratch = db_path.with_name(f"{db_path.name}.restoring-copy")
    if verdict != "ok":
        if not backup_file.is_file() or repair(backup_file, scratch) != "ok":
            scratch.unlink(missing_ok=True)
            raise RestoreRefused(f"{backup_file}: not a usable backup: {verdict[:300]}")
        source, repaired = scratch, True
    elif backup_file.resolve() == db_path.resolve():
        _copy_file(backup_file, scratch)  # the file in place is the one to keep: copy it first
        source = scratch
    try:
        with _holders_paused(db_path, wait):
            moved = move_aside(db_path)
            if source == scratch:
                os.replace(scratch, db_path)
            else:
                _copy_file(source, db_path)
    finally:
        scratch.unlink(missing_ok=True)
    clear_alert(db_path)
    return Restored(_kept(moved), repaired)


def repair_live(db_path: str | Path, *, wait: float = RESTORE_WAIT) -> Path | None:
    """Rebuild the live database's indexes: with every holder paused (as for a restore),
    copy it, REINDEX the copy, run the full check, and put the copy in place; returns where
    the damaged file was moved (None if nowhere). Copying only once the holders have paused
    is what keeps every write: one committed after the copy would stay in the old file.
    RepairRefused (nothing changed; the holders carry on) if the check still fails."""
    db_path = Path(db_path)
    scratch = db_path.with_name(f"{db_path.name}.repaired")
    try:
        with _holders_paused(db_path, wait):
            verdict = repair(db_path, scratch, live=True)
            if verdict != "ok":
                raise RepairRefused(db_path, verdict)
            moved = move_aside(db_path)
            os.replace(scratch, db_path)
    finally:
        for leftover in partials(scratch):
            leftover.unlink(missing_ok=True)
    clear_alert(db_path)
    return _kept(moved)


@contextlib.contextmanager
def _holders_paused(db_path: Path, wait: float) -> Iterator[None]:
    """Hold the restore marker, wait until every holder has paused and no commit is under
    way; the body may then replace the file. RestoreRefused if a holder does not pause."""
    try:
        with fileguard.restoring(db_path):
            _wait_for_holders(db_path, wait)
            _barrier(db_path)
            yield
            fileguard.forget_dead(db_path)
    except fileguard.RestoreBusy as exc:
        raise RestoreRefused(str(exc)) from None


def move_aside(db_path: Path, why: str = "before-restore") -> Path:
    """Move the database and its -wal and -shm to `NAME.WHY-TIME` (the -wal may hold commits
    a backup lacks: kept beside the old database, never deleted)."""
    stamp = dt.datetime.now(dt.UTC).strftime(_STAMP)
    moved = db_path.with_name(f"{db_path.name}.{why}-{stamp}")
    for suffix in ("", "-wal", "-shm"):
        old = Path(f"{db_path}{suffix}")
        if old.exists():
            os.replace(old, Path(f"{moved}{suffix}"))
    return moved


def _kept(moved: Path) -> Path | None:
    return moved if any(Path(f"{moved}{s}").exists() for s in ("", "-wal", "-shm")) else None


def _wait_for_holders(db_path: Path, wait: float) -> None:
    """Until every other live process holding the database has paused its writes."""
    deadline = time.monotonic() + wait
    while True:
        busy = [h for h in fileguard.holders(db_path) if h.alive and not h.paused]
        if not busy:
            return
        if time.monotonic() >= deadline:
            raise RestoreRefused(
                f"{db_path}: nothing restored: {fileguard.names(busy)} did not pause its "
                f"writes within {wait:g} s. Close it (ctrl+q in a station), then try again"
            )
        time.sleep(0.1)


def _barrier(db_path: Path) -> None:
    """Take and drop the write lock of the file in place: a commit that began before the
    holders paused has ended by then (every writer checks again under that lock)."""
    if fileguard.identity(db_path) is None or fileguard.foreign_log(db_path):
        return  # put back by hand: its log is another file's; every holder refuses to write
    conn = sqlite3.connect(str(db_path), timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
    try:
        fileguard.no_checkpoint_on_close(conn)
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("ROLLBACK")
    except sqlite3.DatabaseError:
        pass  # not a database (junk copied in): nobody can be writing to it
    finally:
        conn.close()


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
        """Back up and prune now; on failure remember why (in `last_error`) and return None.
        A copy that fails its check raises the alert every station shows (see `backup`)."""
        try:
            self.last_path = backup(self.db_path, self.dest_dir)
            prune(self.dest_dir, keep=self.keep, db_path=self.db_path)
        except StoreError as exc:
            self.last_error = str(exc)
            return None
        self.last_error = None
        return self.last_path


def alert_path(db_path: str | Path) -> Path:
    return Path(f"{db_path}{ALERT_SUFFIX}")


def raise_alert(db_path: str | Path, message: str) -> None:
    """Write the alert beside the database (not in it: it may be the damaged part)."""
    # On a full or read-only disk this fails: the process that backs up still reports it.
    with contextlib.suppress(OSError):
        alert_path(db_path).write_text(message + "\n", encoding="utf-8")


def read_alert(db_path: str | Path) -> str | None:
    """The backup alert in force for this database, if any (a stat, then a small read)."""
    try:
        return alert_path(db_path).read_text(encoding="utf-8").strip() or None
    except (OSError, UnicodeDecodeError):
        return None


def clear_alert(db_path: str | Path) -> None:
    alert_path(db_path).unlink(missing_ok=True)
