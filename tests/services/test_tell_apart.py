"""What tells look-alikes apart (the same name at the same school): the role if theirs differ,
else the email, else the badge; nobody else needs anything more. Name twins (the same name,
listed or not, at any school): the school first."""

from __future__ import annotations

from bigconv.data.search import Person
from bigconv.services.identify import SHORT_TELLS, Tell, name_twins, tell_apart


def person(
    n: int,
    name: str = "Grace Robinson",
    school: str = "Kingsmead",
    role: str = "SENCO",
    email: str = "",
) -> Person:
    first, last = name.split()
    return Person(n, f"BC{n:05d}", first, last, email or f"p{n}@k.sch.uk", school, role)


def test_roles_that_differ_tell_them_apart():
    a, b = person(1), person(2, role="Head of Year")
    assert tell_apart([a, b]) == {1: Tell("role", "SENCO"), 2: Tell("role", "Head of Year")}


def test_twins_are_told_apart_by_email_else_badge():
    a, b = person(1, email="g.r@k.sch.uk"), person(2, email="g.r2@k.sch.uk")
    assert tell_apart([a, b]) == {
        1: Tell("email", "g.r@k.sch.uk"),
        2: Tell("email", "g.r2@k.sch.uk"),
    }
    assert tell_apart([a, b], SHORT_TELLS) == {
        1: Tell("badge", "BC00001"),
        2: Tell("badge", "BC00002"),
    }


def test_emails_missing_or_alike_leave_the_badge():
    a, b = person(1, email="same@k.sch.uk"), person(2, email="SAME@k.sch.uk")
    assert {t.field for t in tell_apart([a, b]).values()} == {"badge"}


def test_a_role_shared_by_two_of_three_is_not_enough():
    people = [person(1), person(2), person(3, role="Head of Year")]
    assert {t.field for t in tell_apart(people).values()} == {"email"}


def test_accents_and_case_still_look_alike_and_others_need_nothing():
    a = person(1, name="Zoë Smith", school="Alpha")
    b = person(2, name="zoe SMITH", school="alpha", role="Teacher")
    other = person(3, name="Zoë Smith", school="Beta")
    assert set(tell_apart([a, b, other])) == {1, 2}


def test_name_twins_are_told_apart_by_school_first_wherever_they_are():
    a, b = person(1, school="Kingsmead"), person(2, school="Westgate")
    ada = person(3, "Ada Lovelace")
    registered = {1: [a, b], 2: [a, b], 3: [ada]}  # AttendeeIndex.same_name, by id

    def same_name(p: Person) -> list[Person]:
        return registered[p.id]

    # Only one of them listed: still a twin, and the school tells them apart.
    assert name_twins([a, ada], same_name) == {1: Tell("school", "Kingsmead")}
    c, d = person(4, school="Kingsmead", role="Head of Year"), person(5, school="Westgate")
    registered.update({n: [a, c, d] for n in (1, 4, 5)})
    # Two of the three at one school, two of them SENCOs: the email differs between all.
    assert name_twins([a, c, d], same_name) == {
        1: Tell("email", "p1@k.sch.uk"),
        4: Tell("email", "p4@k.sch.uk"),
        5: Tell("email", "p5@k.sch.uk"),
    }
