"""Every setting an operator can give (an environment variable the code reads) is a row of the settings table
of docs/OPERATIONS.md, and every row of that table is read somewhere: the table is the operator's contract."""

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
ENV_READERS = {"env_str", "env_bool", "env_int", "env_list"}
SKIPPED_DIRS = {".venv", "var", "node_modules", "tests", "migrations", "bench", "scripts", ".git", "static"}
# Read by the tooling, not by the platform: the test runner and the Django entry points.
NOT_SETTINGS = {"DJANGO_SETTINGS_MODULE", "TEST_DATABASE_NAME", "TEST_POSTGRES_URL", "REQUIRE_POSTGRES", "CI"}

pytestmark = pytest.mark.once


def _python_files():
    for path in ROOT.rglob("*.py"):
        parts = set(path.relative_to(ROOT).parts[:-1])
        if parts & SKIPPED_DIRS or path.name.startswith("test_") or path.name == "conftest.py":
            continue
        yield path


def _constant_first_argument(call: ast.Call) -> str | None:
    if call.args and isinstance(call.args[0], ast.Constant) and isinstance(call.args[0].value, str):
        return call.args[0].value
    return None


def _is_environ_read(func: ast.expr) -> bool:
    """`os.environ.get(...)`, `environ.get(...)`, `os.getenv(...)`."""
    if isinstance(func, ast.Attribute) and func.attr == "get":
        target = func.value
        return (isinstance(target, ast.Attribute) and target.attr == "environ") or (
            isinstance(target, ast.Name) and target.id == "environ"
        )
    return isinstance(func, ast.Attribute) and func.attr == "getenv"


def names_read(tree: ast.AST) -> set[str]:
    """The environment variable names a module reads with a constant name."""
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Subscript) and isinstance(node.ctx, ast.Load):
            target = node.value
            if isinstance(target, ast.Attribute) and target.attr == "environ":
                if isinstance(node.slice, ast.Constant) and isinstance(node.slice.value, str):
                    names.add(node.slice.value)
        elif isinstance(node, ast.Call) and (name := _constant_first_argument(node)):
            func = node.func
            if (isinstance(func, ast.Name) and func.id in ENV_READERS) or _is_environ_read(func):
                names.add(name)
    return names


def read_variables() -> dict[str, str]:
    """Every environment variable name the platform reads, with the first file reading it."""
    found: dict[str, str] = {}
    for path in _python_files():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for name in names_read(tree):
            found.setdefault(name, str(path.relative_to(ROOT)))
    return {name: where for name, where in found.items() if name not in NOT_SETTINGS}


def documented_variables() -> set[str]:
    """The names in backticks in the first column of the table under « ## Settings »."""
    text = (ROOT / "docs" / "OPERATIONS.md").read_text(encoding="utf-8")
    section = text.split("## Settings", 1)[1].split("\n## ", 1)[0]
    names: set[str] = set()
    for line in section.splitlines():
        if not line.startswith("| `"):
            continue
        first_column = line.split("|")[1]
        names |= set(re.findall(r"`([A-Z][A-Z0-9_]+)`", first_column))
    return names


def test_the_settings_table_is_found():
    documented = documented_variables()
    assert "DATABASE_URL" in documented and "SECRET_KEY" in documented, documented


def test_every_setting_read_by_the_code_is_documented():
    undocumented = {
        name: where for name, where in read_variables().items() if name not in documented_variables()
    }
    assert not undocumented, (
        "Environment variables read by the code but missing from the settings table of docs/OPERATIONS.md "
        f"(one row each, full name in backticks in the first column): {undocumented}"
    )


def test_every_documented_setting_is_read_by_the_code():
    stale = documented_variables() - set(read_variables())
    assert not stale, f"Rows of docs/OPERATIONS.md's settings table that no code reads: {sorted(stale)}"


def test_the_walker_sees_each_way_of_reading_the_environment():
    source = (
        "import os\nfrom os import environ\n"
        "a = env_int('A_INT', 1)\nb = os.environ.get('B_GET')\nc = os.environ['C_ITEM']\n"
        "d = environ.get('D_GET')\ne = os.getenv('E_GETENV')\nos.environ['F_WRITTEN'] = '1'\n"
        "g = os.environ.setdefault('G_DEFAULT', '1')\nh = other.get('H_NOT_ENV')\n"
    )
    assert names_read(ast.parse(source)) == {"A_INT", "B_GET", "C_ITEM", "D_GET", "E_GETENV"}
