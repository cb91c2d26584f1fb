"""Stations refresh only for changes to what they show (live polling over a real file)."""

from __future__ import annotations

from bigconv.data import database
from bigconv.data.reactions import record_reaction
from tests.helpers.tui import MORNING, SIZE, app_for


async def settle(pilot, condition, seconds: float = 15.0) -> bool:
    """Wait (polling, with a generous deadline) until `condition()` holds."""
    for _ in range(int(seconds / 0.05)):
        if condition():
            return True
        await pilot.pause(0.05)
    return condition()


async def test_a_room_does_not_refresh_for_another_sessions_reaction(
    seeded,
    small_event,
    small_db,
):
    app = app_for(small_event, room="Room A")  # showing Phonics
    phone = database.connect(small_db)  # another connection, as the phone site's
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        before = app.refreshes
        for n in range(5):  # a plenary's reactions, to Wellbeing in Room B
            result = record_reaction(
                phone, seeded["wellbeing"]["id"], "useful", f"phone {n}", at=MORNING
            )
            assert result.counted
        newest = phone.execute("SELECT max(id) FROM reactions").fetchone()[0]
        assert await settle(pilot, lambda: app.watcher.marks["reactions"] == newest)
        await pilot.pause(0.6)  # two more polls: nothing pending either
        assert app.refreshes == before
        record_reaction(phone, seeded["phonics"]["id"], "love", "phone 9", at=MORNING)
        reactions = app.screen.query_one("#reactions")
        assert await settle(pilot, lambda: "Love this" in str(reactions.render()))
        assert await settle(
            pilot,
            lambda: any(
                "Love this" in line and line.rstrip().endswith("1")
                for line in str(reactions.render()).splitlines()
            ),
        )
        assert app.refreshes == before + 1
    phone.close()
