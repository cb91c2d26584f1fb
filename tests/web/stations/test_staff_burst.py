"""Keys from a browser station arrive batched in websocket frames: a frame that clears the box,
types a full name and presses Enter checks in exactly that person (real station process)."""

from __future__ import annotations

import asyncio
import json

from tests.helpers.db import table
from tests.helpers.web import log_in, origin, terminal_text


async def send(ws, keys: str) -> None:
    await ws.send_str(json.dumps(["stdin", keys]))


async def test_a_batched_burst_from_a_browser_checks_in_the_person_typed(
    client,
    passcode,
    small_db,
):
    assert (await log_in(client, passcode)).status == 303
    async with client.ws_connect("/staff/ws?width=80&height=24", headers=origin(client)) as ws:
        await terminal_text(ws, b"Set up this station")
        await send(ws, "Browser Desk\r")  # the name; the desk is the first choice
        await terminal_text(ws, b"scan a badge")
        await send(ws, "sarah kh")
        await terminal_text(ws, b"Khan")
        await send(ws, "\x15Ada Lovelace\r")  # ctrl+u, a full name and Enter, in one frame
        async with asyncio.timeout(30):
            while not table(small_db, "SELECT attendee_id FROM checkins"):
                await asyncio.sleep(0.1)
    checked_in = table(
        small_db,
        "SELECT a.first_name, a.last_name, c.station FROM checkins c"
        " JOIN attendees a ON a.id = c.attendee_id",
    )
    assert checked_in == [("Ada", "Lovelace", "Browser Desk")]
