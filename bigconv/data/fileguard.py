"""Which file a connection has, who holds it, and the rules that keep one file's log out of another.

SQLite finds a database's write-ahead log by name: `day.db-wal` and `day.db-shm` beside
`day.db`. Put another file at `day.db` (a backup copied back by hand, a sync tool restoring an
older version) while those two are there, and the next connection reads the old file's log
into the new file: pages of one database written over another. So:

- every connection remembers the identity it opened: the inodes of the database, its `-wal`
  and its `-shm` (`Identity`);
- every process that holds the file says so in a folder beside it (`day.db.holders/PID.json`:
  its name, the identities it holds, whether it has paused for a restore), so a new process,
  `bigconv restore` and `bigconv doctor` know who has it;
- a process never opens a file whose `-wal`/`-shm` a live holder of another file still uses
  (`guard_sidecars`); a holder that finds its file replaced while its log is still there stops
  writing (`State.BY_HAND`) until `bigconv restore` has moved the log aside;
- `bigconv restore` leaves a marker (`day.db.restoring`): every holder pauses its writes and
  says so, the restore moves the files, and the holders reopen the file now in place;
- exactly one process checkpoints: the one holding `checkpointer.lock` in the holders folder
  (SQLite 3.40's "WAL-reset bug" needs two checkpointers back to back).

No SQL here: file names, inodes, locks and small JSON files.

Over 400 lines because every rule about the file itself lives here together (identity, holders,
restore's marker, the checkpointer lock, the SQLite in use): split, their interplay would be
harder to see.
"""

from __future__ import annotations

import collections
import contextlib
import datetime as dt
import enum
import fcntl
import json
import logging
import os
import secrets
import sqlite3
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

LOG = logging.getLogger("bigconv.data")
HOLDERS_SUFFIX = ".holders"
RESTORING_SUFFIX = ".restoring"
CHECKPOINTER_LOCK = "checkpointer.lock"
SIDECARS = ("-wal", "-shm")


FILE_ID_AT = 68  # the header's 4-byte "application id": bigconv keeps a random id there


@dataclass(frozen=True)
class Identity:
    """The inodes of a database file and of its `-wal` and `-shm` (None: not there), and the
    random id in the file's own header (`fid`, 0 if it has none yet or was not read). The id
    tells a file from another that got the same inode number after the first was deleted and
    every process holding it had ended (it is read when a file is opened): every backup and
    restored copy gets an id of its own."""

    dev: int
    ino: int
    wal: int | None
    shm: int | None
    fid: int = 0

    @property
    def file(self) -> tuple[int, int]:
        return self.dev, self.ino

    def same_file(self, other: Identity) -> bool:
        ids_agree = not self.fid or not other.fid or self.fid == other.fid
        return self.file == other.file and ids_agree

    def shares_log(self, other: Identity) -> bool:
        """True if `other` uses this identity's `-wal` or `-shm` file."""
        return (self.wal is not None and self.wal == other.wal) or (
            self.shm is not None and self.shm == other.shm
        )


def _inode(path: Path) -> tuple[int, int] | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return st.st_dev, st.st_ino


def sidecar(path: Path, suffix: str) -> Path:
    return Path(f"{path}{suffix}")


def new_file_id() -> int:
    """A random id for a new file or copy (a positive 32-bit integer, never 0)."""
    return secrets.randbelow(2**31 - 2) + 1


def file_id(path: str | Path) -> int:
    """The id in the file's header as it is on the disk (not through the -wal), 0 if none.

    Read through SQLite (`immutable=1`: the file alone, no locks), never with a descriptor of
    our own: closing any descriptor of a file drops every POSIX lock the process holds on it,
    SQLite's among them, and another program would then think it had the file to itself (it
    checkpointed and deleted the -wal under running stations). SQLite's own files keep such
    a descriptor open until the process's last connection to the file has gone."""
    uri = Path(path).resolve().as_uri() + "?immutable=1"
    try:
        conn = sqlite3.connect(uri, uri=True)
        try:
            return int(conn.execute("PRAGMA application_id").fetchone()[0])
        finally:
            conn.close()
    except sqlite3.Error:
        return 0


def identity(path: str | Path, *, with_id: bool = False) -> Identity | None:
    """The identity of the file at `path` now, or None if there is none: a few stat calls
    (it runs before every write and at every station's poll), and with `with_id` the id in
    its header too (opening the file: at connect, and before trusting a log beside it)."""
    name = os.fspath(path)
    try:
        main = os.stat(name)
    except OSError:
        return None
    inodes: list[int | None] = []
    for suffix in SIDECARS:
        try:
            inodes.append(os.stat(name + suffix).st_ino)
        except OSError:
            inodes.append(None)
    fid = file_id(name) if with_id else 0
    return Identity(main.st_dev, main.st_ino, inodes[0], inodes[1], fid)


class State(enum.Enum):
    SAME = "same"  # the file this connection opened, with its own log
    MISSING = "missing"  # nothing at the path
    REOPEN = "reopen"  # another file (or fresh sidecars) at the path: safe to open it
    BY_HAND = "by-hand"  # another file at the path, but this one's log still beside it
    RESTORING = "restoring"  # `bigconv restore` is putting a backup in place


def state(path: Path, opened: Identity) -> State:
    """What the file at `path` is to a connection that opened `opened`."""
    marker = restore_marker(path)
    if marker is not None and marker.get("pid") != os.getpid():
        return State.RESTORING
    now = identity(path)  # inodes only: the open file's inode cannot be reused while it is open
    if now is None:
        return State.MISSING
    if not now.same_file(opened):
        return State.BY_HAND if opened.shares_log(now) else State.REOPEN
    # The same file, but its -wal or -shm deleted or replaced under us (junk copied in place
    # and the sidecars removed, say): this connection's log is no longer the one at the path.
    for mine, theirs in ((opened.wal, now.wal), (opened.shm, now.shm)):
        if mine is not None and mine != theirs:
            return State.REOPEN
    return State.SAME


# -- who holds the file ---------------------------------------------------------------------


def holders_dir(path: Path) -> Path:
    return Path(f"{path}{HOLDERS_SUFFIX}")


def _start_time(pid: int) -> str | None:
    """The process's start time (Linux), to tell a live process from a reused pid."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return stat.rsplit(")", 1)[1].split()[19]


def alive(pid: int, start: str | None) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    now = _start_time(pid)
    return start is None or now is None or now == start


LABEL = "bigconv"  # what other processes call this one (its pid is always said beside it)


def set_label(label: str) -> None:
    """Name this process for other processes' messages ("station desk-1", "serve")."""
    global LABEL
    LABEL = label


@dataclass
class Holder:
    pid: int
    label: str
    identities: list[Identity]
    paused: bool
    alive: bool


class _Registry:
    """This process's entries in the holders folders (one file per database path)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.held: dict[Path, dict[int, Identity]] = {}  # path: connection token: identity
        self.paused: set[Path] = set()
        self.next = 0
        # Connections collected without close(): their finalizers run wherever the garbage
        # collector happens to run, even inside `lock` on this thread, so they only leave a
        # note here (deque.append takes no lock) and the next call under the lock forgets them.
        self.collected: collections.deque[tuple[Path, int]] = collections.deque()

    def forget_later(self, path: Path, token: int) -> None:
        self.collected.append((path, token))

    def _drain(self) -> set[Path]:
        """Forget the collected connections (call with `lock` held); the paths touched."""
        touched = set()
        while self.collected:
            path, token = self.collected.popleft()
            if self._drop(path, token):
                touched.add(path)
        return touched

    def _drop(self, path: Path, token: int) -> bool:
        held = self.held.get(path, {})
        if held.pop(token, None) is None:
            return False
        if not held:
            self.held.pop(path, None)
            self.paused.discard(path)
        return True

    def drain(self) -> None:
        with self.lock:
            for touched in self._drain():
                self._write(touched)

    def register(self, path: Path, ident: Identity) -> int:
        with self.lock:
            touched = self._drain()
            self.next += 1
            self.held.setdefault(path, {})[self.next] = ident
            for other in touched - {path}:
                self._write(other)
            self._write(path)
            return self.next

    def unregister(self, path: Path, token: int) -> bool:
        """Forget a connection; True if it was this process's last one to `path`."""
        with self.lock:
            touched = self._drain()
            dropped = self._drop(path, token)
            for other in touched | ({path} if dropped else set()):
                self._write(other)
            return dropped and path not in self.held

    def set_paused(self, path: Path, paused: bool) -> None:
        with self.lock:
            for touched in self._drain():
                self._write(touched)
            if (path in self.paused) == paused:
                return
            (self.paused.add if paused else self.paused.discard)(path)
            self._write(path)

    def _write(self, path: Path) -> None:
        folder = holders_dir(path)
        entry = folder / f"{os.getpid()}.json"
        held = self.held.get(path)
        with contextlib.suppress(OSError):  # a read-only or full disk: the database says so
            if not held:
                entry.unlink(missing_ok=True)
                return
            folder.mkdir(exist_ok=True)
            data = {
                "pid": os.getpid(),
                "start": _start_time(os.getpid()),
                "label": LABEL,
                "identities": sorted({tuple(vars(i).values()) for i in held.values()}, key=str),
                "paused": path in self.paused,
                "at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            }
            partial = folder / f".{os.getpid()}.json.partial"
            try:
                partial.write_text(json.dumps(data), encoding="utf-8")
                os.replace(partial, entry)
            except OSError:
                partial.unlink(missing_ok=True)  # not one empty file per process on a full disk
                raise


REGISTRY = _Registry()


def register(path: Path, ident: Identity) -> int:
    return REGISTRY.register(Path(path).resolve(), ident)


def unregister(path: Path, token: int) -> bool:
    return REGISTRY.unregister(Path(path).resolve(), token)


def forget_later(path: Path, token: int) -> None:
    """For a finalizer: forget a connection that was collected without being closed."""
    REGISTRY.forget_later(Path(path).resolve(), token)


def pause(path: Path, paused: bool = True) -> None:
    """Say (in this process's entry) that it writes nothing to `path` until a restore ends."""
    if not paused and not REGISTRY.paused:
        return  # the usual case: nothing paused, nothing to say (no path to resolve)
    REGISTRY.set_paused(Path(path).resolve(), paused)


def holders(path: str | Path, *, others: bool = True) -> list[Holder]:
    """The processes that said they hold `path` (only other processes, if `others`)."""
    found = []
    folder = holders_dir(Path(path))
    if not folder.is_dir():
        return []
    for entry in sorted(folder.glob("*.json")):
        try:
            data = json.loads(entry.read_text(encoding="utf-8"))
            pid = int(data["pid"])
            identities = [
                Identity(
                    int(i[0]), int(i[1]), _int_or_none(i[2]), _int_or_none(i[3]), int(i[4] or 0)
                )
                if len(i) == 5
                else Identity(int(i[0]), int(i[1]), _int_or_none(i[2]), _int_or_none(i[3]))
                for i in data["identities"]
            ]
        except (OSError, ValueError, KeyError, TypeError, IndexError):
            continue  # not an entry bigconv wrote (or half of one): nothing to go by
        if others and pid == os.getpid():
            continue
        live = alive(pid, data.get("start"))
        found.append(
            Holder(pid, str(data.get("label", pid)), identities, bool(data.get("paused")), live)
        )
    return found


def _int_or_none(value: Any) -> int | None:
    """A number from a holder's JSON (whatever it holds: the caller skips what int refuses)."""
    return None if value is None else int(value)


def forget_dead(path: Path) -> None:
    """Remove the entries of processes that ended without removing their own."""
    for holder in holders(path):
        if not holder.alive:
            (holders_dir(path) / f"{holder.pid}.json").unlink(missing_ok=True)


def names(found: list[Holder]) -> str:
    return ", ".join(f"{h.label} (pid {h.pid})" for h in found)


# -- opening safely -------------------------------------------------------------------------


class LogOfAnotherFile(Exception):
    """The `-wal`/`-shm` beside the file belong to another file that a live process holds."""


def stamp() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y%m%d-%H%M%S")


def guard_sidecars(path: Path) -> None:
    """Before opening `path`: refuse if its `-wal`/`-shm` belong to another file that a live
    process still holds; if only ended processes held that other file, move the two aside
    (never deleted) so the file at `path` opens with a log of its own."""
    path = Path(path)
    REGISTRY.drain()  # connections of this process collected meanwhile hold nothing
    now = identity(path, with_id=True)
    wal, shm = (_inode(sidecar(path, s)) for s in SIDECARS)
    if wal is None and shm is None:
        return
    current = now or Identity(-1, -1, wal[1] if wal else None, shm[1] if shm else None)
    foreign = [
        h
        for h in holders(path, others=False)
        if any(not i.same_file(current) and i.shares_log(current) for i in h.identities)
    ]
    if not foreign:
        return
    live = [h for h in foreign if h.alive]
    if live:
        raise LogOfAnotherFile(replaced_message(path, live))
    moved = move_sidecars_aside(path, "orphaned")
    forget_dead(path)
    LOG.error(
        "%s: its -wal/-shm belonged to the file that was there before (its processes have "
        "ended); moved them aside as %s, so they are not read into this file",
        path,
        ", ".join(map(str, moved)),
    )


def foreign_log(path: Path) -> bool:
    """True if the `-wal`/`-shm` beside `path` belong to another file (held now or before)."""
    now = identity(path, with_id=True)
    return now is not None and any(
        not i.same_file(now) and i.shares_log(now)
        for h in holders(path, others=False)
        for i in h.identities
    )


def move_sidecars_aside(path: Path, why: str) -> list[Path]:
    """Rename `-wal` and `-shm` to `NAME.WHY-STAMP-wal`/`-shm` (kept for an expert)."""
    moved = []
    when = stamp()
    for suffix in SIDECARS:
        source = sidecar(path, suffix)
        target = path.with_name(f"{path.name}.{why}-{when}{suffix}")
        with contextlib.suppress(FileNotFoundError):
            os.replace(source, target)
            moved.append(target)
    return moved


def replaced_message(path: Path, live: list[Holder] | None = None) -> str:
    who = f" while {names(live)} had it open" if live else " while bigconv had it open"
    return (
        f"the database file {path} was replaced{who} (by hand or by a sync tool), and the old "
        "file's write-ahead log is still beside it: nothing more is saved, so the two are never "
        "mixed. To put a backup back, use: bigconv restore EVENT.toml BACKUP.db (to keep the "
        f"file now in place: bigconv restore EVENT.toml {path})"
    )


# -- bigconv restore's marker -----------------------------------------------------------------


def marker_path(path: Path) -> Path:
    return Path(f"{path}{RESTORING_SUFFIX}")


def restore_marker(path: Path) -> dict[str, Any] | None:
    """The restore in progress on `path` (its pid and name), if its process is alive."""
    if not os.path.lexists(f"{path}{RESTORING_SUFFIX}"):
        return None  # the usual case, in one stat
    try:
        data = json.loads(marker_path(Path(path)).read_text(encoding="utf-8"))
        pid = int(data["pid"])
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return data if alive(pid, data.get("start")) else None


@contextlib.contextmanager
def restoring(path: Path) -> Iterator[None]:
    """Hold the restore marker while the body runs (refused if another restore runs)."""
    marker = marker_path(path)
    if restore_marker(path) is not None:
        raise RestoreBusy(f"another bigconv restore is running on {path}")
    marker.unlink(missing_ok=True)  # a marker left by a restore that was killed
    data = {"pid": os.getpid(), "start": _start_time(os.getpid()), "label": LABEL}
    try:
        fd = os.open(marker, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    except FileExistsError:
        raise RestoreBusy(f"another bigconv restore is running on {path}") from None
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        json.dump(data, f)
    try:
        yield
    finally:
        marker.unlink(missing_ok=True)


class RestoreBusy(Exception):
    pass


# -- one checkpointer -----------------------------------------------------------------------


class CheckpointerLock:
    """An exclusive lock beside the database: the process holding it is the one that
    checkpoints. It is released when the process ends, however it ends."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self.fd: int | None = None
        self.guard = threading.Lock()

    @property
    def held(self) -> bool:
        return self.fd is not None

    def try_take(self) -> bool:
        with self.guard:
            return self._try_take()

    def _try_take(self) -> bool:
        if self.fd is not None:
            return True
        folder = holders_dir(self.path)
        try:
            folder.mkdir(exist_ok=True)
            fd = os.open(folder / CHECKPOINTER_LOCK, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError:
            return False
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            return False
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()} {LABEL}\n".encode())
        self.fd = fd
        return True

    def release(self) -> None:
        with self.guard:
            if self.fd is not None:
                os.close(self.fd)
                self.fd = None


_LOCKS: dict[Path, CheckpointerLock] = {}
_LOCKS_GUARD = threading.Lock()


def checkpointer_lock(path: Path) -> CheckpointerLock:
    """This process's one lock object for `path` (flock locks belong to an open file: two
    objects in one process would shut each other out)."""
    with _LOCKS_GUARD:
        key = Path(path).resolve()
        if key not in _LOCKS:
            _LOCKS[key] = CheckpointerLock(key)
        return _LOCKS[key]


def checkpointer(path: Path) -> str | None:
    """Who checkpoints `path` now ("PID LABEL"), or None if no process does."""
    lock = holders_dir(Path(path)) / CHECKPOINTER_LOCK
    try:
        fd = os.open(lock, os.O_RDONLY)
    except OSError:
        return None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except OSError:
            return os.pread(fd, 200, 0).decode(errors="replace").strip() or "another process"
        fcntl.flock(fd, fcntl.LOCK_UN)
        return None
    finally:
        os.close(fd)


# -- no checkpoint on close -----------------------------------------------------------------

SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE = 1006


def no_checkpoint_on_close(conn: sqlite3.Connection) -> bool:
    """Tell SQLite not to checkpoint (or delete the log) when this connection closes; True
    if it took. Python 3.12 has `Connection.setconfig`; 3.11 reaches the C API by ctypes."""
    setconfig = getattr(conn, "setconfig", None)
    if setconfig is not None:
        setconfig(SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, True)
        return True
    return _ctypes_no_ckpt(conn)


def _ctypes_no_ckpt(conn: sqlite3.Connection) -> bool:
    import _sqlite3
    import ctypes

    lib = ctypes.CDLL(_sqlite3.__file__)
    # CPython 3.11's pysqlite_Connection starts with the object header, then `sqlite3 *db`.
    handle = ctypes.c_void_p.from_address(id(conn) + object.__basicsize__).value
    if not handle:
        return False
    lib.sqlite3_db_filename.restype = ctypes.c_char_p
    lib.sqlite3_db_filename.argtypes = [ctypes.c_void_p, ctypes.c_char_p]
    name = lib.sqlite3_db_filename(handle, b"main")
    expected = conn.execute("PRAGMA database_list").fetchone()[2]
    if name is None or os.fsdecode(name) != expected:
        return False  # not the handle we think: change nothing
    lib.sqlite3_db_config.restype = ctypes.c_int
    done = ctypes.c_int(-1)
    rc = lib.sqlite3_db_config(
        ctypes.c_void_p(handle),
        SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE,
        ctypes.c_int(1),
        ctypes.byref(done),
    )
    return rc == 0 and done.value == 1


# -- the SQLite in use ------------------------------------------------------------------------


def wal_reset_bug(version: str = sqlite3.sqlite_version) -> bool:
    """True if this SQLite has the WAL-reset bug (fixed in 3.51.3; backports 3.50.7, 3.44.6)."""
    v = tuple(int(p) for p in version.split(".")[:3])
    if v < (3, 7, 0):
        return False
    return not (v >= (3, 51, 3) or (3, 50, 7) <= v < (3, 51, 0) or (3, 44, 6) <= v < (3, 45, 0))


def sqlite_line(version: str = sqlite3.sqlite_version) -> str:
    """One line on the SQLite in use, with a warning and what to do if it has the bug."""
    if not wal_reset_bug(version):
        return f"SQLite {version}"
    return (
        f"SQLite {version}: has the WAL-reset bug (fixed in 3.51.3, 3.50.7 and 3.44.6), which "
        "can damage a database when two programs checkpoint it back to back; bigconv lets "
        "only one process checkpoint, which avoids it. Upgrade Python or the system's SQLite "
        "when you can."
    )
