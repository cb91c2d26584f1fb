"""The one Jinja environment: web pages and printables, each name a template uses must be given."""

from __future__ import annotations

import jinja2
import jinja2.meta
import pytest

from bigconv.output import templates
from bigconv.output.templates import environment, render

ENV = environment()
NAMES = ENV.list_templates()


def needs(name: str) -> set[str]:
    """The names `name` uses that its caller must pass."""
    source = ENV.loader.get_source(ENV, name)[0]  # type: ignore[union-attr]
    return jinja2.meta.find_undeclared_variables(ENV.parse(source)) - set(ENV.globals)


def test_one_environment_loads_the_web_pages_and_the_printables():
    web = {p.name for p in templates.WEB_TEMPLATES.glob("*.html")}
    printables = {p.name for p in templates.OUTPUT_TEMPLATES.glob("*.html")}
    assert {"session.html", "base.html", "staff_login.html"} <= web
    assert {"report.html", "certificates.html", "school.html", "posters.html"} <= printables
    assert "badges.html" in printables
    assert web & printables == set()  # one name in both folders: the second would never load
    assert set(NAMES) == web | printables
    assert ENV.autoescape is True and ENV.finalize is templates.plain


@pytest.mark.parametrize("name", [n for n in NAMES if needs(n)])
def test_a_name_nobody_passed_raises_in_every_template(name: str):
    with pytest.raises(jinja2.UndefinedError):
        render(name)


def test_both_folders_have_templates_that_need_names():
    strict = {n for n in NAMES if needs(n)}
    assert {"session.html", "me_followup.html", "badges.html", "report.html"} <= strict


def test_a_missing_attribute_raises_too_in_a_page_and_in_a_printable():
    with pytest.raises(jinja2.UndefinedError, match="not_found"):
        render("error.html", event_name="Day", message="Sorry", code="")
    card = {"p": object()}  # no first_name, no img
    with pytest.raises(jinja2.UndefinedError):
        render("badges.html", event_name="Day", pages=[[card]])
    assert "Sorry" in render("error.html", event_name="Day", message="Sorry", code="", not_found=0)


def test_a_template_of_our_own_text_is_strict_and_escaped():
    with pytest.raises(jinja2.UndefinedError):
        ENV.from_string("{{ nobody_passed_me }}").render()
    assert ENV.from_string("{{ x }}").render(x="<b>\u202e") == "&lt;b&gt;"
