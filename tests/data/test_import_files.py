"""Staff files as Excel and the school systems save them (bigconv/data/staff_file.py): UTF-16
"Unicode Text", CR-only line ends, pipes and semicolons, Windows-1252; and the files that cannot
be read, refused with one message before anything is written."""

from __future__ import annotations

import codecs

import pytest

from bigconv.data.attendees import ImportError_, import_csv

HONG = ("Hồng", "Nguyễn Thị")


def write(tmp_path, data: bytes, name: str = "staff.csv"):
    path = tmp_path / name
    path.write_bytes(data)
    return path


def person(db, email: str) -> tuple[str, str, str]:
    row = next(db["attendees"].rows_where("email = ?", [email]))
    return row["first_name"], row["last_name"], row["school"]


def state(db) -> tuple[int, int, int]:
    return db["attendees"].count, db["log"].count, db["preferences"].count


@pytest.mark.parametrize("ending", ["\r\n", "\n"])
@pytest.mark.parametrize(
    ("bom", "codec"),
    [(codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be")],
)
def test_excel_unicode_text_keeps_vietnamese_names(db, tmp_path, ending, bom, codec):
    """Excel's "Unicode Text": UTF-16 with a byte-order mark, tab-separated, CRLF (or LF)."""
    text = ending.join(
        [
            "Forename\tSurname\tEmail\tSchool",
            "Hồng\tNguyễn Thị\thong@c.sch.uk\tTrường Gamma",
            "Zoë\tO'Brien-Müller\tzoe@c.sch.uk\tGamma",
            "",
        ]
    )
    report = import_csv(db, write(tmp_path, bom + text.encode(codec)))
    assert (report.imported, report.rejected) == (2, [])
    assert person(db, "hong@c.sch.uk") == (*HONG, "Trường Gamma")
    assert person(db, "zoe@c.sch.uk") == ("Zoë", "O'Brien-Müller", "Gamma")


@pytest.mark.parametrize(
    ("separator", "encoding", "ending"),
    [
        ("|", "utf-8", "\n"),
        (";", "utf-8", "\r"),  # Excel for Mac: CR alone
        ("|", "cp1252", "\r\n"),
        (";", "cp1252", "\r"),
        (",", "utf-8", "\r"),
        ("\t", "cp1252", "\r"),
    ],
)
def test_separators_encodings_and_line_ends(db, tmp_path, separator, encoding, ending):
    rows = [
        ["Forename", "Surname", "Email", "School"],
        ["Zoë", "O'Brien-Müller", "zoe@c.sch.uk", "Gamma"],
        ["Renée", "Lefèvre", "renee@c.sch.uk", "Delta, the Academy"],
    ]
    text = ending.join(
        separator.join(f'"{c}"' if separator in c or "," in c else c for c in r) for r in rows
    )
    report = import_csv(db, write(tmp_path, (text + ending).encode(encoding)))
    assert (report.imported, report.rejected) == (2, [])
    assert person(db, "zoe@c.sch.uk") == ("Zoë", "O'Brien-Müller", "Gamma")
    assert person(db, "renee@c.sch.uk") == ("Renée", "Lefèvre", "Delta, the Academy")


def test_a_quoted_cell_may_hold_a_line_break_with_cr_only_line_ends(db, tmp_path):
    text = 'Forename,Surname,Email,School\r"Ida",Wells,ida@c.sch.uk,"Alpha\rSchool"\r'
    report = import_csv(db, write(tmp_path, text.encode()))
    assert report.imported == 1
    assert person(db, "ida@c.sch.uk") == ("Ida", "Wells", "Alpha School")


def junk() -> bytes:
    return bytes((i * 97 + 13) % 256 for i in range(5000))


@pytest.mark.parametrize(
    ("data", "message"),
    [
        pytest.param(junk(), "staff.csv: binary data", id="binary junk"),
        pytest.param(
            b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + junk(), "staff.csv: binary data", id="photo"
        ),
        pytest.param(
            b"PK\x03\x04" + junk(), "staff.csv: this is an Excel workbook (.xlsx)", id="xlsx"
        ),
        pytest.param(
            b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + junk(),
            "staff.csv: this is an old Excel workbook (.xls)",
            id="xls",
        ),
        pytest.param(
            "First name,Surname\nA,B\n".encode("utf-16-le"),
            "staff.csv: binary data (or UTF-16 without its byte-order mark)",
            id="utf-16 without bom",
        ),
        pytest.param(
            codecs.BOM_UTF32_LE + "First name,Surname\nA,B\n".encode("utf-32-le"),
            "staff.csv: UTF-32 text is not read",
            id="utf-32",
        ),
        pytest.param(
            "First name,Surname\nZoë,B\n".encode("cp1252") + b"Ann,\x81\x8d\n",
            "staff.csv: neither UTF-8, UTF-16 nor Windows-1252 text",
            id="unknown encoding",
        ),
        pytest.param(
            b"First name,Surname,Notes\nAda,Lovelace,ok\nBob,Jones," + b"x" * 140_000 + b"\n",
            "staff.csv: line 3: a cell longer than 131,072 characters",
            id="cell over the limit",
        ),
    ],
)
def test_a_file_that_cannot_be_read_is_refused_and_changes_nothing(db, tmp_path, data, message):
    before = state(db)
    with pytest.raises(ImportError_) as refused:
        import_csv(db, write(tmp_path, data))
    assert str(refused.value).startswith(message)
    assert "\n" not in str(refused.value)
    assert state(db) == before
