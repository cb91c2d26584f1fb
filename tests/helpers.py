"""Helpers several test modules share."""

from __future__ import annotations

import ast
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def module_name(path: Path) -> str:
    """The dotted name of a module file under ROOT (a package is named without `__init__`)."""
    return ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")


def parse(path: Path) -> ast.Module:
    """`ast.parse`, retried once in a fresh thread: CPython 3.11.7 can raise "AST constructor
    recursion depth mismatch" after an unrelated deep recursion on the same thread."""
    source = path.read_text(encoding="utf-8")
    try:
        return ast.parse(source)
    except SystemError:
        found: list[ast.Module] = []
        worker = threading.Thread(target=lambda: found.append(ast.parse(source)))
        worker.start()
        worker.join()
        return found[0]


def imports_of(path: Path, prefix: str = "bigconv") -> set[str]:
    """The modules under `prefix` a file imports, at the top or inside a function (lazily);
    `from pkg import name` counts as importing `pkg` and `pkg.name` (it may be a module)."""
    package = ".".join(path.relative_to(ROOT).with_suffix("").parts[:-1])
    found = set()
    for node in ast.walk(parse(path)):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*parts, *([base] if base else [])])
            found.add(base)
            found |= {f"{base}.{alias.name}" for alias in node.names}  # `from pkg import mod`
    return {name for name in found if name == prefix or name.startswith(prefix + ".")}


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
