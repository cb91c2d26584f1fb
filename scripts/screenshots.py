"""Draw the README's pictures of each station from the real app, on the busy sample day.

    python scripts/screenshots.py          # rewrites docs/pictures/*.svg

Each picture is Textual's own screenshot export (SVG) of the station at 120x30, the size of
Windows Terminal's default window, at 10:05 on the busy sample day (bigconv/services/demo.py).
Run it again whenever a screen changes, and commit the pictures with the change.
"""

from __future__ import annotations

import asyncio
import shutil
import tempfile
from pathlib import Path

from bigconv.services.demo import BUSY_CLOCK, make_busy
from bigconv.services.setup import initialise, load
from bigconv.tui.app import make_app
from bigconv.tui.config import StationConfig

ROOT = Path(__file__).resolve().parent.parent

OUT = ROOT / "docs" / "pictures"
SIZE = (120, 30)
# picture name: (station mode, room, keys pressed, caption)
PICTURES = {
    "desk": ("desk", None, [*"aisha okafor"], "The desk: three people share a name"),
    "room": ("room", "Science Lab 2", [], "A room host's screen"),
    "dashboard": ("dashboard", None, [], "The organisers' dashboard"),
    "timetable": ("timetable", None, [], "The timetable"),
}


def busy_day(folder: Path) -> Path:
    for name in ("sample_event.toml", "sample_staff.csv"):
        shutil.copy(ROOT / name, folder / name)
    ctx = load(folder / "sample_event.toml", None)
    initialise(ctx).db.close()
    make_busy(folder)
    return ctx.db_path


async def picture(db: Path, name: str) -> None:
    mode, room, keys, caption = PICTURES[name]
    app = make_app(
        db, StationConfig(station="Station 1", mode=mode, room=room, clock=lambda: BUSY_CLOCK)
    )
    app.cursor_blink = False  # the same picture every time it is drawn
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause(0.5)
        if keys:
            await pilot.press(*keys)
        await pilot.pause(0.5)
        svg = app.export_screenshot(title=caption)
    (OUT / f"{name}.svg").write_text(svg, encoding="utf-8")


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as folder:
        db = busy_day(Path(folder))
        for name in PICTURES:
            asyncio.run(picture(db, name))
            print(OUT / f"{name}.svg")


if __name__ == "__main__":
    main()
