"""The demo app's place in the dependency graph: it imports every app, and no module outside it imports it
(apps' tests may, to seed a part of the demo); ``cpts`` imports none of the apps built on it, since the demo
orchestration left it. Checked by parsing the code (``ast``), pages, API and commands included, which the
import-linter layers (pyproject.toml) leave out."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SKIPPED_DIRS = {".venv", "var", "node_modules", ".git", "tests", "migrations", "bench", "static", "templates"}

# The apps built on cpts, that cpts itself must not import (the demo used to: cpts/demo.py).
ABOVE_CPTS = {"coordination", "documents", "agenda", "unscheduled", "gpmatching", "aci", "news"}
# (file, imported module) -> why cpts may import it.
CPTS_ALLOWED = {
    (
        "cpts/views.py",
        "aci.tiers",
    ): "the page shows the ACI tier of the territory (aci.tiers.territory_summary)",
    ("cpts/api.py", "aci.tiers"): "the API gives the ACI tier of the territory (aci.tiers.territory_summary)",
}


def imports(tree: ast.AST) -> set[str]:
    """The absolute modules a file imports, at any depth (lazy imports in functions included)."""
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module)
            found |= {f"{node.module}.{alias.name}" for alias in node.names}
    return found


def production_sources():
    """(path relative to the root, parsed tree) of every module but tests, migrations and benchmarks."""
    for path in sorted(ROOT.rglob("*.py")):
        parts = path.relative_to(ROOT).parts
        if SKIPPED_DIRS & set(parts[:-1]) or parts[-1] in ("conftest.py",) or parts[-1].startswith("test_"):
            continue
        yield path.relative_to(ROOT).as_posix(), ast.parse(path.read_text(encoding="utf-8"))


def top(module: str) -> str:
    return module.split(".")[0]


def test_no_module_outside_the_demo_app_imports_it():
    offenders = [
        f"{path} imports {module}"
        for path, tree in production_sources()
        if not path.startswith("demo/")
        for module in sorted(imports(tree))
        if top(module) == "demo"
    ]

    assert offenders == []


def allowed(path: str, module: str) -> bool:
    """The listed module, or a name imported from it (``from aci.tiers import territory_summary``)."""
    return any(p == path and (module == m or module.startswith(f"{m}.")) for p, m in CPTS_ALLOWED)


def test_cpts_imports_none_of_the_apps_built_on_it():
    offenders = [
        f"{path} imports {module}"
        for path, tree in production_sources()
        if path.startswith("cpts/")
        for module in sorted(imports(tree))
        if top(module) in ABOVE_CPTS and not allowed(path, module)
    ]

    assert offenders == []


def test_every_allowed_import_still_exists():
    found = {(path, module) for path, tree in production_sources() for module in imports(tree)}

    assert sorted(set(CPTS_ALLOWED) - found) == []


def test_the_walker_sees_lazy_imports_and_the_demo_imports_every_app():
    lazy = ast.parse("def f():\n    from demo.seed import seed\n    import coordination.actions\n")
    assert {"demo.seed", "demo.seed.seed", "coordination.actions"} <= imports(lazy)
    demo = set()
    for path, tree in production_sources():
        if path.startswith("demo/"):
            demo |= {top(m) for m in imports(tree)}
    assert ABOVE_CPTS | {"cpts", "accounts", "directory", "territory"} <= demo
