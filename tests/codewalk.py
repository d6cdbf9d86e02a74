"""Walking the project's own code with ``ast``, for the tests that keep a rule in one place
(``tests/test_tenancy_in_one_place.py``, ``coordination/tests/test_access_in_one_place.py``).

What is walked: every module of the project's packages (the top-level folders with an ``__init__.py``), except
tests, migrations and the demo data builders (``*/demo.py``, ``seed_demo``, a ``demo`` app): they write
synthetic data into the one demo CPTS they just created and serve no request. ``bench/`` and ``scripts/``
are not packages of the application and are not walked.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SKIPPED_PARTS = {"tests", "migrations", "demo"}
SKIPPED_FILES = {"demo.py", "seed_demo.py"}


@dataclass(frozen=True)
class Hit:
    """A forbidden pattern: where (file, enclosing function, line) and what."""

    path: str
    function: str
    line: int
    what: str

    @property
    def app(self) -> str:
        return self.path.split("/", 1)[0]

    def __str__(self) -> str:
        return f"{self.path}:{self.line} ({self.function}): {self.what}"


def project_modules(root: Path = ROOT) -> Iterator[tuple[str, ast.Module]]:
    """(path relative to the root, parsed module) of every walked module."""
    for package in sorted(p.parent for p in root.glob("*/__init__.py")):
        if package.name in SKIPPED_PARTS:
            continue
        for path in sorted(package.rglob("*.py")):
            relative = path.relative_to(root)
            if SKIPPED_PARTS & set(relative.parts[:-1]) or path.name in SKIPPED_FILES:
                continue
            yield relative.as_posix(), ast.parse(path.read_text(encoding="utf-8"))


def nodes_with_function(tree: ast.AST) -> Iterator[tuple[str, ast.AST]]:
    """Every node with the name of the innermost function around it ("<module>" at the top level)."""

    def walk(node: ast.AST, function: str) -> Iterator[tuple[str, ast.AST]]:
        for child in ast.iter_child_nodes(node):
            inner = child.name if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef) else function
            yield inner, child
            yield from walk(child, inner)

    yield from walk(tree, "<module>")


def call_name(call: ast.Call) -> str | None:
    """``filter`` for ``x.filter(...)``, ``Q`` for ``Q(...)``."""
    if isinstance(call.func, ast.Attribute):
        return call.func.attr
    if isinstance(call.func, ast.Name):
        return call.func.id
    return None


def keyword_names(call: ast.Call) -> Iterator[str]:
    """The keyword names of a call, including the literal keys of a ``**{...}`` argument."""
    for keyword in call.keywords:
        if keyword.arg is not None:
            yield keyword.arg
        elif isinstance(keyword.value, ast.Dict):
            yield from (k.value for k in keyword.value.keys if isinstance(k, ast.Constant))
