"""`python -m bench --quick` runs every benchmark and writes a report of ratio tables.

It checks that the benchmarks run and report, not how fast anything is: timings never go into
a test (they are in BENCHMARKS.md, from `python -m bench`)."""

from __future__ import annotations

import subprocess
import sys

from tests.helpers import ROOT


def test_quick_benchmarks_run_and_write_tables(tmp_path):
    out = tmp_path / "BENCHMARKS.md"
    result = subprocess.run(
        [sys.executable, "-m", "bench", "--quick", "--out", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    report = out.read_text(encoding="utf-8")
    assert "FAILED" not in report
    sections = (
        "Workshop allocation",
        "Keys to the right person",
        "Phone site",
        "Live propagation",
        "Room screen",
        "The CPD loop",
        "The whole venue",
        "The -wal through a day",
        "Importing a staff list",
    )
    for section in sections:
        assert f"## {section}" in report
    assert report.count("|") > 40  # tables, not just headings


def test_versions_compares_two_revisions_figure_by_figure(tmp_path):
    """`python -m bench.versions REV`: the search benchmark on HEAD and on the working tree,
    alternating; one table row with the figures matched on both sides."""
    result = subprocess.run(
        [sys.executable, "-m", "bench.versions", "HEAD", "--only", "search", "--rounds", "1"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    row = next(line for line in result.stdout.splitlines() if line.startswith("| search |"))
    matched = int(row.split("|")[2])
    assert matched > 20  # the timings of both runs were matched line by line


def test_versions_reads_every_figure_of_a_line_by_its_label():
    from bench.versions import figures

    found = figures("input  ours med  ratio\nfirst+last  0.10  0.12\n1,000 attendees: 600\n")
    assert found == {("first+last # # @1", 0): 0.10, ("first+last # # @1", 1): 0.12}


def test_venue_fails_loudly_when_a_phone_write_was_refused():
    """bench.venue counts every phone request by its answer: a refused write (a 403 for a
    token the site never issued, a 429, a dropped connection) is named, never averaged in."""
    import collections

    from bench._venue_report import status_table

    statuses = {
        "reaction": collections.Counter({"200": 10, "403": 3}),
        "feedback": collections.Counter({"201": 2, "ServerDisconnectedError": 1}),
        "about": collections.Counter({"200": 5}),
    }
    lines, refused = status_table(statuses)
    assert refused == [
        "reaction: 3 of 13 writes refused (403 × 3)",
        "feedback: 1 of 3 writes refused (ServerDisconnectedError × 1)",
    ]
    assert "| reaction | 13 | 10 | 403 × 3 |" in lines
    assert status_table({"reaction": collections.Counter({"200": 4})})[1] == []


def test_venue_hall_keeps_inside_the_sites_limits_per_address():
    """The full and quick halls fit the site's limits on new devices and stored rows per
    address; the old hall (every phone on 127.0.0.1) does not, and says why."""
    from bench._venue_phones import plan_check
    from bench.venue import FULL, QUICK

    for plan in (FULL, QUICK):
        assert plan_check(plan.phones, plan.addresses, plan.phase("load")) == []
    problems = plan_check(850, 1, FULL.phase("load"))
    assert any("devices per address" in p for p in problems)
    assert any("writes a minute per address" in p for p in problems)


def test_venue_reads_the_desk_search_box_on_its_own_line():
    """Key echo is looked for in the search box's line, not anywhere on the screen."""
    from bench._venue_stations import search_box

    screen = [
        " ⭘   Station: Desk 1",
        " ▊▔▔▔▔▔▔▔▔▔▔▔▔▔▔▔▎ │ Checked in",
        " ▊  Smit J         ▎ │ 0 / 850  (0%)",
        " ▊▁▁▁▁▁▁▁▁▁▁▁▁▁▁▁▎ │",
        "  Jacob Smith   · not yet",
    ]
    assert search_box(screen) == (2, "Smit J")
    assert search_box(["nothing here"]) is None
