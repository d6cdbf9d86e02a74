"""Tenancy in one helper: tenant rows are reached through ``cpts.scoping`` (``scoped``, ``scoped_to``,
``get_scoped_or_404``, ``access_cpts``), never by a hand lookup on the tenant column elsewhere.

A hand lookup is a ``filter``, ``exclude``, ``get`` or ``Q`` whose keyword names the CPTS itself: ``cpts=``,
``cpts_id=``, ``cpts__in=``, ``cpts__pk=``, ``cpts__slug=``... (``cpts__finess=""`` is a property of the CPTS,
not a tenant scope). Writes are not lookups: ``create(cpts=...)``, ``get_or_create(cpts=...)`` and
``update_or_create(cpts=...)`` set the new row's tenant, which a scoped queryset would not do.
"""

import ast

from tests.codewalk import Hit, call_name, keyword_names, nodes_with_function, project_modules

LOOKUP_CALLS = {"filter", "exclude", "get", "Q"}
TENANT_FIELDS = {"cpts", "cpts_id"}
IDENTITY_SUFFIXES = {"", "exact", "in", "pk", "id", "pk__in", "id__in", "slug", "slug__in"}
HOME = "cpts/scoping.py"

# (app, enclosing function, keyword) -> why this lookup on the tenant column is not a tenant scope.
ALLOWED = {
    ("coordination", "entries", "cpts_id"): "AuditEntry is not a TenantModel (a plain integer column of "
    "the append-only trail, indexed with the time): scoped() refuses it; a group's history reads its CPTS's",
    ("cpts", "add_communes", "cpts"): "two CPTS never share a territory: the one rule that looks across "
    "tenants, for another CPTS's claim on the commune family (excluding this CPTS's own row)",
}


def is_tenant_lookup(name: str) -> bool:
    field, _, rest = name.partition("__")
    return field in TENANT_FIELDS and rest in IDENTITY_SUFFIXES


def hand_tenant_lookups(path: str, tree: ast.AST) -> list[Hit]:
    hits = []
    for function, node in nodes_with_function(tree):
        if isinstance(node, ast.Call) and call_name(node) in LOOKUP_CALLS:
            for name in keyword_names(node):
                if is_tenant_lookup(name):
                    hits.append(Hit(path, function, node.lineno, f"{call_name(node)}({name}=...)"))
    return hits


def _all_hits() -> list[Hit]:
    return [
        hit for path, tree in project_modules() if path != HOME for hit in hand_tenant_lookups(path, tree)
    ]


def _key(hit: Hit) -> tuple[str, str, str]:
    return hit.app, hit.function, hit.what.split("(", 1)[1].split("=", 1)[0]


def test_no_hand_tenant_lookup_outside_cpts_scoping():
    hits = [hit for hit in _all_hits() if _key(hit) not in ALLOWED]
    assert hits == [], "use cpts.scoping.scoped / scoped_to instead of:\n" + "\n".join(map(str, hits))


def test_every_allowed_lookup_still_exists():
    assert sorted(set(ALLOWED) - {_key(hit) for hit in _all_hits()}) == []


def _hits_in(source: str) -> list[str]:
    return [hit.what for hit in hand_tenant_lookups("x/y.py", ast.parse(source))]


def test_the_walker_finds_the_old_hand_lookups():
    """What the code held before scoped_to (issue 15): each of these is caught."""
    assert _hits_in("Contract.objects.select_related('grid').filter(cpts=access.cpts).first()") == [
        "filter(cpts=...)"
    ]
    assert _hits_in(
        "Exists(Membership.objects.filter(user_id=OuterRef('u'), cpts_id=OuterRef('cpts_id')))"
    ) == ["filter(cpts_id=...)"]
    assert _hits_in("GroupMember.objects.filter(user_id=1, cpts_id__in=care)") == ["filter(cpts_id__in=...)"]
    assert _hits_in("Membership.objects.get(cpts=cpts, user=u)") == ["get(cpts=...)"]
    assert _hits_in("qs.exclude(**{'cpts': cpts})") == ["exclude(cpts=...)"]
    assert _hits_in("qs.filter(Q(cpts=cpts) | Q(pk=1))") == ["Q(cpts=...)"]


def test_the_walker_leaves_writes_and_properties_of_the_cpts_alone():
    assert _hits_in("Slot.objects.create(cpts=cpts, start=s)") == []
    assert _hits_in("GroupMember.objects.get_or_create(cpts=cpts, group=g, user=u)") == []
    assert _hits_in("Slot.objects.exclude(cpts__finess='')") == []
    assert _hits_in("scoped(Slot, cpts).filter(start__gt=now)") == []
