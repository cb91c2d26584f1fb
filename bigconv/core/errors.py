"""bigconv's own errors: what the data layer raises instead of sqlite3's, and what the event
file and the allocation refuse with. Front ends catch these, never sqlite3.Error."""

from __future__ import annotations

from pathlib import Path


class StoreError(Exception):
    """The database cannot be used (missing, read-only, corrupted, locked); the message says why."""


class Busy(StoreError):
    """The database is locked by another program just now: try again in a moment."""


class BackupDamaged(StoreError):
    """The copy failed its check: the live database is damaged. No good backup was pruned."""


class RestoreRefused(StoreError):
    """Nothing was changed: the backup is unusable, or a process holding the database did
    not pause for the restore (the message names it)."""


class RepairRefused(StoreError):
    """The damage is not only in indexes: REINDEX did not mend it. Nothing was changed."""

    def __init__(self, db_path: Path, verdict: str):
        super().__init__(f"{db_path}: the damage is not only in indexes ({verdict[:300]})")
        self.verdict = verdict


class ConfigError(Exception):
    """The event file has mistakes; `problems` holds one line per mistake."""

    def __init__(self, problems: list[str]):
        super().__init__("\n".join(problems))
        self.problems = problems


class AllocationError(Exception):
    """The allocation cannot be made; the message (one or more lines) says why."""


class AlreadyAllocated(AllocationError):
    """An allocation exists and replacing it was not asked for."""
