"""What several test modules share, by job; fixtures stay in the conftest.py files.

A test module imports from here, never from another test module or a conftest.py
(`tests/test_layering.py` checks it). One module per job:

- `events`: the small event's files, its day's clock, copying a day's folder, moving the
  event to another day (today, or not today)
- `day`, `followup_day`: the small day with a morning recorded; its CPD loop scripted
- `db`: reading a database file from outside, as an organiser's tool would
- `damage`: a flipped bit in a real file; good backups to come back to
- `processes`: the real `bigconv` command, system tools, free ports, a server coming up
- `storm`, `writers`: child processes (`_storm.py`, `_station_writer.py`) and phones that
  write all the time, and what they acknowledged
- `web`: the phone site's clock and morning, same-site headers, links, the staff login
- `tui`: the desk and the room driven through Pilot, waiting, the screen as text
- `qr`, `terminal`: a QR code read back by zbarimg; a real terminal in tmux
- `browser`: Debian's Chromium and what a test asks of a page
- `text`: hostile text and the check, independent of bigconv/core/text.py
- `imports`: the package's import graph, parsed
- `users`: a command run as a user permission bits apply to (nobody, when the tests run as
  root), in a folder that user can reach
"""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent  # the repository
