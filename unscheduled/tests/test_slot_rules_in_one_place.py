"""When a slot is bookable, editable or offered, which patterns are in force and which bookings are live is
written once, as QuerySet methods in unscheduled/models.py (``Slot.objects.bookable`` and its siblings). This
walker parses every module of the project and fails when another one filters on what those methods decide:

- a slot's ``status`` or ``paused`` (``Slot.objects.filter(status=...)``, ``scoped(Slot, cpts).exclude(
  paused=...)``, ``slot__status=...``, ``slots__paused=...``, or any filter on ``Slot.Status.…``);
- ``paused`` in a module that imports the unscheduled models (a pattern's pause: ``in_force``);
- ``Booking.LIVE`` (``Booking.objects.live()``).

Writes (``update(status=...)``) are not filters and stay with the actions that own them.
"""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HOME = "unscheduled/models.py"  # where the rules live
SKIPPED_DIRS = {".venv", "var", "node_modules", "migrations", "tests", ".git"}
FILTERS = {"filter", "exclude", "get", "Q"}
RULED = {"status", "paused"}
SLOT_RELATIONS = {"slot", "slots"}  # Booking.slot, AvailabilityPattern.slots
MODELS_WITH_RULES = {"Slot", "AvailabilityPattern"}


def _root_model(node: ast.AST) -> str | None:
    """``Slot`` for ``Slot.objects….filter``, ``scoped(Slot, cpts)….filter``, ``get_scoped_or_404(Slot…``."""
    while True:
        if isinstance(node, ast.Attribute):
            if node.attr in ("objects", "_default_manager") and isinstance(node.value, ast.Name):
                return node.value.id
            node = node.value
        elif isinstance(node, ast.Call):
            name = getattr(node.func, "id", None)
            if name in ("scoped", "get_scoped_or_404") and node.args and isinstance(node.args[0], ast.Name):
                return node.args[0].id
            node = node.func
        else:
            return None


def _call_name(call: ast.Call) -> str:
    return call.func.attr if isinstance(call.func, ast.Attribute) else getattr(call.func, "id", "")


def _imports_unscheduled_models(tree: ast.AST) -> bool:
    return any(
        isinstance(node, ast.ImportFrom) and node.module == "unscheduled.models" for node in ast.walk(tree)
    )


def _offending(keyword: ast.keyword, root: str | None, knows_models: bool) -> bool:
    parts = keyword.arg.split("__")
    value = ast.unparse(keyword.value)
    through_slot = any(p in SLOT_RELATIONS and nxt in RULED for p, nxt in zip(parts, parts[1:], strict=False))
    return (
        (root in MODELS_WITH_RULES and parts[0] in RULED)
        or through_slot
        or "Slot.Status" in value
        or "Booking.LIVE" in value
        or (knows_models and parts[0] == "paused")
    )


def _offences(tree: ast.AST) -> list[tuple[int, str]]:
    """(line, text) of every filter that states a rule of unscheduled/models.py by hand."""
    knows_models = _imports_unscheduled_models(tree)
    out = []
    for call in (n for n in ast.walk(tree) if isinstance(n, ast.Call) and _call_name(n) in FILTERS):
        root = _root_model(call.func.value) if isinstance(call.func, ast.Attribute) else None
        keywords = list(call.keywords)
        for arg in call.args:  # Q(...) objects passed to the filter
            nested = (n for n in ast.walk(arg) if isinstance(n, ast.Call) and _call_name(n) == "Q")
            keywords += [k for q in nested for k in q.keywords]
        for keyword in keywords:
            if keyword.arg and _offending(keyword, root, knows_models):
                out.append((call.lineno, f"{keyword.arg}={ast.unparse(keyword.value)}"))
    return sorted(set(out))


def _modules():
    for path in sorted(ROOT.rglob("*.py")):
        rel = path.relative_to(ROOT)
        if SKIPPED_DIRS & set(rel.parts[:-1]) or rel.as_posix() == HOME:
            continue
        yield rel.as_posix(), ast.parse(path.read_text(encoding="utf-8"))


def test_no_module_but_the_models_filters_slots_on_status_or_pause():
    found = [f"{path}:{line} {text}" for path, tree in _modules() for line, text in _offences(tree)]

    assert found == [], (
        "filters on a slot's status or pause, a pattern's pause or live bookings outside "
        f"{HOME}: use Slot.objects.bookable() / editable() / offered(), AvailabilityPattern.objects."
        "in_force() / not_ended(), Booking.objects.live():\n" + "\n".join(found)
    )


def test_the_rules_live_in_the_models():
    """The methods the other modules call are there (and so are the filters this walker forbids elsewhere)."""
    home = ast.parse((ROOT / HOME).read_text(encoding="utf-8"))
    methods = {n.name for n in ast.walk(home) if isinstance(n, ast.FunctionDef)}

    assert {"bookable", "editable", "offered", "in_force", "not_ended", "live"} <= methods
    assert _offences(home) != []


def test_the_walker_sees_the_copies_it_must_see():
    """Self-test on the forms the copies took before the rule moved (search, SAS, pages, slots)."""
    old = """
from unscheduled.models import AvailabilityPattern, Booking, Slot
Slot.objects.filter(cpts=cpts, status=Slot.Status.FREE, paused=False, start__gt=now)
scoped(Slot, access.cpts).filter(Q(status="free") | Q(pk=1), professional=pro, start__gt=now)
qs.filter(start__gt=timezone.now(), status=Slot.Status.FREE).exclude(bookings__status__in=Booking.LIVE)
AvailabilityPattern.objects.filter(paused=False, valid_until__gte=today)
Booking.objects.filter(slot__paused=False)
Booking.objects.filter(status__in=Booking.LIVE)
"""
    lines = [line for line, _ in _offences(ast.parse(old))]

    assert lines == [3, 3, 4, 5, 5, 6, 7, 8]


def test_the_walker_leaves_other_filters_alone():
    fine = """
from unscheduled.models import Booking, Slot
Slot.objects.filter(pk=slot.pk).update(status=Slot.Status.BOOKED)
Booking.objects.exclude(status=Booking.Status.CANCELLED)
Request.objects.filter(status=Request.Status.WAITING)
scoped(Slot, cpts).bookable(now=now).filter(start__lt=until)
"""

    assert _offences(ast.parse(fine)) == []
