"""The room screen when someone is already present in another room of the same slot."""

from __future__ import annotations

from bigconv.data import attendance
from bigconv.tui.dialogs.over_capacity import MoveHere
from bigconv.tui.stations.room import RoomScreen
from tests.helpers.tui import MORNING, SIZE, app_for, roster_rows


async def tick_zoe_in_room_b(seeded, small_event, answer: str, then=(), said=None):
    db = seeded["db"]
    zoe = seeded["people"]["O'Brien-MüllerZoë"]["id"]
    attendance.mark_present(db, seeded["phonics"]["id"], zoe, station="Door A", at=MORNING)
    app = app_for(small_event, room="Room B")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press(*"zoe")
        await pilot.pause()
        # Before the tick, the match says where she is: the host knows Enter means a move.
        match = roster_rows(app.screen)["Zoë O'Brien-Müller"]
        assert match[0] == "⇄ Room A", match
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, MoveHere)
        assert "present in" in str(app.screen.message) and "Phonics (Room A)" in app.screen.message
        # Each thing once: the session and its room, and who marked her (not the code, nor
        # the room twice).
        assert "present in Phonics (Room A) since" in app.screen.message
        assert "marked by Door A" in app.screen.message
        await pilot.press(answer)
        await pilot.pause()
        assert isinstance(app.screen, RoomScreen)
        if then:
            await pilot.press(*then)
            await pilot.pause()
        rows = roster_rows(app.screen)
        if said is not None:
            said.extend(n.message for n in app._notifications)
    current = db.execute(
        "SELECT session_id FROM attendance WHERE attendee_id = ?", [zoe]
    ).fetchall()
    return rows, current


async def test_host_moves_someone_marked_in_another_room(seeded, small_event):
    rows, current = await tick_zoe_in_room_b(seeded, small_event, "y")
    assert current == [(seeded["wellbeing"]["id"],)]
    assert rows["Zoë O'Brien-Müller"][0].startswith("✓")
    moved = (
        seeded["db"]
        .execute(
            "SELECT moved_to, undone_by FROM attendance_records WHERE session_id = ?",
            [seeded["phonics"]["id"]],
        )
        .fetchone()
    )
    assert moved == (seeded["wellbeing"]["id"], "Host")


async def test_host_declines_the_move(seeded, small_event):
    rows, current = await tick_zoe_in_room_b(seeded, small_event, "n")
    assert current == [(seeded["phonics"]["id"],)]
    assert "Zoë O'Brien-Müller" not in rows or not rows["Zoë O'Brien-Müller"][0].startswith("✓")


async def test_host_undoes_a_move_made_by_mistake(seeded, small_event):
    said: list[str] = []
    rows, current = await tick_zoe_in_room_b(seeded, small_event, "y", ("ctrl+z",), said)
    assert current == [(seeded["phonics"]["id"],)]  # back where she was marked first
    zoe = rows.get("Zoë O'Brien-Müller")  # a walk-in here: off the roster once undone
    assert zoe is None or not zoe[0].startswith("✓")
    assert any("back in" in m and "Phonics (Room A)" in m for m in said), said
