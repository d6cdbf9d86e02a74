"""Rules about the code itself, held by CI: formatting and line length, complexity, the dependency direction
between apps, and a documentation that names only what exists.

- `ruff check` and `ruff format --check` pass (lines of at most 110 characters, pyproject.toml).
- No function of the application (tests and migrations aside: a test's asserts count as branches) is over
  radon's cyclomatic complexity 20 unless a ``# complexity: <reason>`` comment in its body says why.
- The apps' domain modules form the layers declared in pyproject.toml ([tool.importlinter]), checked by
  import-linter; docs/ARCHITECTURE.md lists the same layers. No domain module imports an interface module
  (views, API, URLs, forms, commands...): the interface modules are the ones the contract ignores.
- Every `path/to/module.py` and `path/to/module.py:name` quoted in docs/ARCHITECTURE.md exists.
"""

import ast
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import grimp
import pytest
from radon.complexity import cc_visit

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
MAX_COMPLEXITY = 20
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
LINTER = PYPROJECT["tool"]["importlinter"]
LAYERS_CONTRACT = LINTER["contracts"][0]
SKIPPED_DIRS = {".venv", "var", "node_modules", "migrations", ".git", "static", "templates"}


def _run(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    return subprocess.run(args, cwd=cwd, capture_output=True, text=True, timeout=300)  # noqa: S603


def _python_files(tests: bool) -> list[Path]:
    files = []
    for path in sorted(ROOT.rglob("*.py")):
        parts = set(path.relative_to(ROOT).parts)
        if parts & SKIPPED_DIRS:
            continue
        is_test = "tests" in parts or path.name.startswith("test_") or path.name == "conftest.py"
        if tests or not is_test:
            files.append(path)
    return files


def test_ruff_check_and_format_pass():
    check = _run(str(BIN / "ruff"), "check", ".")
    assert check.returncode == 0, check.stdout[-4000:]
    formatted = _run(str(BIN / "ruff"), "format", "--check", ".")
    assert formatted.returncode == 0, formatted.stdout[-4000:]


# -- complexity ---------------------------------------------------------------------------------------------


def _functions(blocks):
    for block in blocks:
        if type(block).__name__ == "Class":
            yield from _functions(block.methods)
        else:
            yield block
            yield from _functions(block.closures)


def too_complex(source: str) -> list[tuple[str, int, int]]:
    """(name, line, complexity) of the functions over the limit without a ``# complexity:`` reason."""
    lines = source.splitlines()
    found = []
    for function in _functions(cc_visit(source)):
        if function.complexity <= MAX_COMPLEXITY:
            continue
        body = "\n".join(lines[function.lineno - 1 : function.endline])
        if not re.search(r"#\s*complexity:\s*\S", body):
            found.append((function.fullname, function.lineno, function.complexity))
    return found


def test_no_function_is_over_the_complexity_limit_without_a_reason():
    offenders = []
    for path in _python_files(tests=False):
        for name, line, complexity in too_complex(path.read_text(encoding="utf-8")):
            offenders.append(f"{path.relative_to(ROOT)}:{line} {name} ({complexity})")
    assert offenders == [], "over complexity 20, split it or write `# complexity: <reason>`:\n" + "\n".join(
        offenders
    )


def test_the_complexity_check_sees_a_complex_function_and_accepts_a_stated_reason():
    branches = "".join(f"    if x == {n}:\n        return {n}\n" for n in range(MAX_COMPLEXITY))
    source = f"def dispatch(x):\n{branches}    return -1\n"

    assert too_complex(source) == [("dispatch", 1, MAX_COMPLEXITY + 1)]
    reasoned = source.replace("def dispatch(x):\n", "def dispatch(x):\n    # complexity: a flat table\n")
    assert too_complex(reasoned) == []


# -- dependency direction -----------------------------------------------------------------------------------


def test_the_apps_domain_modules_respect_the_declared_layers():
    result = _run(str(BIN / "lint-imports"), "--no-cache")
    assert result.returncode == 0, result.stdout[-6000:]


def test_an_upward_import_breaks_the_layers_contract(tmp_path):
    """Self-test: a copy of the sources where a low layer (cpts) imports a high one (aci) fails."""
    copy = tmp_path / "src"
    shutil.copytree(ROOT, copy, ignore=shutil.ignore_patterns(*SKIPPED_DIRS - {"migrations"}, "__pycache__"))
    rules = copy / "cpts" / "roles.py"
    rules.write_text(rules.read_text(encoding="utf-8") + "\nimport aci.tiers  # noqa: E402,F401\n")

    result = _run(str(BIN / "lint-imports"), "--no-cache", cwd=copy)

    assert result.returncode != 0
    assert "cpts.roles -> aci.tiers" in result.stdout


def test_every_contract_ignores_the_same_interface_modules():
    """The forbidden contracts (no views, API or FHIR from a domain module; no tenant app from a reference
    app) see the same interface modules as the layers contract: one list, written three times in pyproject."""
    contracts = PYPROJECT["tool"]["importlinter"]["contracts"]
    forbidden = [c for c in contracts if c["type"] == "forbidden"]
    assert len(forbidden) == 2, [c["name"] for c in contracts]
    for contract in forbidden:
        assert contract["ignore_imports"] == LAYERS_CONTRACT["ignore_imports"], contract["name"]


def test_a_domain_module_importing_views_breaks_the_forbidden_contract(tmp_path):
    """Self-test: a domain module importing views of a lower app keeps the layers but breaks the contract."""
    copy = tmp_path / "src"
    shutil.copytree(ROOT, copy, ignore=shutil.ignore_patterns(*SKIPPED_DIRS - {"migrations"}, "__pycache__"))
    selectors = copy / "coordination" / "selectors.py"
    selectors.write_text(selectors.read_text(encoding="utf-8") + "\nimport cpts.views  # noqa: E402,F401\n")

    result = _run(str(BIN / "lint-imports"), "--no-cache", cwd=copy)

    assert result.returncode != 0
    assert "coordination.selectors -> cpts.views" in result.stdout


def interface_names() -> set[str]:
    """The interface modules, as the layers contract ignores them: a last name (``**.views -> **`` gives
    ``views``) or a module in full (``documents.context -> **``, ``fhirapi.** -> **`` gives ``fhirapi.``)."""
    names = set()
    for expression in LAYERS_CONTRACT["ignore_imports"]:
        importer = expression.split("->")[0].strip()
        if importer.startswith("**."):
            names.add(importer.removeprefix("**.").removesuffix(".**"))
        else:
            names.add(importer.removesuffix("**"))
    return names


def is_interface(module: str, names: set[str]) -> bool:
    """A module whose name after its app is an interface name, or a module named in full, or under one."""
    for name in names:
        if "." in name and (module == name or (name.endswith(".") and module.startswith(name))):
            return True
    return any(part in names for part in module.split(".")[1:])


def test_no_domain_module_imports_an_interface_module():
    names = interface_names()
    graph = grimp.build_graph(*LINTER["root_packages"], include_external_packages=False, cache_dir=None)
    wrong = sorted(
        f"{importer} -> {imported}"
        for importer in graph.modules
        if not is_interface(importer, names)
        for imported in graph.find_modules_directly_imported_by(importer)
        if is_interface(imported, names)
    )
    assert wrong == []


def test_the_interface_modules_are_recognised():
    names = interface_names()

    assert {"views", "api", "urls", "forms", "tests", "management", "views_cockpit"} <= names
    assert is_interface("aci.views_cockpit", names)
    assert is_interface("cpts.management.commands.seed_demo", names)
    assert not is_interface("cpts.actions", names)
    assert not is_interface("unscheduled.models", names)
    assert is_interface("documents.context", names)
    assert is_interface("fhirapi.search.care", names)
    assert not is_interface("audit.context", names)


# -- the documentation names what exists --------------------------------------------------------------------

ARCHITECTURE = ROOT / "docs" / "ARCHITECTURE.md"
QUOTED = re.compile(r"`((?:[a-z_]+/)+[a-z_0-9]+\.py)(?::([A-Za-z_][A-Za-z_0-9.]*))?")


def defined_names(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.add(node.name)
        elif isinstance(node, ast.Assign):
            names |= {target.id for target in node.targets if isinstance(target, ast.Name)}
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            names.add(node.target.id)
    return names


def missing_references(text: str) -> list[str]:
    missing = []
    for path_text, name in QUOTED.findall(text):
        path = ROOT / path_text
        if not path.is_file():
            missing.append(path_text)
        elif name and name.split(".")[0] not in defined_names(path):
            missing.append(f"{path_text}:{name}")
    return missing


@pytest.mark.parametrize("document", ["ARCHITECTURE.md", "DESIGN.md"])
def test_every_module_and_function_the_documentation_names_exists(document):
    text = (ROOT / "docs" / document).read_text(encoding="utf-8")

    assert len(QUOTED.findall(text)) > 30
    assert missing_references(text) == []


def test_the_reference_check_sees_a_wrong_name():
    text = "`cpts/scoping.py:scoped` `cpts/scoping.py:no_such_helper` `cpts/nowhere.py`"

    assert missing_references(text) == ["cpts/scoping.py:no_such_helper", "cpts/nowhere.py"]


def test_the_architecture_lists_the_layers_of_the_contract():
    text = ARCHITECTURE.read_text(encoding="utf-8")
    section = text.split("## Dependency direction", 1)[1].split("\n## ", 1)[0]
    listed = re.findall(r"^\d+\. `([^`]+)`", section, flags=re.M)

    assert listed == LAYERS_CONTRACT["layers"]


@pytest.mark.parametrize("subject", ["Short subject", "x" * 71])
def test_commit_subject_rule_accepts_short_subjects(subject):
    from scripts.check_commits import too_long

    assert not too_long(subject)


def test_commit_subject_rule_refuses_long_subjects():
    from scripts.check_commits import too_long

    assert too_long("x" * 72)
