"""After the day: what the report and the CPD records are made of (the front ends render it)."""

from __future__ import annotations

from dataclasses import dataclass

import sqlite_utils

from bigconv.core.event import Event
from bigconv.data.cpd import CpdRecord
from bigconv.data.impact import Impact
from bigconv.data.report import Report


@dataclass(frozen=True)
class DayReport:
    """The day's report: what happened, and the evidence chain with the day's cost."""

    report: Report
    impact: Impact


def day_report(db: sqlite_utils.Database, event: Event) -> DayReport:
    """Everything `bigconv report` shows."""
    from bigconv.data.impact import build_impact
    from bigconv.data.report import build

    impact = build_impact(db, event.costs, event.staff_hour_cost)
    return DayReport(build(db, event.tz), impact)


def cpd_records(db: sqlite_utils.Database, event: Event) -> list[CpdRecord]:
    """Everyone's CPD record: sessions attended, with commitments, follow-ups and sessions led."""
    from bigconv.data.cpd import records
    from bigconv.data.impact import add_followups

    return add_followups(db, records(db, event.tz), event.tz)
