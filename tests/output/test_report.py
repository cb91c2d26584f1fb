"""The report's numbers (data layer) and its HTML: self-contained, escaped, in local time."""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

from bigconv.core.clock import iso
from bigconv.data import checkin, database
from bigconv.data.report import buckets, build
from bigconv.output.report import render_report
from tests.helpers.day import HOSTILE, IMG, MARKUP
from tests.helpers.processes import run_cli

LONDON = ZoneInfo("Europe/London")


def report_for(path, tz=LONDON):
    db = database.connect(path)
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
    # Sarah A. was allocated to Phonics but walked into Wellbeing, of the same slot: she went
    # there, so she is no no-show in Phonics (the report once named her as one).
    assert phonics.no_shows == []
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
    db = database.connect(day_db)
    with database.immediate(db):
        for device, text in (
            ("t1", "Mini whiteboards"),
            ("t2", " mini  WHITEBOARDS "),
            ("t3", "x"),
        ):
            db.execute(
                "INSERT INTO feedback (session_id, next_step, at, device) VALUES (2, ?, ?, ?)",
                [text, iso(), device],
            )
    db.close()
    html = render_report(report_for(day_db))
    assert '<li>Mini whiteboards <span class="times">×2</span></li>' in html


def test_a_correction_stamped_after_the_day_is_counted_but_never_stretches_the_chart(day_db):
    """One check-in made ten days later (a correction without --at) once stretched the
    arrivals chart over ten days, the day itself squashed into a sliver."""
    db = database.connect(day_db)
    try:
        person = db.execute(
            "SELECT id FROM attendees WHERE id NOT IN (SELECT attendee_id FROM checkins)"
        ).fetchone()[0]
        later = dt.datetime(2026, 12, 7, 15, 0, tzinfo=dt.UTC)
        checkin.check_in(db, person, station="office", at=later)
    finally:
        db.close()
    r = report_for(day_db)
    assert r.arrived == 5 and r.arrivals_off_day == 1
    assert [(f"{t:%H:%M}", n) for t, n in r.arrivals] == [("08:30", 2), ("08:40", 1), ("08:50", 1)]
    assert {t.date() for t, _ in r.arrivals} == {dt.date(2026, 11, 27)}


def test_a_schools_linked_forms_are_the_forms_its_cuts_count(small_db):
    """The report's per-school "linked forms" counted only forms carrying a badge (0 once the
    site stopped taking badges) while its "feedback by who gave it" counted the phones that
    opened a personal link: one rule now (`feedback.form_person`), and the two agree."""
    from bigconv.data import impact
    from tests.helpers.followup_day import fill_commitments

    db = database.connect(small_db)
    try:
        fill_commitments(db)  # Zoë's phone (d2) opened her link and gave a form, no badge
        db.conn.commit()
        cuts = {c.group: c.responses for c in impact.feedback_cuts(db)["school"]}
    finally:
        db.close()
    rows = {row.school: row.responses for row in report_for(small_db).schools}
    assert rows["Alpha School"] == cuts["Alpha School"] == 2  # Ada by badge, Zoë by her link
    assert rows["Beta School"] == cuts["Beta School"] == 1


def test_one_thing_ill_try_shows_the_commitments_made_on_the_phone(small_db):
    """The phone page asks "what I'll try" once, in the commitment: the report's "One thing
    I'll try" lists those (each phone's latest), and what older feedback forms said."""
    from tests.helpers.followup_day import fill_commitments

    db = database.connect(small_db)
    try:
        fill_commitments(db)
        db.conn.commit()
    finally:
        db.close()
    phonics = by_title(report_for(small_db), "Phonics", "10:00")
    assert "Sound buttons every morning" in phonics.tries  # Zoë's later one
    assert "Sound buttons" not in phonics.tries  # replaced by it
    assert "Phoneme frames" in phonics.tries  # anonymous ones too
    html = render_report(report_for(small_db))
    assert "Sound buttons every morning" in html
