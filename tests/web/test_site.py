"""The phone site over a real database: pages, forms without JavaScript, the JSON API, abuse rules."""

from __future__ import annotations

import re

from bigconv.web.common.site import DEVICE_COOKIE
from bigconv.web.server import MAX_BODY
from tests.helpers.db import table
from tests.helpers.web import same_site

JSON = {"Content-Type": "application/json"}


async def test_index_lists_sessions_running_now_and_a_code_box(client, codes):
    response = await client.get("/")
    html = await response.text()
    assert response.status == 200
    assert "Phonics" in html and f'href="/{codes["Phonics"]}"' in html
    assert "Oracy" not in html  # afternoon
    assert '<label for="code">' in html and 'action="/go"' in html


async def test_index_when_nothing_runs(client, clock):
    clock.advance(3 * 3600)  # 13:15 is in the afternoon slot; go to lunch instead
    clock.advance(-5400)
    html = await (await client.get("/")).text()
    assert "No session is running right now" in html


async def test_code_box_redirects_case_insensitively(client, codes):
    response = await client.get(f"/go?code= {codes['Phonics'].lower()} ", allow_redirects=False)
    assert response.status == 303
    assert response.headers["Location"] == f"/{codes['Phonics']}"


async def test_session_page_in_any_case_with_labelled_form_and_device_cookie(stranger, codes):
    response = await stranger.get(f"/{codes['Phonics'].lower()}")
    html = await response.text()
    assert response.status == 200
    assert "<h1>Phonics</h1>" in html and "Ada Lovelace" in html and "Room A" in html
    assert "10:00–11:00" in html
    assert html.count('name="kind"') == 6
    for field in ("rating1", "comment", "try_text"):
        assert f'<label for="{field}">' in html
    # "One thing I'll try" is asked once, in the commitment (the feedback form asked it too)
    assert 'name="next_step"' not in html and html.count('name="try_text"') == 1
    assert 'name="badge"' not in html  # feedback is anonymous: no badge code is asked for
    cookie = response.headers["Set-Cookie"]
    assert f"{DEVICE_COOKIE}=" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "default-src 'self'" in response.headers["Content-Security-Policy"]


async def test_page_weight_is_under_30_kb(client, codes):
    total = 0
    for path in (f"/{codes['Phonics']}", "/static/site.css", "/static/site.js"):
        response = await client.get(path)
        assert response.status == 200
        total += len(await response.read())
    assert total < 30 * 1024


async def test_unknown_code_gets_a_helpful_404_page(client):
    for path in ("/ZZZZ", "/go?code=ZZZZ", "/no-such/page", "/%3Cscript%3E"):
        response = await client.get(path)
        html = await response.text()
        assert response.status == 404, path
        assert "poster by the door" in html and 'action="/go"' in html
        assert "<script>" not in html


async def test_reaction_form_without_javascript_redirects_with_a_notice(client, codes, small_db):
    code = codes["Phonics"]
    await client.get(f"/{code}")
    response = await client.post(
        f"/{code}/react", headers=same_site(client), data={"kind": "insight"}
    )
    html = await response.text()
    assert response.status == 200 and str(response.url).endswith(f"/{code}?counted=insight")
    assert "Counted: 💡 New idea" in html
    assert table(small_db, "SELECT kind FROM reactions") == [("insight",)]


async def test_cooldown_answers_429_with_a_friendly_message(client, codes, clock, small_db):
    url = f"/api/{codes['Phonics']}/reactions"
    assert (await client.post(url, json={"kind": "useful"})).status == 200
    clock.advance(4)
    again = await client.post(url, json={"kind": "useful"})
    body = await again.json()
    assert again.status == 429
    assert again.headers["Retry-After"] == "6" and body["retry_after"] == 6
    assert "Already counted" in body["error"] and "Useful" in body["error"]
    assert (await client.post(url, json={"kind": "love"})).status == 200  # another kind
    form = await client.post(
        f"/{codes['Phonics']}/react", headers=same_site(client), data={"kind": "useful"}
    )
    assert form.status == 429 and "Already counted" in await form.text()
    clock.advance(6)
    assert (await client.post(url, json={"kind": "useful"})).status == 200
    assert table(small_db, "SELECT kind, count(*) FROM reactions GROUP BY kind ORDER BY kind") == [
        ("love", 1),
        ("useful", 2),
    ]


async def test_cooldown_follows_the_device_cookie_not_the_address(client, codes):
    url = f"/api/{codes['Phonics']}/reactions"
    assert (await client.post(url, json={"kind": "useful"})).status == 200
    client.session.cookie_jar.clear()  # another phone on the same school network
    await client.get(f"/{codes['Phonics']}")  # opens the page: a device token of its own
    assert (await client.post(url, json={"kind": "useful"})).status == 200


async def test_forged_or_odd_device_cookies_count_nothing(client, codes, small_db):
    url = f"/api/{codes['Phonics']}/reactions"
    forged = "A" * 22 + "." + "0" * 32
    for bad in ("x", "a" * 200, "'; DROP TABLE reactions;--", forged, "A" * 22):
        client.session.cookie_jar.clear()
        response = await client.post(
            url, json={"kind": "useful"}, headers={"Cookie": f"{DEVICE_COOKIE}={bad}"}
        )
        assert response.status == 403, bad
        assert "Reload the session page" in (await response.json())["error"]
    assert table(small_db, "SELECT count(*) FROM reactions") == [(0,)]
    await client.get(f"/{codes['Phonics']}")
    assert (await client.post(url, json={"kind": "useful"})).status == 200
    devices = [d for (d,) in table(small_db, "SELECT device FROM reactions")]
    assert len(devices) == 1 and all(re.fullmatch(r"[A-Za-z0-9_-]{22}", d) for d in devices)


async def test_feedback_form_without_javascript_is_stored_and_thanked(client, codes, small_db):
    code = codes["Phonics"]
    await client.get(f"/{code}")
    data = {
        "rating": "5",
        "next_step": "Exit tickets",
        "comment": "<script>alert(1)</script>",
        "badge": "",
    }
    response = await client.post(f"/{code}/feedback", headers=same_site(client), data=data)
    assert response.status == 200 and "Your feedback is saved" in await response.text()
    rows = table(small_db, "SELECT rating, next_step, comment, badge FROM feedback")
    assert rows == [(5, "Exit tickets", "<script>alert(1)</script>", None)]


async def test_feedback_errors_keep_what_was_typed_escaped(client, codes, small_db):
    code = codes["Phonics"]
    data = {"rating": "9", "comment": "<b>[bold red]x[/]</b>"}
    response = await client.post(f"/{code}/feedback", headers=same_site(client), data=data)
    html = await response.text()
    assert response.status == 400
    assert "from 1 to 5" in html
    assert "&lt;b&gt;[bold red]x[/]&lt;/b&gt;" in html and "<b>[bold" not in html
    assert table(small_db, "SELECT count(*) FROM feedback") == [(0,)]


async def test_one_feedback_per_device_later_replaces_earlier(client, codes, clock, small_db):
    url = f"/api/{codes['Phonics']}/feedback"
    assert (await client.post(url, json={"rating": 2, "comment": "first"})).status == 201
    clock.advance(60)
    assert (await client.post(url, json={"rating": 5, "next_step": "second"})).status == 201
    summary = await (await client.get(f"/api/{codes['Phonics']}/summary")).json()
    assert summary["feedback"]["responses"] == 1
    assert summary["feedback"]["submissions"] == 2
    assert summary["feedback"]["ratings"]["5"] == 1 and summary["feedback"]["ratings"]["2"] == 0
    assert len(table(small_db, "SELECT id FROM feedback")) == 2


async def test_summary_is_aggregate_only(client, codes, small_db):
    code = codes["Phonics"]
    badge = table(small_db, "SELECT badge FROM attendees LIMIT 1")[0][0]
    await client.post(f"/api/{code}/reactions", json={"kind": "useful"})
    await client.post(f"/api/{code}/feedback", json={"rating": 4, "comment": "secret words"})
    response = await client.get(f"/api/{code}/summary")
    text = await response.text()
    body = await response.json()
    assert body["reactions"]["useful"] == 1 and body["feedback"]["average_rating"] == 4.0
    for private in ("secret words", badge, "Ada", "device"):
        assert private not in text


async def test_a_badge_code_attaches_nothing_and_tells_nothing(client, codes, small_db):
    """No next step lands on a colleague's record by their badge, and a real badge gets the
    very same answer as a made-up one (no oracle)."""
    url = f"/api/{codes['Phonics']}/feedback"
    badge = table(small_db, "SELECT badge FROM attendees LIMIT 1")[0][0]
    answers = []
    for code in (badge, f" {badge.lower()} ", "BCNOPE"):
        response = await client.post(url, json={"rating": 3, "next_step": "x", "badge": code})
        answers.append((response.status, await response.text()))
    assert answers[0][0] == 400 and len(set(answers)) == 1
    assert table(small_db, "SELECT count(*) FROM feedback") == [(0,)]


async def test_empty_feedback_is_refused(client, codes):
    response = await client.post(f"/api/{codes['Phonics']}/feedback", json={})
    assert response.status == 400
    assert "rating" in (await response.json())["error"]


async def test_text_limits(client, codes, small_db):
    url = f"/api/{codes['Phonics']}/feedback"
    too_long = await client.post(url, json={"rating": 3, "comment": "x" * 1001})
    assert too_long.status == 400 and "at most 1000" in (await too_long.json())["error"]
    assert (await client.post(url, json={"rating": 3, "next_step": "y" * 301})).status == 400
    ok = await client.post(
        url, json={"rating": 3, "comment": "x" * 1000, "next_step": "a\x00b\x1bc"}
    )
    assert ok.status == 201
    assert table(small_db, "SELECT next_step, length(comment) FROM feedback") == [("abc", 1000)]


async def test_body_size_limit_gives_413(client, codes, small_db):
    body = '{"kind": "' + "x" * (MAX_BODY + 10) + '"}'
    response = await client.post(f"/api/{codes['Phonics']}/reactions", data=body, headers=JSON)
    assert response.status == 413 and "too much" in (await response.json())["error"]
    form = await client.post(
        f"/{codes['Phonics']}/feedback",
        data={"comment": "x" * (MAX_BODY + 10)},
        headers=same_site(client),
    )
    assert form.status == 413
    assert table(small_db, "SELECT count(*) FROM reactions") == [(0,)]


async def test_same_origin_check_on_posts(client, codes, small_db):
    code = codes["Phonics"]
    here = f"http://{client.server.host}:{client.server.port}"
    evil = {"Origin": "http://evil.example"}
    assert (
        await client.post(f"/{code}/react", data={"kind": "useful"}, headers=evil)
    ).status == 403
    api = await client.post(
        f"/api/{code}/reactions", json={"kind": "love"}, headers={"Origin": "null"}
    )
    assert api.status == 403 and "error" in await api.json()
    referer = {"Referer": "http://evil.example/page"}
    assert (
        await client.post(f"/{code}/feedback", data={"rating": "3"}, headers=referer)
    ).status == 403
    assert table(small_db, "SELECT count(*) FROM reactions") == [(0,)]
    ok = await client.post(
        f"/api/{code}/reactions", json={"kind": "love"}, headers={"Origin": here}
    )
    assert ok.status == 200


async def test_bad_input_is_4xx(client, codes, small_db):
    code = codes["Phonics"]
    cases = [
        (f"/api/{code}/reactions", b"not json", JSON),
        (f"/api/{code}/reactions", b"[1, 2]", JSON),
        (f"/api/{code}/reactions", b'{"kind": "bogus"}', JSON),
        (f"/api/{code}/reactions", b'{"kind": ["useful"]}', JSON),
        (f"/api/{code}/reactions", b"\xff\xfe\x00garbage", JSON),
        (f"/api/{code}/feedback", b'{"rating": true}', JSON),
        (f"/api/{code}/feedback", b'{"rating": 3.5}', JSON),
        (f"/api/{code}/feedback", b'{"rating": 3, "comment": "\\ud800"}', JSON),
        (f"/api/{code}/feedback", b'{"rating": 3, "comment": {"a": 1}}', JSON),
        (f"/api/{code}/feedback", b"[" * 100_00, JSON),
        ("/api/ZZZZ/reactions", b'{"kind": "useful"}', JSON),
        (f"/{code}/react", b"kind=%ff%fe", {"Content-Type": "application/x-www-form-urlencoded"}),
        (f"/{code}/react", b"--x\r\ngarbage", {"Content-Type": "multipart/form-data; boundary=x"}),
        (
            f"/{code}/feedback",
            b"rating=3",
            {"Content-Type": "application/x-www-form-urlencoded; charset=nope"},
        ),
    ]
    for url, body, headers in cases:
        response = await client.post(url, data=body, headers=headers)
        assert 400 <= response.status < 500, (url, body[:40], response.status)
    assert (await client.get("/api/ZZZZ/summary")).status == 404
    assert (await client.put(f"/api/{code}/reactions", json={})).status == 405
    assert table(small_db, "SELECT count(*) FROM reactions") == [(0,)]


async def test_about_identifies_bigconv(client):
    assert (await (await client.get("/api/about")).json())["app"] == "bigconv"


async def test_what_i_will_try_through_the_api_keeps_the_page(client, codes, small_db):
    """The page's script saves the commitment as JSON (the page stays as it is); the same
    checks as the form: something to try is needed, a name only with a personal link."""
    code = codes["Phonics"]
    await client.get(f"/{code}")
    url = f"/api/{code}/commit"
    empty = await client.post(url, json={"try_text": "  ", "when_where": "Y7"})
    assert empty.status == 400 and "one thing you'll try" in (await empty.json())["error"]
    named = await client.post(url, json={"try_text": "Exit tickets", "named": "1"})
    assert named.status == 400 and "personal link" in (await named.json())["error"]
    saved = await client.post(url, json={"try_text": "Exit tickets", "when_where": "Y7 set 2"})
    assert saved.status == 201 and await saved.json() == {"saved": True, "named": False}
    rows = table(small_db, "SELECT try_text, when_where, attendee_id FROM commitments")
    assert rows == [("Exit tickets", "Y7 set 2", None)]
