"""`bigconv import-attendees` on files it cannot read: one line naming the file and what is
wrong, exit 2, no traceback, the database unchanged; and on Excel's "Unicode Text"."""

from __future__ import annotations

import codecs

import pytest

from tests.helpers.db import digest, table
from tests.helpers.processes import run_cli


@pytest.mark.parametrize(
    ("data", "message"),
    [
        pytest.param(
            bytes((i * 97 + 13) % 256 for i in range(5000)),
            "staff.csv: binary data (or UTF-16 without its byte-order mark), not a text file",
            id="binary junk",
        ),
        pytest.param(
            b"First name,Surname,Notes\nAda,Lovelace," + b"x" * 140_000 + b"\n",
            "staff.csv: line 2: a cell longer than 131,072 characters (the limit)",
            id="cell over the limit",
        ),
        pytest.param(
            b"First name,Surname\nAnn,\x81\x8d\n",
            "staff.csv: neither UTF-8, UTF-16 nor Windows-1252 text",
            id="unknown encoding",
        ),
    ],
)
def test_an_unreadable_staff_file_exits_2_and_changes_nothing(
    small_event, small_db, tmp_path, data, message
):
    path = tmp_path / "staff.csv"
    path.write_bytes(data)
    before = digest(small_db)
    result = run_cli("import-attendees", small_event, path)
    assert result.returncode == 2
    assert result.stderr.startswith(message)
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
    assert result.stdout == ""
    assert digest(small_db) == before


def test_excel_unicode_text_with_crlf_imports_through_the_command(small_event, small_db, tmp_path):
    path = tmp_path / "unicode.txt"
    text = "Forename\tSurname\tEmail\r\nHồng\tNguyễn Thị\thong@c.sch.uk\r\n"
    path.write_bytes(codecs.BOM_UTF16_LE + text.encode("utf-16-le"))
    result = run_cli("import-attendees", small_event, path)
    assert result.returncode == 0, result.stderr
    assert "Imported 1, updated 0, unchanged 0, rejected 0" in result.stdout
    rows = table(
        small_db, "SELECT first_name, last_name FROM attendees WHERE email = ?", ["hong@c.sch.uk"]
    )
    assert rows == [("Hồng", "Nguyễn Thị")]
