"""The sample day (850 people) with its CPD loop recorded, deterministically: allocation,
arrivals, attendance, reactions, feedback, commitments (some named through day links), a
"4 weeks" follow-up round with answers and some barriers marked addressed. Used by
bench/followup.py and scripts/evidence_picture.py."""

from __future__ import annotations

import datetime as dt
import random
import shutil
from dataclasses import dataclass
from pathlib import Path

from bigconv.core.clock import iso, parse_iso
from bigconv.data import allocation, database, impact
from bigconv.data import followup as fu
from bigconv.data.report import build
from bigconv.output.report import render_report
from bigconv.services.setup import initialise, load

ROOT = Path(__file__).resolve().parent.parent

DAY = dt.datetime(2026, 11, 27, tzinfo=dt.UTC)
TRIES = [
    ("Exit tickets every Friday", "Year 8 science"),
    ("Bar model for fractions", "Year 4, week 2"),
    ("Cold calling with wait time", "Year 10 set 3"),
    ("A calm start to the day", "My tutor group"),
    ("Share the phonics frames", "KS1 team meeting"),
]
OBSTACLES = ["No time to plan", "Cover shortages", "", "Timetable clash", ""]
TRIED = ["yes", "yes", "partly", "partly", "not_yet"]


@dataclass
class CpdDay:
    event_path: Path
    db_path: Path
    later: dt.datetime  # the follow-up round's start
    day_tokens: list[str]  # day links (expired by `later`)
    round_tokens: list[str]  # the "4 weeks" round's links


def simulate(folder: Path) -> CpdDay:
    """The sample day in `folder` with its CPD loop recorded (fixed seed: same data every run)."""
    for name in ("sample_event.toml", "sample_staff.csv"):
        shutil.copy(ROOT / name, folder / name)
    ctx = load(folder / "sample_event.toml", None)
    db = initialise(ctx).db
    allocation.write(db, allocation.allocate(db, ctx.event.audiences, seed=0), station="setup")
    rng = random.Random(16)
    people = [r[0] for r in db.execute("SELECT id FROM attendees ORDER BY id")]
    arrived = set(people[:790])
    ranks = {
        (a, s): r for a, s, r in db.execute("SELECT attendee_id, session_id, rank FROM preferences")
    }
    day_links = fu.create_day_links(db, expires=DAY + dt.timedelta(hours=23), station="Office")
    opened = {i.person.id: i for i in day_links if rng.random() < 0.55}
    with database.immediate(db):
        for n, aid in enumerate(sorted(arrived)):
            at = iso(DAY + dt.timedelta(hours=8, seconds=n * 4))
            db.execute(
                "INSERT INTO checkin_records (attendee_id, at, station) VALUES (?, ?, 'Desk')",
                [aid, at],
            )
    allocated = db.execute(
        "SELECT a.attendee_id, a.session_id, t.starts_at FROM allocations a"
        " JOIN sessions s ON s.id = a.session_id JOIN slots t ON t.id = s.slot_id"
        " ORDER BY a.attendee_id, t.starts_at"
    ).fetchall()
    for aid, sid, starts in allocated:
        if aid not in arrived or rng.random() > 0.9:
            continue
        start = parse_iso(starts)
        device = f"phone{aid}"
        with database.immediate(db):
            db.execute(
                "INSERT INTO attendance_records (session_id, attendee_id, at, station)"
                " VALUES (?, ?, ?, 'Door')",
                [sid, aid, iso(start)],
            )
            for k in range(rng.randrange(3)):
                kind = rng.choice(["useful", "insight", "love", "question", "lost"])
                db.execute(
                    "INSERT INTO reactions (session_id, kind, at, device) VALUES (?, ?, ?, ?)",
                    [sid, kind, iso(start + dt.timedelta(minutes=5 + 9 * k)), device],
                )
            if rng.random() < 0.5:
                rank = ranks.get((aid, sid))
                base = {1: 4.3, 2: 3.9, 3: 3.5}.get(rank, 3.0)
                rating = max(1, min(5, round(rng.gauss(base, 0.8))))
                db.execute(
                    "INSERT INTO feedback (session_id, rating, at, device) VALUES (?, ?, ?, ?)",
                    [sid, rating, iso(start + dt.timedelta(minutes=55)), device],
                )
        if aid in opened:
            link = fu.resolve_link(db, opened[aid].token, at=start)
            fu.remember_device(db, link, device, start)
        if rng.random() < 0.3:
            text, where = rng.choice(TRIES)
            named = aid in opened and rng.random() < 0.8
            fu.record_commitment(
                db,
                sid,
                device,
                try_text=text,
                when_where=where,
                attendee_id=aid if named else None,
                at=start + dt.timedelta(minutes=58),
            )
    later = DAY + dt.timedelta(days=28)
    _, issued = fu.create_round(
        db, "4 weeks", closes=later + dt.timedelta(days=21), station="Office", at=later
    )
    for item in issued:
        if rng.random() > 0.7:
            continue
        link = fu.resolve_link(db, item.token, at=later)
        answers = [
            fu.AnswerInput(c.id, rng.choice(TRIED), "", rng.choice(OBSTACLES))
            for c in item.commitments
        ]
        fu.record_answers(db, link, answers, at=later + dt.timedelta(days=2))
    for n, (answer_id,) in enumerate(
        db.execute("SELECT id FROM followup_answers WHERE obstacles != '' ORDER BY id").fetchall()
    ):
        if n % 3 == 0:
            fu.mark_addressed(db, answer_id, note="Planning time given", station="CPD lead")
    db.close()
    return CpdDay(
        ctx.event.path,
        ctx.db_path,
        later,
        [i.token for i in day_links],
        [i.token for i in issued],
    )


def report_html(day: CpdDay) -> str:
    """The report with its evidence part, costs included, as the README picture shows it."""
    ctx = load(day.event_path, None)
    db = database.connect(day.db_path)
    evidence = impact.build_impact(db, [("Venue and catering", 4200.0)], hourly_cost=28.0)
    html = render_report(build(db, ctx.event.tz, now=day.later), evidence)
    db.close()
    return html
