"""A long paste into a browser station is cut to PASTE_MAX characters: the relay cuts what it
passes on (keeping the bracketed-paste end marker), the station cuts again and says so, and
keeps answering keys (real station process over the real websocket)."""

from __future__ import annotations

import asyncio
import json

import aiohttp
import pyte

from bigconv.core.text import PASTE_MAX
from bigconv.web.stations.terminal import PASTE_END, PASTE_START, cut_stdin
from tests.helpers.web import log_in, origin

NOTICE = f"Pasted text cut to {PASTE_MAX:,} characters"


def test_a_long_paste_is_cut_and_keeps_its_end_marker():
    pasted = PASTE_START + "x" * 60_000 + PASTE_END
    cut = cut_stdin("\t" + pasted + "\r")
    assert cut == "\t" + PASTE_START + "x" * (PASTE_MAX + 1) + PASTE_END + "\r"
    unclosed = cut_stdin(PASTE_START + "y" * 5000)  # the end marker lost: one is added
    assert unclosed == PASTE_START + "y" * (PASTE_MAX + 1) + PASTE_END


def test_short_input_passes_unchanged_and_long_keys_are_not_cut_inside_an_escape():
    for keys in ("Ada Lovelace\r", PASTE_START + "K7QX2" + PASTE_END, "\x1b[B" * 300):
        assert cut_stdin(keys) == keys
    assert cut_stdin("a" * 5000) == "a" * PASTE_MAX
    down = "\x1b[B" * 400  # 1,200 characters of arrow keys
    assert cut_stdin(down) == "\x1b[B" * (PASTE_MAX // 3)


class Screen:
    """The station's screen as text, from the terminal bytes it sends (pyte)."""

    def __init__(self, ws: aiohttp.ClientWebSocketResponse, width: int, height: int):
        self.ws, self.screen = ws, pyte.Screen(width, height)
        self.stream = pyte.ByteStream(self.screen)

    async def shows(self, wanted: str, deadline: float) -> str:
        async with asyncio.timeout(deadline):
            while True:
                text = "\n".join(self.screen.display)
                if wanted in text:
                    return text
                message = await self.ws.receive()
                if message.type == aiohttp.WSMsgType.BINARY:
                    self.stream.feed(message.data)
                elif message.type != aiohttp.WSMsgType.TEXT:
                    raise AssertionError(f"the station closed before showing {wanted!r}")


async def test_a_60_kb_paste_leaves_the_station_answering(client, passcode):
    assert (await log_in(client, passcode)).status == 303
    async with client.ws_connect("/staff/ws?width=100&height=30", headers=origin(client)) as ws:
        screen = Screen(ws, 100, 30)
        await screen.shows("Set up this station", deadline=60)  # the name box has the focus
        paste = PASTE_START + "Paste " * 10_000 + PASTE_END  # 60,000 characters
        await ws.send_str(json.dumps(["stdin", paste]))
        await screen.shows(NOTICE, deadline=10)
        await ws.send_str(json.dumps(["stdin", "\x15Quokka Desk"]))  # ctrl+u, then a name
        await screen.shows("Quokka Desk", deadline=5)
