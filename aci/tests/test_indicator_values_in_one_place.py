"""An indicator's value for a contract year (its stored result or its live figure), the step it reaches and
what it earns are computed by ``aci.indicators`` only (``status``, ``year_status``). This walker fails when
another module reads the stored results (``IndicatorResult``, ``indicator.results``) or picks the step
reached (``reached``) itself, as the indicator page once did."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HOME = {"aci/indicators.py", "aci/models.py"}
SKIPPED_DIRS = {".venv", "var", "node_modules", "migrations", "tests", ".git"}


def _offences(tree: ast.AST) -> list[tuple[int, str]]:
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and node.attr in ("results", "reached"):
            out.append((node.lineno, ast.unparse(node)))
        elif isinstance(node, ast.Name) and node.id in ("IndicatorResult", "reached"):
            out.append((node.lineno, node.id))
        elif isinstance(node, ast.alias) and node.name in ("IndicatorResult", "reached"):
            out.append((node.lineno, f"import {node.name}"))
    return sorted(set(out))


def _modules():
    for path in sorted(ROOT.rglob("*.py")):
        rel = path.relative_to(ROOT)
        if SKIPPED_DIRS & set(rel.parts[:-1]) or rel.as_posix() in HOME:
            continue
        yield rel.as_posix(), ast.parse(path.read_text(encoding="utf-8"))


def test_only_aci_indicators_computes_an_indicators_value_for_a_year():
    found = [f"{path}:{line} {text}" for path, tree in _modules() for line, text in _offences(tree)]

    assert found == [], "use aci.indicators.status / year_status / year_closed:\n" + "\n".join(found)


def test_the_walker_sees_the_copies_it_must_see():
    """Self-test on what the indicator page did before (aci/views_indicators.py:_indicator_page)."""
    old = """
from aci.models import Contract, Evidence, Indicator, IndicatorResult
results = {r.contract_year: r for r in indicator.results.all()}
step = rules.reached(indicator, current["steps"], value)
closed = IndicatorResult.objects.filter(indicator__contract=contract, computed=True).exists()
"""

    assert [line for line, _ in _offences(ast.parse(old))] == [2, 3, 4, 5]
