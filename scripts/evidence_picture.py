"""Make the README's picture of the report's evidence table (docs/evidence.png), deterministically.

    python scripts/evidence_picture.py     # needs Chromium (/usr/bin/chromium) and playwright

It runs the sample day in a temporary folder with a fixed seed (bench/_cpd_day.py), renders
the report and photographs the first workshop slot of its evidence table and the "Was it worth
it?" cards in headless Chromium.
"""

from __future__ import annotations

import asyncio
import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench._cpd_day import report_html, simulate  # noqa: E402

HIDE_LATER_SLOTS = """() => {
  const rows = [...document.querySelectorAll('table.evidence tbody tr')];
  let slots = 0, hiding = false;
  for (const row of rows) {
    if (row.classList.contains('slot')) {
      slots += 1;  // keep the first workshop slot (the second group; the first is the plenary)
      hiding = slots !== 2 && !row.textContent.includes('By audience');
    }
    if (hiding) row.remove();
  }
  for (const id of ['cuts']) { const h = document.getElementById(id); if (h) h.remove(); }
}"""


async def photograph(report: Path, out: Path) -> None:
    from playwright.async_api import async_playwright

    async with async_playwright() as p:
        browser = await p.chromium.launch(
            executable_path=shutil.which("chromium") or "/usr/bin/chromium",
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        page = await browser.new_page(viewport={"width": 1040, "height": 900})
        await page.goto(report.as_uri())
        await page.evaluate(HIDE_LATER_SLOTS)
        top = await page.locator("#evidence").bounding_box()
        bottom = await page.locator('section[aria-label="The day\'s cost"]').bounding_box()
        clip = {
            "x": 0,
            "y": top["y"] - 10,
            "width": 1040,
            "height": bottom["y"] + bottom["height"] - top["y"] + 20,
        }
        await page.screenshot(path=out, clip=clip, full_page=True)
        await browser.close()


def main() -> None:
    out = ROOT / "docs" / "evidence.png"
    out.parent.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory() as folder:
        report = Path(folder) / "report.html"
        report.write_text(report_html(simulate(Path(folder))), encoding="utf-8")
        asyncio.run(photograph(report, out))
    print(f"Wrote {out}")


if __name__ == "__main__":
    main()
