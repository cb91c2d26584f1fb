"""`bigconv doctor`: what bigconv runs on and how the database is, in a few lines."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from bigconv.data import backup, fileguard
from bigconv.data.database import why_not_opened


@dataclass
class Report:
    lines: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    def say(self, line: str) -> None:
        self.lines.append(line)

    def problem(self, line: str) -> None:
        self.lines.append(f"PROBLEM: {line}")
        self.problems.append(line)


def _size(path: Path) -> str:
    try:
        size = path.stat().st_size
    except OSError:
        return "none"
    return f"{size / 1024 / 1024:.1f} MB" if size >= 1024 * 1024 else f"{size / 1024:.0f} KB"


def examine(db_path: Path, *, quick: bool = False) -> Report:
    """Look at the database and what surrounds it; change nothing."""
    report = Report()
    report.say(fileguard.sqlite_line())
    report.say(
        f"Database: {db_path} ({_size(db_path)}; -wal {_size(fileguard.sidecar(db_path, '-wal'))})"
    )
    now = fileguard.identity(db_path, with_id=True)
    if now is None:
        report.problem(f"{db_path} does not exist (bigconv init creates it; restore puts one back)")
        return report
    found = fileguard.holders(db_path, others=False)
    live = [h for h in found if h.alive]
    foreign = [
        h for h in live if any(not i.same_file(now) and i.shares_log(now) for i in h.identities)
    ]
    for holder in live:
        state = " (paused for a restore)" if holder.paused else ""
        report.say(f"Held by: {holder.label} (pid {holder.pid}){state}")
    if not live:
        report.say("Held by: no running bigconv process")
    if foreign:
        report.problem(fileguard.replaced_message(db_path, foreign))
    report.say(
        f"Checkpoints: {fileguard.checkpointer(db_path) or 'nobody now (the next station or serve will)'}"
    )
    if (marker := fileguard.restore_marker(db_path)) is not None:
        report.say(f"A restore is running: {marker.get('label')} (pid {marker.get('pid')})")
    if not foreign:
        kind = "quick_check" if quick else "integrity_check"
        verdict = backup.check(db_path, quick=quick)
        if verdict == "ok":
            report.say(f"Check ({kind}): ok")
        elif why := why_not_opened(verdict, db_path):  # not damage: the check could not run
            report.problem(f"the {kind} could not run: {why} ({verdict})")
        else:
            report.problem(
                f"the {kind} fails: {verdict[:300]}. If only indexes are damaged, "
                "bigconv repair EVENT.toml rebuilds them; else restore the newest good backup"
            )
    if alert := backup.read_alert(db_path):
        report.problem(alert)
    folder = backup.default_dir(db_path)
    good = backup.newest_good(folder, db_path)
    if good is None:
        report.say(f"Backups: no good backup in {folder}")
    else:
        when = dt.datetime.fromtimestamp(good.stat().st_mtime, dt.UTC)
        report.say(f"Newest good backup: {good} ({when:%Y-%m-%d %H:%M} UTC)")
    try:
        import resource

        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        report.say(f"Open files allowed: {soft} (hard limit {hard})")
    except ImportError:  # not on this OS
        pass
    return report
