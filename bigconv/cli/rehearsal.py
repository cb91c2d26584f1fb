"""Rehearsing: the options `run` and `serve` share to say where a rehearsal runs (the use case
is bigconv/services/rehearsal.py), and `rehearsal-reset`, for a rehearsal that wrote into the
day's own file (every rehearsal did, before rehearsals had a copy of their own)."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

import click

from bigconv.cli.options import (
    BadInput,
    Day,
    event_argument,
    existing_db,
    load,
    station_option,
)
from bigconv.core.errors import StoreError

if TYPE_CHECKING:  # imported when used: every station process loads this module
    from bigconv.services.rehearsal import Rehearsal


def rehearsal_options(func):
    """--on-the-real-file and --fresh-rehearsal, for `run` and `serve` (with --at)."""
    func = click.option(
        "--fresh-rehearsal",
        is_flag=True,
        help="With --at: copy the day's file again for this rehearsal (the last copy is kept "
        "aside), so it starts from what the day's file holds now.",
    )(func)
    return click.option(
        "--on-the-real-file",
        "on_real_file",
        is_flag=True,
        help="With --at: rehearse on the day's own file, not a copy: what is done stays in it "
        "(rehearsal-reset undoes its check-ins and marks).",
    )(func)


def rehearse(
    day: Day, at_time: str | None, offset: float | None, *, on_real_file: bool, fresh: bool
) -> tuple[Day, Rehearsal | None]:
    """The day `run`/`serve` open (a rehearsal's copy, if --at), and the rehearsal, if any
    (its `said`: for the caller to print). `day.db_path` must exist."""
    from bigconv.services.rehearsal import prepare

    if (on_real_file or fresh) and not at_time:
        flag = "--on-the-real-file" if on_real_file else "--fresh-rehearsal"
        raise BadInput(f"{flag} goes with --at HH:MM (it says where a rehearsal runs)")
    if on_real_file and fresh:
        raise BadInput(
            "--on-the-real-file rehearses on the day's file: --fresh-rehearsal has no copy to make"
        )
    try:
        found = prepare(day, at=at_time, offset=offset, on_real_file=on_real_file, fresh=fresh)
    except ValueError:
        raise BadInput(f"--at {at_time}: expected a time such as 09:50") from None
    except StoreError as exc:
        raise BadInput(str(exc)) from None
    if found is None:
        return day, None
    return replace(day, db_path=found.db_path), found


# -- rehearsal-reset ------------------------------------------------------------------------------

LISTED = 20  # records listed one by one before "... and N more"


@click.command("rehearsal-reset")
@event_argument
@click.option(
    "--before", metavar="HH:MM", help="Only records stamped before this time on the event day."
)
@click.option(
    "--after", metavar="HH:MM", help="Only records stamped at or after this time on the event day."
)
@click.option(
    "--by",
    "made_by",
    metavar="STATION",
    multiple=True,
    help="Only records made by this station (repeat for more).",
)
@click.option("--dry-run", is_flag=True, help="List what would be undone; change nothing.")
@click.option("--yes", is_flag=True, help="Undo without asking (for scripts).")
@station_option
def rehearsal_reset(
    event_file: Path,
    db_path: Path | None,
    before: str | None,
    after: str | None,
    made_by: tuple[str, ...],
    dry_run: bool,
    yes: bool,
    station: str,
) -> None:
    """Undo the check-ins and attendance marks a rehearsal left in the day's file (stamped undone and logged, never deleted)."""
    from bigconv.core.clock import iso, utcnow
    from bigconv.data import rehearsal as files

    day = load(event_file, db_path)
    start, end = _window(day, after, before)
    today = utcnow().astimezone(day.event.tz).date()
    if today >= day.event.date and not (before or made_by):
        when = "the event day" if today == day.event.date else "after the event day"
        raise BadInput(
            f"Today is {when}: the day's own check-ins may be in the file too. Say which records"
            " the rehearsal made with --before HH:MM (stamped before the doors opened) and/or"
            " --by STATION (its stations); --dry-run lists what that takes in"
        )
    db = existing_db(day)
    records = files.standing_records(db, iso(start), iso(end), made_by)
    which = _described(day, start, end, after, before, made_by)
    if not records:
        click.echo(f"Nothing to undo: no check-in or attendance mark stands {which}.")
        return
    _list(day, records, which)
    if others := files.left_alone(db, iso(start), iso(end)):
        found = ", ".join(f"{n} {what}" for what, n in others.items())
        click.echo(f"Left as they are (nothing undoes them; the report counts them): {found}.")
    if dry_run:
        click.echo("Dry run: nothing was changed.")
        return
    if not yes and not _confirmed(len(records)):
        return
    done = files.undo_records(db, records, station=station, at=iso())
    click.echo(
        f"Undone: {done}, each stamped undone by {files.UNDONE_BY} and logged; nothing was"
        " deleted. The day starts with them not checked in."
    )


def _window(day: Day, after: str | None, before: str | None) -> tuple[dt.datetime, dt.datetime]:
    """The stamps a reset looks at: the event day, from `after` up to `before` if given."""
    from bigconv.services.setup import event_time

    midnight = dt.datetime.combine(day.event.date, dt.time(0), day.event.tz)
    bounds = [midnight, midnight + dt.timedelta(days=1)]
    for i, (flag, text) in enumerate((("--after", after), ("--before", before))):
        if text:
            try:
                bounds[i] = event_time(day.event, text)
            except ValueError:
                raise BadInput(f"{flag} {text}: expected a time such as 08:00") from None
    if bounds[0] >= bounds[1]:
        raise BadInput(f"--after {after} is not before --before {before}: nothing between them")
    return bounds[0], bounds[1]


def _described(day: Day, start, end, after, before, made_by) -> str:
    """ "stamped on Fri 27 Nov 2026 from 08:00 before 10:00, made by Desk 1": what is looked at."""
    parts = [f"stamped on {day.event.date:%a %d %b %Y}"]
    if after:
        parts.append(f"from {start:%H:%M}")
    if before:
        parts.append(f"before {end:%H:%M}")
    by = f", made by {', '.join(made_by)}" if made_by else ""
    return " ".join(parts) + by


def _list(day: Day, records, which: str) -> None:
    from bigconv.core.clock import parse_iso

    checkins = sum(r.kind == "check-in" for r in records)
    marks = len(records) - checkins
    click.echo(
        f"To undo: {checkins} check-ins and {marks} attendance marks {which}"
        " (each stamped undone and logged; nothing is deleted):"
    )
    for r in records[:LISTED]:
        when = parse_iso(r.at).astimezone(day.event.tz)
        where = f" in {r.session}" if r.session else ""
        click.echo(f"  {when:%H:%M}  {r.kind:10}  {r.name}{where}  (by {r.station})")
    if len(records) > LISTED:
        click.echo(f"  ... and {len(records) - LISTED} more")


def _confirmed(count: int) -> bool:
    """Asked on the terminal; with nothing to answer (a script), exit 2 asking for --yes."""
    try:
        if click.confirm(f"Undo these {count}?", default=False):
            return True
    except click.Abort:
        raise BadInput(
            "Nothing was changed: add --yes to undo them (--dry-run only lists them)"
        ) from None
    click.echo("Nothing was changed.")
    return False
