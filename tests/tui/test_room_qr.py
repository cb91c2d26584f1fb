"""The QR code as the room screen draws it, read back by a real decoder (zbarimg)."""

from __future__ import annotations

from bigconv.data import database
from bigconv.data.timetable import sessions
from bigconv.services.setup import load
from bigconv.tui.app import make_app
from bigconv.tui.config import StationConfig
from bigconv.tui.dialogs.qr_view import QrView
from bigconv.tui.widgets.qr import QrCode
from tests.helpers.processes import require_tool
from tests.helpers.qr import half_blocks_to_png, rendered_lines, zbar
from tests.helpers.tui import MORNING


async def test_room_screen_qr_decodes_to_the_feedback_url(small_db, small_event, tmp_path):
    require_tool("zbarimg")
    ctx = load(small_event, None)
    app = make_app(
        ctx.db_path,
        StationConfig(mode="room", room="Room A", event=ctx.event, clock=lambda: MORNING),
    )
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        code = app.screen.session.code
        lines = rendered_lines(app.screen.query_one("#qr", QrCode))
        assert set("".join(lines)) <= set("█▀▄ ")
        assert lines[0].strip() == "" and all(line[:2] == "  " for line in lines)  # quiet zone
        await pilot.press("f8")
        await pilot.pause()
        assert isinstance(app.screen, QrView)
        big = app.screen.query_one("#qr-big", QrCode)
        big_lines = rendered_lines(big)
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, QrView)
    db = database.connect(small_db)
    assert code == next(s.code for s in sessions(db) if s.title == "Phonics")
    db.close()
    url = f"http://192.0.2.10:8000/{code}"  # the small event's base_url
    assert zbar(half_blocks_to_png(lines, tmp_path / "room.png")) == url
    assert zbar(half_blocks_to_png(big_lines, tmp_path / "big.png")) == url


async def test_full_screen_qr_grows_with_the_terminal(small_db, small_event):
    ctx = load(small_event, None)
    app = make_app(
        ctx.db_path,
        StationConfig(mode="room", room="Room A", event=ctx.event, clock=lambda: MORNING),
    )
    async with app.run_test(size=(200, 50)) as pilot:
        await pilot.pause()
        small = app.screen.query_one("#qr", QrCode)
        await pilot.press("f8")
        await pilot.pause()
        await pilot.pause()
        big = app.screen.query_one("#qr-big", QrCode)
        assert small.scale == 2 and big.scale == 3  # 29 modules: 87 cells wide, 44 lines tall
        assert big.size == (big.modules * 3, (big.modules * 3 + 1) // 2)
        assert big.size.height <= 50 - 2
        url = str(app.screen.query_one("#qr-view-url").render())
        assert url.strip() == big.text


async def test_f10_shows_the_qr_with_before_you_go(small_db, small_event, tmp_path):
    """Near the end of a session the host shows the code that opens the commitment form."""
    require_tool("zbarimg")
    ctx = load(small_event, None)
    app = make_app(
        ctx.db_path,
        StationConfig(mode="room", room="Room A", event=ctx.event, clock=lambda: MORNING),
    )
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        code = app.screen.session.code
        await pilot.press("f10")
        await pilot.pause()
        assert isinstance(app.screen, QrView)
        prompt = str(app.screen.query_one("#qr-view-prompt").render()).strip()
        big = app.screen.query_one("#qr-big", QrCode)
        assert big.region.bottom <= 24
        lines = rendered_lines(big)
        await pilot.press("f10")
        await pilot.pause()
        assert not isinstance(app.screen, QrView)
    assert prompt == "Before you go: one thing you'll try"
    url = f"http://192.0.2.10:8000/{code}#commit"
    assert zbar(half_blocks_to_png(lines, tmp_path / "commit.png")) == url
