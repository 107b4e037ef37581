"""The package's shape, checked: stages without import cycles, the clock read only at the
edge, small modules and functions, and a docstring on every module saying its one job.

These hold the structure the README's Architecture section describes; each would
otherwise erode one convenient shortcut at a time.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "daemon" / "watercooler"
MAX_MODULE_LINES = 400
MAX_FUNCTION_LINES = 50
EDGE = ("watercooler.cli",)
"""Where the clock may be read: the command line (and, later, the daemon's entry point)."""
CLOCK_CALLS = {
    ("datetime", "now"),
    ("datetime", "utcnow"),
    ("datetime", "today"),
    ("date", "today"),
    ("time", "time"),
    ("time", "time_ns"),
    ("time", "localtime"),
    ("time", "gmtime"),
}
SQL_CLOCK = ("'now'", '"now"', "current_timestamp", "current_date", "current_time")


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules() -> dict[str, Path]:
    return {module_name(path): path for path in sorted(PACKAGE.rglob("*.py"))}


MODULES = modules()


def parsed(name: str) -> ast.Module:
    return ast.parse(MODULES[name].read_text(encoding="utf-8"), filename=str(MODULES[name]))


def imported(name: str) -> Iterator[str]:
    """Every package module ``name`` imports anywhere: at the top, under TYPE_CHECKING, or
    inside a function. ``from a import b`` counts as importing ``a.b`` when that is a
    module, else ``a``."""
    package = name if MODULES[name].name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(parsed(name)):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                base = f"{anchor}.{base}" if base else anchor
            targets = [
                f"{base}.{alias.name}" if f"{base}.{alias.name}" in MODULES else base
                for alias in node.names
            ]
        else:
            continue
        yield from (target for target in targets if target in MODULES and target != name)


def import_graph() -> dict[str, list[str]]:
    return {name: sorted(set(imported(name))) for name in MODULES}


def find_cycle(graph: dict[str, list[str]]) -> list[str] | None:
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for target in graph[node]:
            if state.get(target) == 1:
                return [*stack[stack.index(target) :], target]
            if target not in state:
                found = visit(target)
                if found:
                    return found
        stack.pop()
        state[node] = 2
        return None

    for name in graph:
        if name not in state:
            found = visit(name)
            if found:
                return found
    return None


def test_the_package_has_modules_to_check() -> None:
    assert len(MODULES) > 30
    assert "watercooler.cli.app" in MODULES
    assert "watercooler.calendar.timeline" in MODULES


def test_no_import_cycle_not_even_through_type_only_or_function_level_imports() -> None:
    cycle = find_cycle(import_graph())
    assert cycle is None, " → ".join(cycle or [])


def test_the_cycle_finder_finds_a_cycle_when_there_is_one() -> None:
    """The check above can fail: the store imports errors (under TYPE_CHECKING or not, the
    walk sees it); errors importing the store back would close a cycle."""
    graph = import_graph()
    assert "watercooler.errors" in graph["watercooler.store"]
    graph["watercooler.errors"] = [*graph["watercooler.errors"], "watercooler.store"]
    assert find_cycle(graph) in (
        ["watercooler.store", "watercooler.errors", "watercooler.store"],
        ["watercooler.errors", "watercooler.store", "watercooler.errors"],
    )


def _clock_reads(name: str) -> list[str]:
    found = []
    for node in ast.walk(parsed(name)):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            owner = node.func.value
            owner_name = (
                owner.id
                if isinstance(owner, ast.Name)
                else owner.attr
                if isinstance(owner, ast.Attribute)
                else ""
            )
            if (owner_name, node.func.attr) in CLOCK_CALLS:
                found.append(f"{name}:{node.lineno}: {owner_name}.{node.func.attr}()")
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            lowered = node.value.lower()
            if any(marker in lowered for marker in SQL_CLOCK) and (
                "select" in lowered or "default" in lowered or "insert" in lowered
            ):
                found.append(f"{name}:{node.lineno}: SQL reads the clock")
    return found


def test_nothing_below_the_command_line_reads_the_clock() -> None:
    reads = [read for name in MODULES if not name.startswith(EDGE) for read in _clock_reads(name)]
    assert reads == []


def test_the_clock_check_sees_the_reads_the_command_line_does() -> None:
    """The edge reads the clock (``--now`` defaults to now): the check must see that."""
    assert any("datetime.now()" in read for read in _clock_reads("watercooler.cli.session"))


@pytest.mark.parametrize("name", sorted(MODULES))
def test_each_module_is_small_and_says_its_job(name: str) -> None:
    text = MODULES[name].read_text(encoding="utf-8")
    assert len(text.splitlines()) <= MAX_MODULE_LINES
    docstring = ast.get_docstring(parsed(name))
    assert docstring, f"{name} has no module docstring"
    assert len(docstring.split()) >= 6, f"{name}: the docstring does not say its job"


def test_no_function_is_longer_than_fifty_lines() -> None:
    long = [
        f"{name}:{node.lineno} {node.name} ({node.end_lineno - node.lineno + 1} lines)"
        for name in MODULES
        for node in ast.walk(parsed(name))
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        and node.end_lineno is not None
        and node.end_lineno - node.lineno + 1 > MAX_FUNCTION_LINES
    ]
    assert long == []


def test_production_code_has_no_asserts() -> None:
    """An assert vanishes under ``python -O``; production code states its invariants in
    types or raises."""
    found = [
        f"{name}:{node.lineno}"
        for name in MODULES
        for node in ast.walk(parsed(name))
        if isinstance(node, ast.Assert)
    ]
    assert found == []
