"""Following up, the CPD loop: personal links for the day, follow-up rounds, who has not
answered, each school's page, and barriers marked addressed. Thin: parse, call, print."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click

from bigconv.cli.options import (
    BadInput,
    Refused,
    event_argument,
    existing_db,
    load,
    phone_address,
    public_url_option,
    station_option,
)
from bigconv.cli.writing import out_option, staged
from bigconv.net import DEFAULT_HOST, DEFAULT_PORT

TITLE = "Following up"


def _base(day, public_url: str | None) -> str:
    if not (public_url or day.event.base_url):
        click.echo(
            "Note: no --public-url and no base_url in the event file, so the links use this "
            "computer's current address; give --public-url with the address people will open.",
            err=True,
        )
    return phone_address(day, public_url, DEFAULT_PORT, DEFAULT_HOST)


def _mail_merge(path: Path, base: str):
    """Write the issued links to `path`: given to the data layer as `before_commit`, so it
    runs inside the transaction that revokes and makes links. Written there, to a scratch
    name (`staged`), a file that cannot be written rolls everything back: the links already
    sent keep working. Written after the commit instead, a failure would leave them revoked
    and the new ones nowhere; written to its final name before it, a failed commit would
    leave a file of links that do not exist."""
    from bigconv.output.mailmerge import write_mail_merge

    return lambda issued: write_mail_merge(issued, base, path)


@click.command("day-links")
@event_argument
@out_option
@public_url_option("default: base_url, else this computer's address")
@station_option
@click.option(
    "--days",
    type=click.IntRange(min=1, max=60),
    help="Keep the links open this many days from now (default: to the end of the event day).",
)
def day_links(event_file, db_path, out_dir, public_url, station, days) -> None:
    """Make everyone's personal link for the day (day-links.csv for a mail merge).

    Opened on a phone, it lets that phone put the person's name on what they'll try.
    Making new links revokes the earlier ones."""
    from bigconv.data import followup as fu

    day = load(event_file, db_path)
    db = existing_db(day)
    base = _base(day, public_url)
    now = dt.datetime.now(dt.UTC)
    if days:
        expires = now + dt.timedelta(days=days)
    else:
        end = dt.datetime.combine(day.event.date + dt.timedelta(days=1), dt.time(), day.event.tz)
        if end <= now:
            raise BadInput(f"{day.event.date}: the event day is over; give --days N to make links")
        expires = end
    name = "day-links.csv"
    with staged(out_dir, [name]) as scratch:
        issued = fu.create_day_links(
            db,
            expires=expires,
            station=station,
            at=now,
            before_commit=_mail_merge(scratch / name, base),
        )
    click.echo(
        f"{out_dir / name}: {len(issued)} personal links for the day, "
        f"open until {_local(day, expires)}"
    )
    click.echo("Send each person their own link from your mail program; bigconv sends no mail.")
    if skipped := fu.without_email(db):
        click.echo(_no_email(skipped), err=True)


SHOWN = 10  # people named when some have no email address


def _no_email(people) -> str:
    """One line: how many got no day link for want of an email address, and who."""
    named = ", ".join(
        f"{p.name} ({p.school or 'no school'}, badge {p.badge})" for p in people[:SHOWN]
    )
    more = f" and {len(people) - SHOWN} more" if len(people) > SHOWN else ""
    many = f"{len(people)} people have" if len(people) > 1 else "1 person has"
    return (
        f"{many} no email address, so no link was made for them: {named}{more}"
        " (add their email to the staff list and import it, then make the links again"
        " before sending any)"
    )


def _local(day, moment: dt.datetime) -> str:
    return f"{moment.astimezone(day.event.tz):%Y-%m-%d %H:%M}"


@click.command()
@event_argument
@click.option("--round", "label", required=True, metavar="NAME", help='The round, e.g. "4 weeks".')
@out_option
@public_url_option("default: base_url, else this computer's address")
@station_option
@click.option(
    "--days",
    type=click.IntRange(min=1, max=365),
    default=28,
    show_default=True,
    help="The round's links stay open this many days.",
)
def followup(event_file, db_path, label, out_dir, public_url, station, days) -> None:
    """Start a follow-up round: a personal link for everyone who named a commitment, and
    followup-ROUND.csv (email, first name, commitments in words, link) for a mail merge."""
    from bigconv.data import followup as fu

    day = load(event_file, db_path)
    if not fu.round_label(label):
        raise BadInput('--round: give the round a name, such as "4 weeks"')
    db = existing_db(day)
    base = _base(day, public_url)
    now = dt.datetime.now(dt.UTC)
    slug = "-".join("".join(c if c.isalnum() else " " for c in fu.round_label(label)).split())
    name = f"followup-{slug.lower() or 'round'}.csv"
    try:
        with staged(out_dir, [name]) as scratch:
            found, issued = fu.create_round(
                db,
                label,
                closes=now + dt.timedelta(days=days),
                station=station,
                at=now,
                before_commit=_mail_merge(scratch / name, base),
            )
    except fu.FollowupError as exc:
        raise Refused(f"--round: {exc}") from None
    path = out_dir / name
    click.echo(
        f"{path}: round “{found.label}”, {len(issued)} personal links, "
        f"open until {_local(day, found.closes_at)}"
    )
    if not issued:
        click.echo("No one has named a commitment yet, so no links were made.", err=True)
    if missing := sum(not i.person.email for i in issued):
        click.echo(f"{missing} of them have no email address: give them their link another way.")


@click.command("followup-status")
@event_argument
@click.option("--round", "label", metavar="NAME", help="One round (default: every round).")
def followup_status(event_file, db_path, label) -> None:
    """Who has not answered a follow-up round yet, per school (for a reminder)."""
    from bigconv.data import followup as fu

    day = load(event_file, db_path)
    db = existing_db(day)
    chosen = fu.rounds(db)
    if label:
        found = fu.find_round(db, label)
        if found is None:
            known = ", ".join(r.label for r in chosen) or "none yet"
            raise BadInput(f"--round: no round named {label!r} (rounds: {known})")
        chosen = [found]
    if not chosen:
        click.echo("No follow-up rounds yet (start one with `bigconv followup`).")
    for r in chosen:
        waiting = fu.unanswered(db, r.id)
        total = sum(len(v) for v in waiting.values())
        click.echo(
            f"Round “{r.label}” (open until {_local(day, r.closes_at)}): {total} not answered"
        )
        for school, people in waiting.items():
            click.echo(f"  {school}: " + ", ".join(f"{p.name} <{p.email}>" for p in people))


@click.command()
@event_argument
@out_option
def schools(event_file, db_path, out_dir) -> None:
    """Write each school's page and CSV for its CPD lead: commitments, barriers, support asked."""
    from bigconv.data.impact import school_digests
    from bigconv.output.schools import write_schools

    day = load(event_file, db_path)
    db = existing_db(day)
    found = school_digests(db)
    digests = [d for d in found if d.staff]  # a page for each school with registered staff
    unknown = sum(d.unnamed for d in found if not d.staff)
    with staged(out_dir) as scratch:
        written = write_schools(digests, scratch, event=day.event.name, tz=day.event.tz)
    for d, path in zip(digests, written, strict=True):
        click.echo(
            f"{out_dir / path.name}: {len(d.named)} named, {d.unnamed} unnamed commitments, "
            f"{len(d.barriers)} barriers"
        )
    if unknown:
        click.echo(f"{unknown} unnamed commitments came from phones that opened no personal link.")


@click.command("barrier-addressed")
@event_argument
@click.argument("answer_id", metavar="ANSWER", type=int)
@click.option("--note", default="", help="What was done (shown on the school's page).")
@station_option
def barrier_addressed(event_file, db_path, answer_id, note, station) -> None:
    """Mark the barrier in follow-up answer ANSWER (see the school's page) as addressed."""
    from bigconv.data import followup as fu

    day = load(event_file, db_path)
    db = existing_db(day)
    try:
        fu.mark_addressed(db, answer_id, note=note, station=station)
    except fu.FollowupError as exc:
        raise BadInput(str(exc)) from None
    click.echo(f"Barrier in answer {answer_id} marked addressed by {station} (logged).")


COMMANDS = (day_links, followup, followup_status, schools, barrier_addressed)
