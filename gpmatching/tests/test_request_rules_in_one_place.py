"""Which requests are open or queued and which proposals are pending is written once, as QuerySet methods in
gpmatching/models.py (``Request.objects.open()`` / ``queued()``, ``Proposal.objects.pending()``). This walker
fails when another module filters on ``Request.OPEN``, ``Request.QUEUED`` or ``Proposal.PENDING`` by hand."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HOME = "gpmatching/models.py"
SKIPPED_DIRS = {".venv", "var", "node_modules", "migrations", "tests", ".git"}
MARKERS = ("Request.OPEN", "Request.QUEUED", "Proposal.PENDING")


def _offences(tree: ast.AST) -> list[tuple[int, str]]:
    out = []
    for call in ast.walk(tree):
        if not (isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute)):
            continue
        if call.func.attr not in ("filter", "exclude", "get"):
            continue
        for keyword in call.keywords:
            value = ast.unparse(keyword.value)
            if any(marker in value for marker in MARKERS):
                out.append((call.lineno, f"{keyword.arg}={value}"))
    return sorted(set(out))


def _modules():
    for path in sorted(ROOT.rglob("*.py")):
        rel = path.relative_to(ROOT)
        if SKIPPED_DIRS & set(rel.parts[:-1]) or rel.as_posix() == HOME:
            continue
        yield rel.as_posix(), ast.parse(path.read_text(encoding="utf-8"))


def test_no_module_but_the_models_filters_open_queued_or_pending_by_hand():
    found = [f"{path}:{line} {text}" for path, tree in _modules() for line, text in _offences(tree)]

    assert found == [], (
        f"use Request.objects.open() / queued() or Proposal.objects.pending() (in {HOME}):\n"
        + "\n".join(found)
    )


def test_the_walker_sees_the_copies_it_must_see():
    old = """
scoped(Request, cpts).filter(status__in=Request.QUEUED).count()
Proposal.objects.filter(request=request, status__in=Proposal.PENDING)
qs.select_for_update().exclude(status__in=Request.OPEN)
scoped(Request, cpts).queued().filter(commune_id=commune)
"""

    assert [line for line, _ in _offences(ast.parse(old))] == [2, 3, 4]
