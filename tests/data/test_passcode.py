"""The staff passcode in the meta table: made once, compared loosely but exactly, changeable."""

from __future__ import annotations

import pytest

from bigconv.data import passcode


def test_the_passcode_is_made_once_and_kept(db):
    code = passcode.staff_passcode(db)
    assert passcode.staff_passcode(db) == code
    assert len(code.split("-")) == passcode.PASSCODE_WORDS == 4 and all(
        w in passcode.WORDS for w in code.split("-")
    )
    assert len(set(passcode.WORDS)) == len(passcode.WORDS) >= 160


def test_capitals_spaces_and_dashes_do_not_matter_but_words_do(db):
    code = passcode.staff_passcode(db)
    assert passcode.check_passcode(db, code)
    assert passcode.check_passcode(db, "  " + code.replace("-", "  ").upper() + " ")
    assert not passcode.check_passcode(db, code.replace("-", ""))
    assert not passcode.check_passcode(db, code + "-x")
    assert not passcode.check_passcode(db, "")


def test_setting_a_passcode_changes_the_session_key_and_is_logged(db):
    key = passcode.session_key(db)
    assert passcode.set_passcode(db, "Blue Whale  Seven", station="Organiser") == "blue-whale-seven"
    assert passcode.check_passcode(db, "blue whale seven")
    assert passcode.session_key(db) != key
    new_key = passcode.session_key(db)
    assert passcode.set_passcode(db, None, station="Organiser") != "blue-whale-seven"
    assert passcode.session_key(db) not in (key, new_key)
    rows = db.execute("SELECT station FROM log WHERE action = 'staff_passcode_changed'")
    assert [r[0] for r in rows] == ["Organiser", "Organiser"]


@pytest.mark.parametrize("text", ["", "abc", " - - ", "x" * 61])
def test_unusable_passcodes_are_refused_and_change_nothing(db, text):
    code = passcode.staff_passcode(db)
    with pytest.raises(passcode.BadPasscode):
        passcode.set_passcode(db, text, station="Organiser")
    assert passcode.staff_passcode(db) == code
