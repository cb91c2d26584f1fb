"""After the day: the spreadsheets, the report and everyone's CPD record."""

from __future__ import annotations

from pathlib import Path

import click

from bigconv.cli.options import (
    event_argument,
    existing_db,
    load,
)
from bigconv.cli.writing import out_file_option, out_option, staged

TITLE = "After the day"


@click.command()
@event_argument
@out_option
@click.option("--raw", is_flag=True, help="Do not guard cells that Excel would run as formulas.")
def export(event_file: Path, db_path: Path | None, out_dir: Path, raw: bool) -> None:
    """Write one CSV per table and view (UTF-8 with BOM, opens in Excel)."""
    from bigconv.data.export import export_csv

    day = load(event_file, db_path)
    db = existing_db(day)
    with staged(out_dir) as scratch:
        written = export_csv(db, scratch, raw=raw, tz=day.event.tz)
    for item in written:
        click.echo(f"{out_dir / item.path.name}: {item.rows} rows")


@click.command()
@event_argument
@out_file_option("report.html", "The HTML file to write (its folder is created if needed).")
def report(event_file: Path, db_path: Path | None, out_file: Path) -> None:
    """Write the day's report: one self-contained HTML file that opens offline."""
    from bigconv.output.report import render_report
    from bigconv.services.after import day_report

    day = load(event_file, db_path)
    found = day_report(existing_db(day), day.event)
    html = render_report(found.report, found.impact)
    with staged(out_file.parent, [out_file.name]) as scratch:
        (scratch / out_file.name).write_text(html, encoding="utf-8")
    click.echo(f"Wrote {out_file}")


@click.command()
@event_argument
@out_option
def cpd(event_file: Path, db_path: Path | None, out_dir: Path) -> None:
    """Write everyone's CPD record: cpd.csv and printable certificates.html (a page each)."""
    from bigconv.output.certificates import (
        render_certificates,
        write_cpd_csv,
        write_cpd_followups_csv,
    )
    from bigconv.services.after import cpd_records

    day = load(event_file, db_path)
    found = cpd_records(existing_db(day), day.event)
    html = render_certificates(
        found, event=day.event.name, date=day.event.date.isoformat(), venue=day.event.venue
    )
    with staged(out_dir) as scratch:
        rows = write_cpd_csv(found, scratch / "cpd.csv")
        more = write_cpd_followups_csv(found, scratch / "cpd-followups.csv")
        (scratch / "certificates.html").write_text(html, encoding="utf-8")
    click.echo(f"{out_dir / 'cpd.csv'}: {rows} sessions attended by {len(found)} people")
    click.echo(f"{out_dir / 'certificates.html'}: {len(found)} certificates, one page each")
    click.echo(f"{out_dir / 'cpd-followups.csv'}: {more} sessions led and commitments made")


COMMANDS = (export, report, cpd)
