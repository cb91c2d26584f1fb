"""Faults answer clearly: 503 and "not saved", never a 500; the site reopens a restored file;
a lock held by another program stalls neither the loop nor the pages that need no write."""

from __future__ import annotations

import asyncio
import os
import shutil
import sqlite3
import subprocess
import sys

import aiohttp
import pytest
from aiohttp.test_utils import TestClient, TestServer

from bench.lock import LOCKER  # another program holding the write lock
from bigconv.core.event import load_event
from bigconv.data import backup, database
from bigconv.data import passcode as passcodes
from bigconv.web.server import make_web_app
from tests.helpers.db import table
from tests.helpers.processes import run_cli
from tests.helpers.web import log_in, make_links, same_site, sqlite_calls_on_this_thread


def hold_write_lock(db_path, seconds: float) -> subprocess.Popen:
    """Another program holding the write lock for `seconds` (returns once it holds it)."""
    proc = subprocess.Popen(
        [sys.executable, "-c", LOCKER, str(db_path), str(seconds)],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout.readline().strip() == "locked"
    return proc


async def test_a_deleted_database_gets_503_and_a_restore_works_without_restart(
    client, codes, small_db, tmp_path
):
    url = f"/api/{codes['Phonics']}/reactions"
    assert (await client.post(url, json={"kind": "useful"})).status == 200
    good = backup.backup(small_db, tmp_path / "b")
    for suffix in ("", "-wal", "-shm"):
        (small_db.parent / (small_db.name + suffix)).unlink(missing_ok=True)
    for path in (url, f"/api/{codes['Phonics']}/feedback"):
        response = await client.post(path, json={"kind": "love", "rating": 4})
        assert response.status == 503
        assert "Not saved" in (await response.json())["error"]
        assert response.headers["Retry-After"]
    page = await client.post(
        f"/{codes['Phonics']}/react", data={"kind": "love"}, headers=same_site(client)
    )
    assert page.status == 503 and "Not saved" in await page.text()
    backup.restore(good, small_db)  # as `bigconv restore` does, while the site keeps running
    assert (await client.post(url, json={"kind": "love"})).status == 200
    assert table(small_db, "SELECT kind FROM reactions ORDER BY id") == [("useful",), ("love",)]


async def test_a_file_put_back_by_hand_stops_writes_until_restore(
    client, codes, small_db, tmp_path
):
    """A file put in place while the old one's -wal is still beside it is never written to
    (its log would be read into it); `restore` of that very file lets the site carry on."""
    url = f"/api/{codes['Phonics']}/reactions"
    assert (await client.post(url, json={"kind": "useful"})).status == 200
    copy = tmp_path / "copy.db"
    shutil.copy(small_db, copy)
    in_copy = table(copy, "SELECT count(*) FROM reactions")[0][0]  # 0 or 1: checkpointed yet?
    os.replace(copy, small_db)  # a different file at the same path, the old -wal beside it
    refused = await client.post(url, json={"kind": "love"})
    assert refused.status == 503
    kept = list(tmp_path.glob("small.db.replaced-*.db"))  # what the old file held, kept
    assert len(kept) == 1 and table(kept[0], "SELECT kind FROM reactions") == [("useful",)]
    backup.restore(small_db, small_db)  # `bigconv restore EVENT.toml small.db`: keep it
    assert (await client.post(url, json={"kind": "love"})).status == 200
    assert backup.check(small_db) == "ok"
    assert table(small_db, "SELECT kind FROM reactions")[in_copy:] == [("love",)]


async def test_a_read_only_database_gets_503(client, codes, small_db):
    db = database.connect(small_db)
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()
    os.chmod(small_db, 0o444)
    try:
        if os.access(small_db, os.W_OK):  # root ignores permissions: make it read-only itself
            conn = sqlite3.connect(small_db)
            conn.execute("PRAGMA query_only = 1")
            conn.close()
        response = await client.post(
            f"/api/{codes['Phonics']}/feedback", json={"rating": 4, "comment": "x"}
        )
        assert response.status in (201, 503)  # never a 500, and a 201 only when stored
        stored = table(small_db, "SELECT count(*) FROM feedback")[0][0]
        assert (response.status == 201) == (stored == 1)
    finally:
        os.chmod(small_db, 0o644)


@pytest.fixture
async def whole_site(small_event, small_db, clock, followup_links):
    """The whole site (phone pages, CPD pages, /staff) and a client that holds what each route
    needs: a phone's device token and a staff login; and a day link and a follow-up link."""
    links, ids = followup_links
    db = database.connect(small_db)
    passcode = passcodes.staff_passcode(db)
    db.close()
    app = make_web_app(small_db, load_event(small_event), clock=clock, staff=True)
    async with TestClient(TestServer(app, host="127.0.0.1")) as c:
        code = table(small_db, "SELECT code FROM sessions WHERE title = 'Phonics'")[0][0]
        await c.get(f"/{code}")  # the phone's device token
        assert (await log_in(c, passcode)).status == 303
        yield (
            c,
            {
                "code": code,
                "day": next(iter(make_links(small_db).values())),
                "followup": links["Bob"],
                "commitment": ids["Bob's secret plan"],
                "passcode": passcode,
            },
        )


ROWS = """SELECT (SELECT count(*) FROM reactions), (SELECT count(*) FROM commitments),
    (SELECT count(*) FROM followup_answers), (SELECT count(*) FROM link_devices),
    (SELECT count(*) FROM staff_sessions)"""


async def test_a_lock_held_elsewhere_stalls_no_page_and_no_other_request(whole_site, small_db):
    """Another program holds the write lock: every route answers (a page, or 503 for a write)
    while /api/about keeps answering beside it, no handler calls SQLite on the event loop
    (phone, CPD and staff pages alike), and nothing is stored."""
    c, x = whole_site
    code, cid = x["code"], x["commitment"]
    origin = {"Origin": f"http://{c.host}:{c.port}"}
    routes = [  # method, path, form, the answers allowed under the lock, and who asks
        ("POST", f"/{code}/commit", {"try_text": "Exit tickets"}, {503}),
        ("GET", f"/me/{x['day']}", None, {200}),  # shown; the phone is noted next time
        ("GET", f"/me/{x['followup']}", None, {200}),
        ("POST", f"/me/{x['followup']}", {f"tried-{cid}": "yes"}, {503}),
        ("GET", "/staff", None, {200}),  # signed in: the station page
        ("GET", "/staff", None, {200}, "a new browser"),  # the passcode form
        ("POST", "/staff/login", {"passcode": x["passcode"]}, {503}),
        ("POST", "/staff/logout", None, {503}),
        ("POST", f"/{code}/react", {"kind": "useful"}, {503}),
        ("POST", f"/api/{code}/reactions", {"kind": "useful"}, {503}),
        ("GET", f"/api/{code}/summary", None, {200}),
        ("GET", f"/{code}", None, {200}),
    ]
    before = table(small_db, ROWS)
    locker = hold_write_lock(small_db, 10)
    try:
        with sqlite_calls_on_this_thread() as calls:
            async with asyncio.timeout(8), aiohttp.ClientSession() as browser:
                for i, (method, path, form, allowed, *new) in enumerate(routes):
                    body = {"json": form} if path.startswith("/api/") else {"data": form}
                    who, url = (browser, c.make_url(path)) if new else (c, path)
                    slow = asyncio.create_task(
                        who.request(method, url, headers=origin, allow_redirects=False, **body)
                    )
                    about = await c.get("/api/about")
                    if i == 0:  # the commit waits for the lock in a database thread (1 s)
                        assert not slow.done(), "/api/about was answered only after the commit"
                    response = await slow
                    assert about.status == 200
                    assert response.status in allowed, (path, response.status)
                    text = await response.text()
                    if response.status == 503:
                        assert "Not saved" in text or "cannot open just now" in text, text
                    if new:
                        assert 'name="passcode"' in text
        assert calls == [], calls[:5]
        assert table(small_db, ROWS) == before
    finally:
        locker.kill()
        locker.wait()
    async with asyncio.timeout(20):
        while (
            await c.post(f"/{code}/commit", data={"try_text": "x"}, headers=origin)
        ).status != 200:
            await asyncio.sleep(0.1)
    assert (await c.get(f"/me/{x['day']}")).status == 200
    assert table(small_db, ROWS) == [(0, 3, 0, 1, 1)]  # one new commitment; the phone noted


def test_the_cli_reports_a_lock_in_one_line(small_event, small_db):
    locker = hold_write_lock(small_db, 30)
    try:
        done = run_cli("checkin", small_event, "Zoë", "--at", "10:20")
    finally:
        locker.kill()
        locker.wait()
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr
    assert done.stderr.strip().count("\n") == 0 and "locked" in done.stderr
    assert table(small_db, "SELECT count(*) FROM checkin_records") == [(0,)]


async def test_restore_while_serving_keeps_the_staff_pages_working(small_event, small_db, tmp_path):
    """A restore under a running server: the staff pages use the restored file at once (its
    passcode, its logins), a new passcode there ends the old logins, and logging in works."""
    from aiohttp.test_utils import TestClient, TestServer

    from bigconv.core.event import load_event
    from bigconv.data import passcode as passcodes
    from bigconv.web.server import make_web_app
    from tests.helpers.events import on_the_day
    from tests.helpers.web import log_in

    good = backup.backup(small_db, tmp_path / "b")
    app = make_web_app(small_db, load_event(small_event), clock=on_the_day(), staff=True)
    async with TestClient(TestServer(app, host="127.0.0.1")) as c:
        db = database.connect(small_db)
        passcode = passcodes.staff_passcode(db)
        db.close()
        assert (await log_in(c, passcode)).status == 303
        assert "textual.js" in await (await c.get("/staff")).text()
        backup.restore(good, small_db)  # the login was made after this backup
        assert 'name="passcode"' in await (await c.get("/staff")).text()
        assert (await log_in(c, passcode)).status == 303  # the restored file's passcode
        db = database.connect(small_db)
        new = passcodes.set_passcode(db, None, station="organiser")  # `bigconv passcode --new`
        db.close()
        assert 'name="passcode"' in await (await c.get("/staff")).text()
        assert (await log_in(c, passcode)).status == 401
        assert (await log_in(c, new)).status == 303
