"""QR codes, posters and badges: every PNG read back by zbarimg to exactly what it should say."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from PIL import Image

from bigconv.output.qr import qr_halfblocks, qr_matrix, qr_svg
from tests.helpers.db import table
from tests.helpers.processes import require_tool, run_cli


def decode(zbarimg: str, path: Path) -> str:
    done = subprocess.run(
        [zbarimg, "-q", "--raw", str(path)], capture_output=True, text=True, timeout=30
    )
    assert done.returncode == 0, f"{path.name}: zbarimg could not read it"
    return done.stdout.strip()


def test_qr_command_writes_codes_that_decode_to_each_feedback_url(small_event, small_db, tmp_path):
    zbarimg = require_tool("zbarimg")
    out = tmp_path / "codes"
    done = run_cli("qr", small_event, "--out", out)
    assert done.returncode == 0, done.stderr
    listed = json.loads(run_cli("sessions", small_event, "--json").stdout)
    assert len(listed) == 5
    for s in listed:
        assert s["url"] == f"http://192.0.2.10:8000/{s['code']}"
        assert decode(zbarimg, out / f"{s['code']}.png") == s["url"]
        svg = (out / f"{s['code']}.svg").read_text()
        assert svg.startswith("<svg") and svg.count("<path") == 1 and 'fill="white"' in svg
    posters = (out / "posters.html").read_text()
    assert posters.count('class="poster"') == 5
    assert posters.count("<svg") == 5 and "http://192.0.2.10:8000/" in posters
    assert 'id="qr-path"' not in posters
    assert "Room A" in posters and "10:00–11:00" in posters and "@page { size: A4" in posters


def test_badges_command_writes_sheets_and_codes_that_decode(small_event, small_db, tmp_path):
    zbarimg = require_tool("zbarimg")
    out = tmp_path / "badges"
    done = run_cli("badges", small_event, "--out", out)
    assert done.returncode == 0, done.stderr
    people = table(small_db, "SELECT badge, first_name, last_name FROM attendees")
    assert len(people) == 5
    for badge, _, _ in people:
        assert decode(zbarimg, out / f"{badge}.png") == badge
    sheet = (out / "badges.html").read_text()
    assert sheet.count('class="badge"') == 5 and sheet.count('class="sheet"') == 1
    # names from the CSV are escaped, never markup
    assert "Zoë" in sheet and "O&#39;Brien-Müller" in sheet and "[bold]Bob[/]" in sheet


def test_qr_matrix_has_a_quiet_zone_and_decodes_when_drawn(tmp_path):
    zbarimg = require_tool("zbarimg")
    url = "http://192.0.2.10:8000/REB4"
    matrix = qr_matrix(url, border=2)
    size = len(matrix)
    assert all(len(row) == size for row in matrix)
    edge = matrix[:2] + matrix[-2:] + [row[:2] + row[-2:] for row in matrix]
    assert not any(any(row) for row in edge)
    scale = 8
    image = Image.new("L", (size * scale, size * scale), 255)
    for y, row in enumerate(matrix):
        for x, dark in enumerate(row):
            if dark:
                image.paste(0, (x * scale, y * scale, (x + 1) * scale, (y + 1) * scale))
    image = image.resize((image.width + 40, image.height + 40))  # any scaling still reads
    path = tmp_path / "matrix.png"
    image.save(path)
    assert decode(zbarimg, path) == url


def test_halfblocks_pack_two_rows_per_line():
    matrix = qr_matrix("ABCD")
    lines = qr_halfblocks("ABCD")
    assert len(lines) == (len(matrix) + 1) // 2
    assert all(len(line) == len(matrix) for line in lines)
    assert set("".join(lines)) <= set(" ▀▄█")


def test_svg_is_a_single_scalable_path():
    svg = qr_svg("http://x/ABCD")
    assert svg.count("<path") == 1 and "viewBox" in svg


def test_qr_to_unwritable_folder_is_bad_input(small_event, small_db, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    done = run_cli("qr", small_event, "--out", blocker / "sub")
    assert done.returncode == 2 and "cannot write" in done.stderr and "Traceback" not in done.stderr
