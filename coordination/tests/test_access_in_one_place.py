"""Who may read a group is decided in coordination only (coordination/access.py: ``can_read``,
``readable_group_ids``, ``reads_group``, ``audience``): no module outside the coordination app queries group
membership, whether through the ``GroupMember`` model, a group's ``members`` or a user's
``group_memberships`` managers, ``members__…`` lookups, or the roles that open patient data
(``PATIENT_DATA_ROLES``, the other half of the read rule); nor does it rebuild "every group the user reads"
by looping over their CPTS with ``visible_groups`` (``readable_group_ids`` answers in one query).

The walk covers the project's packages (tests/codewalk.py: not tests, migrations nor demo data builders).
"""

import ast

from tests.codewalk import Hit, call_name, keyword_names, nodes_with_function, project_modules

HOME = "coordination"
NAMES = {"GroupMember", "PATIENT_DATA_ROLES"}
RELATED = {"members", "group_memberships"}
QUERY_METHODS = {
    "all",
    "filter",
    "exclude",
    "get",
    "first",
    "last",
    "exists",
    "count",
    "values",
    "values_list",
    "order_by",
    "select_related",
    "prefetch_related",
    "select_for_update",
    "annotate",
    "aggregate",
    "in_bulk",
    "iterator",
}
LOOKUP_CALLS = QUERY_METHODS | {"Q", "F", "OuterRef", "Count", "Prefetch", "FilteredRelation"}

# (app, enclosing function, what) -> why this is not a decision on who reads a group.
ALLOWED = {
    ("cpts", "<module>", "PATIENT_DATA_ROLES"): "cpts/roles.py defines the roles",
    ("cpts", "requires_second_factor", "PATIENT_DATA_ROLES"): "the second-factor policy (whoever may see "
    "patient data must verify their sessions), not a group rule",
    (
        "fhirapi",
        "careteam",
        "GroupMember",
    ): "renders a CareTeam's participants and their periods, for a group "
    "the caller already found among coordination.access.readable_group_ids",
    ("fhirapi", "careteam", "members.filter"): "the same participants",
    ("fhirapi", "_participant", "GroupMember"): "the FHIR `participant` search parameter narrows the "
    "CareTeams already limited to coordination.access.readable_group_ids",
    ("fhirapi", "_participant", "members__status"): "the same search",
    ("privacy", "_members", "GroupMember"): "lists a care circle's members (every status, with their dates) "
    "for a person's copy (right of access); who may produce it is coordination.access.can_read "
    "(privacy.actions.task_to_produce), and the coordination's copy shows members, never content",
}


def _is_related_lookup(name: str) -> bool:
    return name.split("__", 1)[0] in RELATED


def _hit(node: ast.AST) -> str | None:
    """What makes ``node`` a query of group membership, if it is one."""
    if isinstance(node, ast.Name) and node.id in NAMES:
        return node.id
    if isinstance(node, ast.Attribute) and node.attr in NAMES:  # models.GroupMember, roles.PATIENT_DATA_ROLES
        return node.attr
    if (
        isinstance(node, ast.Attribute)
        and node.attr in QUERY_METHODS
        and isinstance(node.value, ast.Attribute)
        and node.value.attr in RELATED
    ):
        return f"{node.value.attr}.{node.attr}"
    if isinstance(node, ast.Call) and call_name(node) in LOOKUP_CALLS:
        strings = [a.value for a in node.args if isinstance(a, ast.Constant) and isinstance(a.value, str)]
        found = [name for name in [*keyword_names(node), *strings] if _is_related_lookup(name)]
        return ", ".join(found) or None
    return None


LOOPS = (ast.For, ast.AsyncFor, ast.While, ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)


def _per_cpts_loop(node: ast.AST) -> bool:
    """A loop calling ``visible_groups`` (one CPTS at a time) in its body."""
    return isinstance(node, LOOPS) and any(
        isinstance(inner, ast.Call) and call_name(inner) == "visible_groups" for inner in ast.walk(node)
    )


def membership_queries(path: str, tree: ast.AST) -> list[Hit]:
    hits = []
    for function, node in nodes_with_function(tree):
        what = "visible_groups in a loop" if _per_cpts_loop(node) else _hit(node)
        if what:
            hits.extend(Hit(path, function, node.lineno, part) for part in what.split(", "))
    return hits


def _all_hits() -> list[Hit]:
    return [
        hit
        for path, tree in project_modules()
        if not path.startswith(f"{HOME}/")
        for hit in membership_queries(path, tree)
    ]


def test_no_module_outside_coordination_queries_group_membership():
    hits = [hit for hit in _all_hits() if (hit.app, hit.function, hit.what) not in ALLOWED]
    assert hits == [], (
        "ask coordination.access (can_read, readable_group_ids, reads_group...):\n"
        + "\n".join(map(str, hits))
    )


def test_every_allowed_query_still_exists():
    assert sorted(set(ALLOWED) - {(h.app, h.function, h.what) for h in _all_hits()}) == []


def _hits_in(source: str) -> list[str]:
    return [hit.what for hit in membership_queries("x/y.py", ast.parse(source))]


def test_the_walker_finds_the_old_copies_of_the_rule():
    """The copies issue 15 removed (realtime, notifications, agenda, notifications' invitations)."""
    realtime = """
care = {cpts_id for cpts_id, role in memberships if role in PATIENT_DATA_ROLES}
groups = GroupMember.objects.filter(user_id=user_id, status=GroupMember.Status.ACTIVE, cpts_id__in=care)
"""
    assert _hits_in(realtime) == ["PATIENT_DATA_ROLES", "GroupMember", "GroupMember"]
    notifications = """
member = GroupMember.objects.filter(user_id=OuterRef("user_id"), group_id=OuterRef("group_id"))
role = Membership.objects.filter(user_id=OuterRef("user_id"), role__in=PATIENT_DATA_ROLES)
"""
    assert _hits_in(notifications) == ["GroupMember", "PATIENT_DATA_ROLES"]
    agenda = 'ids = group.members.filter(status="active").values("user_id")'
    assert _hits_in(agenda) == ["members.filter"]
    joined = 'Group.objects.filter(members__user=user).prefetch_related("members")'
    assert sorted(_hits_in(joined)) == ["members", "members__user"]
    assert _hits_in("user.group_memberships.exists()") == ["group_memberships.exists"]
    loop = """
for membership in Membership.objects.filter(user=user, active=True).select_related("cpts"):
    ids |= set(group_rules.visible_groups(user, membership.cpts).values_list("pk", flat=True))
"""
    assert _hits_in(loop) == ["visible_groups in a loop"]


def test_the_walker_leaves_other_members_alone():
    assert _hits_in("rate.members / rate.professionals") == []
    assert _hits_in('render(request, "x.html", {"members": 3})') == []
    assert _hits_in("group_rules.readable_group_ids(user)") == []
    assert _hits_in("scoped(Event, cpts).filter(group__in=group_rules.visible_groups(user, cpts))") == []
