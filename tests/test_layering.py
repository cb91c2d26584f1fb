"""Layers point one way: bigconv/data never imports the UI or the web layer, bigconv/output
neither the stations nor the sites."""

from __future__ import annotations

import ast
from pathlib import Path

DATA = Path(__file__).resolve().parent.parent / "bigconv" / "data"
FORBIDDEN = ("textual", "aiohttp", "rich", "jinja2", "bigconv.tui", "bigconv.web")


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
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
