"""The terminal side of a browser station: the command that runs it, and what passes from
the browser's xterm.js to the station process (keys, sizes; a paste cut to size)."""

from __future__ import annotations

import json
import shlex
import sys
from pathlib import Path

from aiohttp import WSMsgType, web
from textual_serve.app_service import AppService

from bigconv.core.text import PASTE_MAX


def station_command(event_path: Path, db_path: Path) -> str:
    """The shell command that runs one browser station: the set-up screen, no server, no backups
    (the serving process backs up). `exec`, so the process we watch (and may kill) is Python's."""
    return (
        f"exec {shlex.quote(sys.executable)} -m bigconv.station run {shlex.quote(str(event_path))}"
        f" --db {shlex.quote(str(db_path))} --mode setup --no-server --backup-minutes 0 --give-way"
    )


async def relay(ws: web.WebSocketResponse, service: AppService) -> None:
    """Pass the browser's keys, resizes and focus changes to the station process."""
    async for message in ws:
        if message.type != WSMsgType.TEXT:
            continue
        try:
            kind, *rest = json.loads(message.data)
        except (ValueError, TypeError):
            continue  # not what textual.js sends: ignore it
        data = rest[0] if rest else None
        if kind == "stdin" and isinstance(data, str):
            await service.send_bytes(cut_stdin(data).encode("utf-8"))
        elif kind == "resize" and isinstance(data, dict):
            width = clamp_int(str(data.get("width")), 80, 20, 500)
            height = clamp_int(str(data.get("height")), 24, 10, 200)
            await service.set_terminal_size(width, height)
        elif kind == "ping":
            await ws.send_json(["pong", data])
        elif kind == "blur":
            await service.blur()
        elif kind == "focus":
            await service.focus()


PASTE_START, PASTE_END = "\x1b[200~", "\x1b[201~"  # a bracketed paste, as xterm.js sends it


def cut_stdin(data: str, most: int = PASTE_MAX) -> str:
    """One stdin message with any paste in it cut to `most` + 1 characters (the station sees
    there was more, cuts the last and says so), its end marker kept so the terminal leaves
    paste mode; other keys are cut to `most` characters, never inside an escape sequence."""
    if len(data) <= most:
        return data
    start = data.find(PASTE_START)
    if start == -1:
        return _cut_keys(data, most)
    body = start + len(PASTE_START)
    end = data.find(PASTE_END, body)
    pasted = data[body:] if end == -1 else data[body:end]
    after = "" if end == -1 else data[end + len(PASTE_END) :]
    return (
        _cut_keys(data[:start], most)
        + PASTE_START
        + pasted[: most + 1]
        + PASTE_END
        + _cut_keys(after, most)
    )


def _cut_keys(keys: str, most: int) -> str:
    if len(keys) <= most:
        return keys
    escape = keys.rfind("\x1b", max(0, most - 16), most)  # an escape sequence cut in two
    return keys[: escape if escape != -1 else most]


def clamp_int(text: str | None, default: int, low: int, high: int) -> int:
    try:
        return min(high, max(low, int(text or default)))
    except ValueError:
        return default


def csp(nonce: str) -> str:
    # textual.js inserts <style> elements, hence 'unsafe-inline' for styles (never for scripts).
    return (
        f"default-src 'self'; script-src 'self' 'nonce-{nonce}'; "
        "style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self'; "
        "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
        "frame-ancestors 'none'"
    )
