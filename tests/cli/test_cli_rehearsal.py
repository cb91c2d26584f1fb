"""Rehearsing never touches the day: `serve --at` runs on a copy of the day's file (unless told
`--on-the-real-file`) and its pages say REHEARSAL; a rehearsal keeps one clock whoever joins it;
`rehearsal-reset` undoes what a rehearsal left in the day's file, saying first what it will do.
(`run --at`, in a real terminal: tests/e2e/test_rehearsal.py.)"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import subprocess
import sys
from collections.abc import AsyncIterator

import aiohttp
import pytest

from tests.helpers.db import digest, table
from tests.helpers.events import event_today, move_event
from tests.helpers.processes import free_port, run_cli, wait_until_up


@contextlib.asynccontextmanager
async def serving(small_event, *options: str) -> AsyncIterator[tuple[str, list[str]]]:
    """`bigconv serve` on 127.0.0.1 with `options`: its address, then what it printed."""
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "bigconv", "serve", str(small_event), "--host", "127.0.0.1",
         "--port", str(port), "--backup-minutes", "0", *options],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    said: list[str] = []
    try:
        await wait_until_up(f"http://127.0.0.1:{port}", proc)
        yield f"http://127.0.0.1:{port}", said
    finally:
        proc.terminate()
        out, err = proc.communicate(timeout=30)
        said += [out, err]


def phonics(small_db) -> str:
    return table(small_db, "SELECT code FROM sessions WHERE title = 'Phonics'")[0][0]


async def send_feedback(base: str, code: str, comment: str) -> str:
    """A phone's feedback on the session; returns the session page it read first."""
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as phone:
        async with phone.get(f"{base}/{code}") as page:
            html = await page.text()
        body = json.dumps({"rating": 5, "comment": comment})
        async with phone.post(
            f"{base}/api/{code}/feedback",
            data=body,
            headers={"Content-Type": "application/json", "Origin": base},
        ) as r:
            assert r.status == 201, await r.text()
    return html


def feedback(path) -> list[str]:
    return [row[0] for row in table(path, "SELECT comment FROM feedback ORDER BY id")]


async def test_serve_at_rehearses_on_a_copy_that_says_so_and_the_day_is_untouched(
    small_event, small_db
):
    before = digest(small_db)
    copy = small_db.with_name("small.rehearsal.db")
    async with serving(small_event, "--at", "10:20") as (base, said):
        page = await send_feedback(base, phonics(small_db), "rehearsed")
        assert "REHEARSAL" in page and "not the day" in page
        async with aiohttp.ClientSession() as browser, browser.get(f"{base}/staff") as login:
            staff = await login.text()
        assert "<title>REHEARSAL · " in staff and "REHEARSAL: a practice run" in staff
    out, _ = said
    assert "Rehearsing on small.rehearsal.db, a fresh copy of small.db" in out
    assert "Rehearsal clock: 10:20 on the event day (27 Nov 2026)." in out
    assert feedback(copy) == ["rehearsed"]
    assert digest(small_db) == before  # the day's file: not one row more

    async with (  # the day itself: no banner
        serving(small_event) as (base, said),
        aiohttp.ClientSession() as phone,
        phone.get(f"{base}/") as r,
    ):
        assert "REHEARSAL" not in await r.text()


async def test_a_rehearsal_goes_on_in_its_copy_until_asked_for_a_fresh_one(small_event, small_db):
    copy = small_db.with_name("small.rehearsal.db")
    code = phonics(small_db)
    async with serving(small_event, "--at", "10:20") as (base, _):
        await send_feedback(base, code, "first")
    async with serving(small_event, "--at", "10:20") as (base, said):
        await send_feedback(base, code, "second")
    assert "the copy of small.db made" in said[0] and "--fresh-rehearsal" in said[0]
    assert feedback(copy) == ["first", "second"]
    async with serving(small_event, "--at", "10:20", "--fresh-rehearsal") as (base, said):
        pass
    assert "a fresh copy of small.db" in said[0]
    assert "The previous rehearsal's file is kept" in said[0]
    assert feedback(copy) == []
    [kept] = small_db.parent.glob("small.rehearsal.db.previous-rehearsal-*[0-9]")  # its log beside
    assert feedback(kept) == ["first", "second"]  # moved aside, never deleted
    assert feedback(small_db) == []


async def test_on_the_real_file_is_asked_for_by_name_and_said_on_every_page(small_event, small_db):
    async with serving(small_event, "--at", "10:20", "--on-the-real-file") as (base, said):
        page = await send_feedback(base, phonics(small_db), "on the day's file")
        assert "REHEARSAL ON THE REAL FILE" in page
    assert "Rehearsing on the day's own file small.db" in said[0] and "rehearsal-reset" in said[0]
    assert feedback(small_db) == ["on the day's file"]
    assert not small_db.with_name("small.rehearsal.db").exists()


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["--on-the-real-file"], "--on-the-real-file goes with --at HH:MM"),
        (["--fresh-rehearsal"], "--fresh-rehearsal goes with --at HH:MM"),
        (["--at", "10:20", "--on-the-real-file", "--fresh-rehearsal"], "no copy to make"),
        (["--at", "quarter past"], "--at quarter past: expected a time such as 09:50"),
    ],
)
def test_where_a_rehearsal_runs_is_said_clearly_or_refused(small_event, small_db, options, message):
    done = run_cli("serve", small_event, "--port", str(free_port()), *options)
    assert done.returncode == 2 and message in done.stderr and "Traceback" not in done.stderr


async def test_a_rehearsal_keeps_one_clock_whoever_joins_it(small_event, small_db):
    """A second server started on the same rehearsal with another --at keeps the first one's
    time: the phones of both see the morning's sessions running (not the afternoon's)."""
    code = phonics(small_db)
    async with (
        serving(small_event, "--at", "10:20") as (first, _),
        serving(small_event, "--at", "13:30") as (second, said),
        aiohttp.ClientSession() as phone,
    ):
        for base in (first, second):
            async with phone.get(f"{base}/") as r:
                assert f'href="/{code}"' in await r.text(), base  # on now at 10:2x
    assert "Rehearsal clock: 10:2" in said[0] and "--at 13:30 is not used" in said[0]


# -- rehearsal-reset ---------------------------------------------------------------------------------


def rehearsed_on_the_days_file(small_event) -> None:
    """What a rehearsal on the day's file left (as every rehearsal did before copies)."""
    for args in (
        ("checkin", "Ada Lovelace", "--at", "08:31", "--station", "Rehearsal desk"),
        ("checkin", "Zoë", "--at", "08:40", "--station", "Rehearsal desk"),
        ("checkin", "s.khan@a.sch.uk", "--at", "09:35", "--station", "Desk 1"),
    ):
        done = run_cli(args[0], small_event, *args[1:])
        assert done.returncode == 0, done.stderr


def standing(small_db) -> list[str]:
    return [r[0] for r in table(small_db, "SELECT station FROM checkins ORDER BY at")]


def test_before_the_day_a_reset_lists_then_undoes_every_rehearsal_record(small_event, small_db):
    move_event(small_event, event_today() + dt.timedelta(days=5))
    assert run_cli("init", small_event).returncode == 0
    rehearsed_on_the_days_file(small_event)
    before = digest(small_db)

    dry = run_cli("rehearsal-reset", small_event, "--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert "To undo: 3 check-ins and 0 attendance marks stamped on" in dry.stdout
    assert "08:31  check-in    Ada Lovelace  (by Rehearsal desk)" in dry.stdout
    assert "Dry run: nothing was changed." in dry.stdout
    assert digest(small_db) == before

    unanswered = run_cli("rehearsal-reset", small_event)  # a script: nobody to answer
    assert unanswered.returncode == 2 and "add --yes" in unanswered.stderr
    no = run_cli("rehearsal-reset", small_event, input="n\n")
    assert no.returncode == 0 and "Nothing was changed." in no.stdout
    assert digest(small_db) == before

    yes = run_cli("rehearsal-reset", small_event, input="y\n")
    assert yes.returncode == 0, yes.stderr
    assert "Undone: 3" in yes.stdout and "nothing was deleted" in yes.stdout
    assert standing(small_db) == []
    assert table(small_db, "SELECT count(*) FROM checkin_records")[0][0] == 3  # kept
    logged = table(small_db, "SELECT count(*) FROM log WHERE action = 'rehearsal_undone'")
    assert logged[0][0] == 3
    again = run_cli("rehearsal-reset", small_event, "--yes")
    assert again.returncode == 0 and "Nothing to undo" in again.stdout


def test_on_or_after_the_day_a_reset_must_be_told_which_records(small_event, small_db):
    move_event(small_event, event_today() - dt.timedelta(days=1))
    assert run_cli("init", small_event).returncode == 0
    rehearsed_on_the_days_file(small_event)
    before = digest(small_db)
    refused = run_cli("rehearsal-reset", small_event, "--yes")
    assert refused.returncode == 2 and refused.stderr.count("\n") == 1
    assert "--before HH:MM" in refused.stderr and "--by STATION" in refused.stderr
    assert digest(small_db) == before
    by = run_cli("rehearsal-reset", small_event, "--by", "rehearsal desk", "--yes")
    assert by.returncode == 0, by.stderr
    assert standing(small_db) == ["Desk 1"]  # the day's own check-in stands


def test_a_reset_by_time_takes_what_was_stamped_before_the_doors_opened(small_event, small_db):
    move_event(small_event, event_today())
    assert run_cli("init", small_event).returncode == 0
    rehearsed_on_the_days_file(small_event)
    done = run_cli("rehearsal-reset", small_event, "--before", "09:00", "--yes")
    assert done.returncode == 0, done.stderr
    assert "before 09:00" in done.stdout and "Undone: 2" in done.stdout
    assert standing(small_db) == ["Desk 1"]
    bad = run_cli("rehearsal-reset", small_event, "--after", "10:00", "--before", "09:00")
    assert bad.returncode == 2 and "nothing between them" in bad.stderr
