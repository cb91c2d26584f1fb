"""Text from phones is stored clean; hostile code points give a 400, never a 500."""

from __future__ import annotations

from bigconv.data import database
from tests.helpers.text import STORABLE, unsafe


async def test_phone_comment_is_stored_clean(client, codes, small_db):
    response = await client.post(
        f"/api/{codes['Phonics']}/feedback",
        json={"rating": 4, "comment": STORABLE, "next_step": "\u202eevil"},
    )
    assert response.status == 201
    rows = database.connect(small_db).execute("SELECT comment, next_step FROM feedback").fetchall()
    assert rows and all(unsafe(v) == [] for row in rows for v in row)


async def test_lone_surrogate_reaction_kind_is_a_400_not_a_500(client, codes, small_db):
    body = '{"kind": "\\ud800"}'
    response = await client.post(
        f"/api/{codes['Phonics']}/reactions",
        data=body,
        headers={"Content-Type": "application/json"},
    )
    assert response.status == 400
    assert database.connect(small_db).execute("SELECT count(*) FROM reactions").fetchone()[0] == 0
