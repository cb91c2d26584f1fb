"""The snapshot helper that gives everyone a derived badge code works whatever codes the
import drew at random (CI once drew, for a later attendee, the code derived for an earlier one)."""

from bigconv.core.codes import BADGE_PREFIX, derive
from bigconv.data import database
from tests.helpers.db import fixed_badges, table


def test_a_derived_code_already_held_by_another_is_no_collision(small_db):
    ids = [row[0] for row in table(small_db, "SELECT id FROM attendees ORDER BY id")]
    first, last = ids[0], ids[-1]
    wanted = BADGE_PREFIX + derive(f"badge:{first}", set().__contains__, 5)
    db = database.connect(small_db)
    try:
        with database.immediate(db):
            db.execute("UPDATE attendees SET badge = ? WHERE id = ?", [wanted, last])
    finally:
        db.close()

    fixed_badges(small_db)

    badges = dict(table(small_db, "SELECT id, badge FROM attendees"))
    assert badges[first] == wanted
    assert len(set(badges.values())) == len(ids)
