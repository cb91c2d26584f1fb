"""Periodic backups while `bigconv serve` runs: in a worker thread, never blocking the site."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from pathlib import Path

from aiohttp import web

from bigconv.data.backup import PeriodicBackup


def add_periodic_backups(
    app: web.Application, db_path: Path, every: float, report: Callable[[str], None]
) -> PeriodicBackup:
    """Back up `db_path` every `every` seconds while `app` runs; `report` hears of failures."""
    backups = PeriodicBackup(db_path, every=every)

    async def running(app: web.Application) -> AsyncIterator[None]:
        task = asyncio.create_task(_loop(backups, report))
        yield
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task

    app.cleanup_ctx.append(running)
    return backups


async def _loop(backups: PeriodicBackup, report: Callable[[str], None]) -> None:
    loop = asyncio.get_running_loop()
    while True:
        await asyncio.sleep(backups.every)
        # The copy opens its own connections in the executor's thread (sqlite-utils is per thread).
        if await loop.run_in_executor(None, backups.backup_now) is None:
            report(f"Backup failed: {backups.last_error}")
