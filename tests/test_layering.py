"""Layers point one way: bigconv/core imports nothing of the layers above it or of their
libraries, bigconv/data never imports the UI or the web layer, bigconv/output neither the
stations nor the sites."""

from __future__ import annotations

import ast
from pathlib import Path

from tests.helpers.imports import parse, parse_source

PACKAGE = Path(__file__).resolve().parent.parent / "bigconv"
DATA = PACKAGE / "data"
FORBIDDEN = ("textual", "aiohttp", "rich", "jinja2", "bigconv.tui", "bigconv.web")


def imported_modules(path: Path) -> set[str]:
    tree = parse(path)
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)  # `from bigconv import web` names bigconv.web as well
            found |= {f"{node.module}.{alias.name}" for alias in node.names}
    return found


def test_data_layer_imports_no_ui_or_web():
    files = sorted(DATA.rglob("*.py"))
    assert files, "no data modules found"
    offenders = [
        f"{path.name}: {module}"
        for path in files
        for module in imported_modules(path)
        if any(module == f or module.startswith(f + ".") for f in FORBIDDEN)
    ]
    assert offenders == []


def test_every_sql_statement_lives_in_the_data_layer():
    package = DATA.parent
    outside = [p for p in package.rglob("*.py") if DATA not in p.parents]
    assert outside, "no modules outside bigconv/data found"
    offenders = [
        str(path.relative_to(package))
        for path in outside
        if ".execute(" in path.read_text(encoding="utf-8")
        or "rows_where(" in path.read_text(encoding="utf-8")
    ]
    assert offenders == []


def test_the_app_imports_nothing_of_the_web_layer():
    """`bigconv run` composes the app and the web server (bigconv/cli/compose.py): the app is
    handed a phone site to start and stop, and the staff prefix, never imports them."""
    from tests.helpers.imports import imports_of

    files = sorted((DATA.parent / "tui").rglob("*.py"))
    assert len(files) > 10, "no tui modules found"
    offenders = [
        f"{path.relative_to(DATA.parent)}: {module}"
        for path in files
        for module in imports_of(path, "bigconv.web") | (imported_modules(path) & {"aiohttp"})
    ]
    assert offenders == []


def test_the_station_config_names_the_web_servers_staff_prefix():
    from bigconv.tui.config import StationConfig
    from bigconv.web.common.urls import STAFF_PREFIX

    assert StationConfig().staff_prefix == STAFF_PREFIX


def test_no_import_cycle_between_the_command_line_modules():
    from tests.helpers.imports import import_cycles

    cli = DATA.parent / "cli"
    assert {"before.py", "day.py", "safe.py", "after.py", "followup.py", "options.py"} <= {
        p.name for p in cli.glob("*.py")
    }
    assert import_cycles(cli) == []


def test_services_import_no_front_end():
    """Use cases are shared by the front ends (cli, tui, web, output): they import none."""
    from tests.helpers.imports import imports_of

    front_ends = ("bigconv.cli", "bigconv.tui", "bigconv.web", "bigconv.output")
    offenders = [
        f"{path.name}: {module}"
        for path in sorted((DATA.parent / "services").rglob("*.py"))
        for module in imports_of(path)
        if any(module == f or module.startswith(f + ".") for f in front_ends)
    ]
    assert offenders == []


OUTPUT = DATA.parent / "output"
NOT_FOR_OUTPUT = ("textual", "aiohttp", "bigconv.tui", "bigconv.web", "bigconv.cli")


def test_output_layer_imports_no_station_or_site():
    """Files before and after the day are made without a screen or a server: web may import
    bigconv.output (its pages share the one Jinja environment), never the other way."""
    files = sorted(OUTPUT.rglob("*.py"))
    assert len(files) > 5, "no output modules found"
    offenders = [
        f"{path.name}: {module}"
        for path in files
        for module in imported_modules(path)
        if any(module == f or module.startswith(f + ".") for f in NOT_FOR_OUTPUT)
    ]
    assert offenders == []


CORE = DATA.parent / "core"
CORE_FORBIDDEN = (
    "sqlite3",
    "sqlite_utils",
    "textual",
    "aiohttp",
    "jinja2",
    "click",
    "rich",
    "bigconv.data",
    "bigconv.services",
    "bigconv.output",
    "bigconv.web",
    "bigconv.tui",
    "bigconv.cli",
)


def test_core_is_pure():
    """bigconv/core imports no database, screen, web or command-line library, nor the layers
    above it: the event model, the text rule, the clock and the solver run anywhere."""
    files = sorted(CORE.rglob("*.py"))
    assert len(files) >= 6, "the core modules are not where this test looks"
    offenders = [
        f"{path.name}: {module}"
        for path in files
        for module in imported_modules(path)
        if any(module == f or module.startswith(f + ".") for f in CORE_FORBIDDEN)
    ]
    assert offenders == []


def test_the_layering_scan_sees_a_forbidden_import(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text("import sqlite3\nfrom bigconv.data import database\n", encoding="utf-8")
    assert {"sqlite3", "bigconv.data"} <= imported_modules(bad)


def test_no_import_cycle_between_any_two_files_of_the_package():
    from tests.helpers.imports import import_cycles

    assert import_cycles(PACKAGE) == []


def test_every_module_over_400_lines_says_why_at_its_top():
    long = []
    for path in sorted(PACKAGE.rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        if text.count("\n") > 400:
            doc = ast.get_docstring(parse_source(text)) or ""
            if "Over 400 lines because" not in doc:
                long.append(str(path.relative_to(PACKAGE)))
    assert long == []


REPOSITORY = PACKAGE.parent
NOT_THE_PACKAGE = ("tests", "bench", "scripts")


def test_no_file_imports_a_test_module_or_a_conftest():
    """Shared helpers live in tests/helpers/ (fixtures in conftest.py files, which pytest
    finds): a test module or conftest imported by another file runs its tests twice, drags
    its fixtures along, and breaks when the test moves. Benchmarks and scripts import the
    package, never the tests."""
    from tests.helpers.imports import imported_test_modules, package_of, parse

    files = [p for folder in NOT_THE_PACKAGE for p in sorted((REPOSITORY / folder).rglob("*.py"))]
    assert len(files) > 100, "the tests, benchmarks and scripts are not where this test looks"
    offenders = [
        f"{path.relative_to(REPOSITORY)}: {name}"
        for path in files
        for name in sorted(imported_test_modules(parse(path), package_of(path)))
    ]
    assert offenders == []


def test_the_test_module_scan_sees_every_way_to_import_one():

    from tests.helpers.imports import imported_test_modules

    source = """
from tests.tui.test_desk import until
from tests.conftest import run_cli
from .conftest import table
from . import test_staff
import tests.e2e.test_phone
def lazily():
    from tests.web import conftest
from tests.helpers.web import log_in
from aiohttp.test_utils import TestClient
import conftest
"""
    assert imported_test_modules(parse_source(source), "tests.web") == {
        "tests.tui.test_desk",
        "tests.conftest",
        "tests.web.conftest",
        "tests.web.test_staff",
        "tests.e2e.test_phone",
        "conftest",
    }


ACROSS_THE_PARTS = {"e2e", "helpers"}  # real-process journeys; shared helpers (no tests)


def test_the_test_folders_mirror_the_package():
    """Each folder of tests is named for the part of bigconv it tests (tests/web/stations for
    bigconv/web/stations), except journeys across the parts and the helpers."""
    tests = REPOSITORY / "tests"
    folders = {p.parent.relative_to(tests) for p in tests.rglob("test_*.py")} - {Path(".")}
    assert len(folders) >= 7, "the test folders are not where this test looks"
    strays = [
        str(folder)
        for folder in sorted(folders)
        if folder.parts[0] not in ACROSS_THE_PARTS and not (PACKAGE / folder).is_dir()
    ]
    assert strays == []
