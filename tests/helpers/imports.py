"""The import graph of Python files, parsed (never imported): what a file imports, cycles."""

from __future__ import annotations

import ast
import threading
from pathlib import Path

from tests.helpers import ROOT


def module_name(path: Path) -> str:
    """The dotted name of a module file under ROOT (a package is named without `__init__`)."""
    return ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")


def parse(path: Path) -> ast.Module:
    """A Python file parsed (see parse_source)."""
    return parse_source(path.read_text(encoding="utf-8"))


def parse_source(source: str) -> ast.Module:
    """`ast.parse`, retried once in a fresh thread: CPython 3.11.7 can raise "AST constructor
    recursion depth mismatch" after an unrelated deep recursion on the same thread. Every test
    that parses Python parses it here."""
    try:
        return ast.parse(source)
    except SystemError:
        found: list[ast.Module] = []
        worker = threading.Thread(target=lambda: found.append(ast.parse(source)))
        worker.start()
        worker.join()
        return found[0]


def package_of(path: Path) -> str:
    """The dotted name of the package a file under ROOT belongs to (relative imports start there)."""
    return ".".join(path.relative_to(ROOT).with_suffix("").parts[:-1])


def imports_of(path: Path, prefix: str = "bigconv") -> set[str]:
    """The modules under `prefix` a file imports, at the top or inside a function (lazily);
    `from pkg import name` counts as importing `pkg` and `pkg.name` (it may be a module)."""
    found = imported_names(parse(path), package_of(path))
    return {name for name in found if name == prefix or name.startswith(prefix + ".")}


def imported_names(tree: ast.Module, package: str) -> set[str]:
    """Every module name `tree` imports (relative imports resolved from `package`), and
    `pkg.name` for each `from pkg import name`."""
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*parts, *([base] if base else [])])
            found.add(base)
            found |= {f"{base}.{alias.name}" for alias in node.names}  # `from pkg import mod`
    return found


def is_test_module(name: str) -> bool:
    """A test module or a conftest.py of this repository (by its dotted name): what no other
    file may import. Another project's `test_*` (aiohttp.test_utils) is not one."""
    ours = name.partition(".")[0] in {"tests", "bench", "scripts"} or "." not in name
    last = name.rpartition(".")[2]
    return ours and (last == "conftest" or last.startswith("test_"))


def imported_test_modules(tree: ast.Module, package: str) -> set[str]:
    """The test modules and conftest.py files `tree` (a module in `package`) imports."""
    return {name for name in imported_names(tree, package) if is_test_module(name)}


def import_cycles(folder: Path) -> list[list[str]]:
    """Every import cycle between the modules of the package in `folder` (none: [])."""
    modules = {module_name(p): p for p in folder.rglob("*.py")}
    prefix = module_name(folder / "__init__.py")
    graph = {
        name: imports_of(path, prefix) & modules.keys() - {name} for name, path in modules.items()
    }
    cycles: list[list[str]] = []
    done: set[str] = set()

    def visit(name: str, trail: list[str]) -> None:
        if name in trail:
            cycles.append(trail[trail.index(name) :] + [name])
            return
        for other in sorted(graph[name]):
            if other not in done:
                visit(other, [*trail, name])
        done.add(name)

    for name in sorted(graph):
        visit(name, [])
    return cycles
