"""Keeping it safe: backups, restoring one, repairing damaged indexes, and the doctor."""

from __future__ import annotations

from pathlib import Path

import click

from bigconv.cli.options import (
    BadInput,
    Refused,
    event_argument,
    load,
)
from bigconv.cli.writing import check_folder, writable_folder
from bigconv.core.errors import RepairRefused, StoreError

TITLE = "Keeping it safe"


@click.command()
@event_argument
@click.option(
    "--to",
    "dest",
    type=click.Path(path_type=Path),
    callback=check_folder,
    help="Folder for the copy (default: backups/ beside the database).",
)
@click.option(
    "--keep", type=click.IntRange(min=1), help="Then delete all but the newest KEEP backups."
)
def backup(event_file: Path, db_path: Path | None, dest: Path | None, keep: int | None) -> None:
    """Copy the live database to a timestamped file; safe while stations keep writing."""
    from bigconv.data import backup as backups

    day = load(event_file, db_path)
    if not day.db_path.is_file():
        raise BadInput(f"{day.db_path}: no database to back up")
    dest = dest or writable_folder(backups.default_dir(day.db_path))
    try:
        path = backups.backup(day.db_path, dest)
    except StoreError as exc:
        raise Refused(str(exc)) from None
    click.echo(f"Backed up {day.db_path} to {path}")
    if keep:
        for old in backups.prune(dest, keep=keep, db_path=day.db_path):
            click.echo(f"Removed old backup {old}")


@click.command()
@event_argument
@click.argument("backup_file", metavar="BACKUP.db", type=click.Path(path_type=Path))
def restore(event_file: Path, db_path: Path | None, backup_file: Path) -> None:
    """Put a backup in place of the database; stations pause for it. The old file is kept."""
    from bigconv.data import backup as backups

    day = load(event_file, db_path)
    if not backup_file.is_file():
        raise BadInput(f"{backup_file}: file not found")
    writable_folder(day.db_path.resolve().parent)  # the file goes in there, the old one kept
    click.echo(f"Restoring {backup_file}: every station and server pauses its writes first ...")
    try:
        done = backups.restore(backup_file, day.db_path)
    except StoreError as exc:
        raise BadInput(str(exc)) from None
    if done.repaired:
        click.echo(
            f"{backup_file} had damaged indexes: rebuilt them on a copy (REINDEX), and the "
            "full check passes. The backup file itself is unchanged."
        )
    if done.moved:
        click.echo(f"Kept the previous database as {done.moved}")
    click.echo(f"Restored {day.db_path} from {backup_file}; the stations carry on with it.")


@click.command()
@event_argument
def repair(event_file: Path, db_path: Path | None) -> None:
    """Rebuild the database's indexes (on a copy, fully checked, then put in place)."""
    from bigconv.data import backup as backups

    day = load(event_file, db_path)
    if not day.db_path.is_file():
        raise BadInput(f"{day.db_path}: no database to repair")
    verdict = backups.check(day.db_path)
    if verdict == "ok":
        click.echo(f"{day.db_path}: the full check passes; nothing to repair.")
        return
    writable_folder(day.db_path.resolve().parent)  # the mended copy goes in there
    click.echo(f"Repairing {day.db_path}: every station and server pauses its writes first ...")
    try:
        moved = backups.repair_live(day.db_path)
    except RepairRefused as exc:
        raise Refused(
            f"{exc}; nothing changed. Restore the newest good backup: "
            "bigconv restore EVENT.toml BACKUP.db"
        ) from None
    except StoreError as exc:
        raise BadInput(str(exc)) from None
    click.echo(
        f"Repaired {day.db_path}: its indexes were damaged ({verdict[:200]}); rebuilt them "
        "(REINDEX) and the full check passes. Everything recorded is kept."
    )
    if moved:
        click.echo(f"Kept the damaged file as {moved}")


@click.command()
@event_argument
@click.option("--quick", is_flag=True, help="Check with quick_check, not the full integrity_check.")
def doctor(event_file: Path, db_path: Path | None, quick: bool) -> None:
    """Say what bigconv runs on and how the database is: SQLite, holders, checks, backups."""
    from bigconv.data import doctor as doctors

    day = load(event_file, db_path)
    report = doctors.examine(day.db_path, quick=quick)
    for line in report.lines:
        click.echo(line)
    if report.problems:
        raise Refused(f"{len(report.problems)} problem(s): " + "; ".join(report.problems))


COMMANDS = (backup, restore, repair, doctor)
