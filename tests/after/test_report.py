"""The report's numbers (data layer) and its HTML: self-contained, escaped, in local time."""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

from bigconv.data import store
from bigconv.data.report import buckets, build
from bigconv.output.report import render_report
from tests.after.day import HOSTILE, IMG, MARKUP
from tests.conftest import run_cli

LONDON = ZoneInfo("Europe/London")


def report_for(path, tz=LONDON):
    db = store.connect(path)
    try:
        return build(db, tz, now=dt.datetime(2026, 11, 27, 17, 0, tzinfo=dt.UTC))
    finally:
        db.close()


def by_title(report, title: str, slot_start: str):
    return next(
        s for s in report.sessions if s.session.title == title and f"{s.start:%H:%M}" == slot_start
    )


def test_buckets_fill_gaps():
    t = dt.datetime(2026, 11, 27, 8, 31, tzinfo=LONDON)
    got = buckets([t, t + dt.timedelta(minutes=25)], 10)
    assert [(f"{k:%H:%M}", len(v)) for k, v in got] == [("08:30", 1), ("08:40", 0), ("08:50", 1)]


def test_numbers(day_db):
    r = report_for(day_db)
    assert (r.attendees, r.arrived) == (5, 4)
    assert [(f"{t:%H:%M}", n) for t, n in r.arrivals] == [("08:30", 2), ("08:40", 1), ("08:50", 1)]
    phonics = by_title(r, "Phonics", "10:00")
    assert phonics.no_shows == ["Sarah Khan"]
    assert phonics.walk_ins == 0
    # 10 taps from three phones (useful 5, lost 2, insight 3): each phone counts once per kind.
    assert phonics.reactions == {"useful": 3, "lost": 2, "insight": 3}
    # 12 five-minute buckets from 10:00 to 10:55, gaps included.
    assert len(phonics.timeline) == 12
    assert sum(sum(c.values()) for _, c in phonics.timeline) == 10
    # d4 answered twice: only its later answer (rating 3) counts.
    assert phonics.ratings == [0, 1, 1, 1, 1]
    assert "old comment" not in [f.comment for f in phonics.responses]
    wellbeing = by_title(r, "Wellbeing", "10:00")
    assert (wellbeing.walk_ins, wellbeing.no_shows) == (1, ["Sarah Khan"])
    schools = {s.school: s for s in r.schools}
    assert (schools["Alpha School"].staff, schools["Alpha School"].arrived) == (3, 3)
    # Linked by badge code, case and spaces ignored; "NOPE" links to no one.
    assert (schools["Alpha School"].responses, schools["Alpha School"].mean_rating) == (1, 5.0)
    assert schools["Beta School"].attended == 1


def test_html_escapes_hostile_text(day_db):
    html = render_report(report_for(day_db))
    assert "<script" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<img" not in html
    assert "&lt;img src=x onerror=" in html
    assert MARKUP in html  # square brackets are just text in HTML
    assert HOSTILE not in html and IMG not in html


def test_html_is_self_contained(day_db):
    html = render_report(report_for(day_db))
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", html)
    assert "<link" not in html and "@import" not in html
    assert html.count("<svg") > 5


def test_times_in_the_event_time_zone(day_db):
    html = render_report(report_for(day_db, ZoneInfo("America/New_York")))
    assert "05:00–06:00" in html  # Phonics, 10:00 UTC
    assert "times in America/New_York" in html


def test_empty_day_renders(small_db):
    html = render_report(report_for(small_db))
    assert "No reactions." in html and "nothing recorded" in html


def test_cli_report(day_db, small_event, tmp_path):
    out = tmp_path / "out" / "report.html"
    done = run_cli("report", small_event, "--out", out)
    assert done.returncode == 0, done.stderr
    assert "Small Test Day" in out.read_text(encoding="utf-8")


def test_cli_report_bad_event_exits_2(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text("[event]\nname = 3\n", encoding="utf-8")
    done = run_cli("report", bad, "--out", tmp_path / "r.html")
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    assert not (tmp_path / "r.html").exists()


def test_identical_answers_are_tallied(day_db):
    db = store.connect(day_db)
    with store.immediate(db):
        for device, text in (
            ("t1", "Mini whiteboards"),
            ("t2", " mini  WHITEBOARDS "),
            ("t3", "x"),
        ):
            db.execute(
                "INSERT INTO feedback (session_id, next_step, at, device) VALUES (2, ?, ?, ?)",
                [text, store.iso(), device],
            )
    db.close()
    html = render_report(report_for(day_db))
    assert '<li>Mini whiteboards <span class="times">×2</span></li>' in html
