"""`python -m bench --quick` runs every benchmark and writes a report of ratio tables.

It checks that the benchmarks run and report, not how fast anything is: timings never go into
a test (they are in BENCHMARKS.md, from `python -m bench`)."""

from __future__ import annotations

import subprocess
import sys

from tests.conftest import ROOT


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
        "Phone site",
        "Live propagation",
        "Room screen",
        "The CPD loop",
        "The whole venue",
        "The -wal through a day",
    )
    for section in sections:
        assert f"## {section}" in report
    assert report.count("|") > 40  # tables, not just headings
