"""The shape of the house, read from its imports: no package depends on itself through
another, and only ``youth_app.allocation`` talks to the optimiser."""
from __future__ import annotations

import ast
from pathlib import Path

from youth_app.config import ROOT

APP = ROOT / "youth_app"


def _imports(path: Path) -> set[str]:
    """Every module ``path`` imports (at the top or inside a function), as dotted names."""
    package = ".".join(("youth_app", *path.relative_to(APP).parent.parts))
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[:len(package.split(".")) - node.level + 1]
                module = ".".join([*base, *([node.module] if node.module else [])])
            else:
                module = node.module or ""
            found.add(module)
            found.update(f"{module}.{alias.name}" for alias in node.names)
    return found


def _unit(name: str) -> str | None:
    """The package (or top-level module) of the app a dotted name belongs to."""
    parts = name.split(".")
    return parts[1] if parts[0] == "youth_app" and len(parts) > 1 else None


def import_graph() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {}
    for path in APP.rglob("*.py"):
        relative = path.relative_to(APP)
        unit = relative.parts[0].removesuffix(".py")
        if unit == "__init__":  # the factory wires every package together
            continue
        targets = {_unit(name) for name in _imports(path)} - {None, unit, "__init__"}
        graph.setdefault(unit, set()).update(t for t in targets if (APP / t).exists()
                                             or (APP / f"{t}.py").exists())
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Each group of packages that reach one another (Tarjan's strongly connected
    components with more than one member)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for other in graph.get(node, ()):
            if other not in index:
                visit(other)
                low[node] = min(low[node], low[other])
            elif other in stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_the_finder_sees_a_cycle():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


def test_no_package_of_the_app_depends_on_itself_through_another():
    graph = import_graph()
    assert {"rounds", "reports", "allocation", "auth", "access"} <= graph.keys()
    assert cycles(graph) == []


def test_only_the_allocation_package_imports_the_optimiser():
    outside = sorted(str(path.relative_to(ROOT)) for path in APP.rglob("*.py")
                     if path.relative_to(APP).parts[0] != "allocation"
                     and any(name == "matching" or name.startswith("matching.")
                             for name in _imports(path)))
    assert outside == []


def test_no_feature_imports_the_app_factory():
    """Only the entry points (wsgi.py, worker.py) build the app."""
    importers = sorted(str(path.relative_to(ROOT)) for path in APP.rglob("*.py")
                       if "youth_app.create_app" in _imports(path)
                       or any(n.endswith(".create_app") for n in _imports(path)))
    assert importers == []
