"""Rules of issue 15 held by walking the code (ast), each with a self-test showing that the walker sees them:

- pages and API write through named actions: no ``save()``, ``create()``, ``delete()``, queryset ``update()``
  or bulk write in ``*/views*.py`` and ``*/api.py``, except the reasons listed in ``NOT_ACTIONS``;
- an ActionError is translated once: by the JSON API's exception handler (opencpts/api.py), never by an
  ``except`` in an ``api.py``; on forms by ``opencpts.forms.show_action_error``, never by hand;
- coordination imports nothing from documents (documents depends on coordination, not the reverse).
"""

import ast
import json
from pathlib import Path

import pytest
from django.test import RequestFactory

from opencpts.errors import ActionError

ROOT = Path(__file__).resolve().parents[1]
APPS = sorted(p.parent.name for p in ROOT.glob("*/apps.py"))
WRITES = {
    "save",
    "create",
    "delete",
    "update",
    "bulk_create",
    "bulk_update",
    "get_or_create",
    "update_or_create",
}

# (file, function, call text) -> why this write (or look-alike) stays in the page or the API.
NOT_ACTIONS = {
    ("aci/views_cockpit.py", "_contract_page", "context.update"): "a template context (dict)",
    ("aci/views_indicators.py", "_indicator_page", "context.update"): "a template context (dict)",
    ("unscheduled/views.py", "_mine_context", "context.update"): "a template context (dict)",
    ("unscheduled/views.py", "search_page", "context.update"): "a template context (dict)",
    ("directory/api.py", "get_professional", "data.update"): "an API answer (dict)",
    ("unscheduled/views.py", "bulk", "slots.bulk_update"): "unscheduled.slots.bulk_update, the action",
}
# (file, function) -> why this API endpoint catches an ActionError itself.
CAUGHT_IN_API = {
    ("cpts/api.py", "remove_commune"): "a commune absent from the territory is a 404 on its URL, not a 400",
}


def _modules(patterns):
    for app in APPS:
        for pattern in patterns:
            for path in sorted((ROOT / app).glob(pattern)):
                yield path.relative_to(ROOT).as_posix(), ast.parse(path.read_text(encoding="utf-8"))


def _calls_by_function(tree):
    """[(function name, call)] for every call, attributed to its innermost enclosing function."""
    out = []

    def visit(node, function):
        for child in ast.iter_child_nodes(node):
            name = child.name if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef) else function
            if isinstance(child, ast.Call):
                out.append((function, child))
            visit(child, name)

    visit(tree, "<module>")
    return out


def _writes(modules):
    found = []
    for path, tree in modules:
        for function, call in _calls_by_function(tree):
            if not (isinstance(call.func, ast.Attribute) and call.func.attr in WRITES):
                continue
            if call.func.attr == "save" and any(
                k.arg == "commit" and isinstance(k.value, ast.Constant) and k.value.value is False
                for k in call.keywords
            ):
                continue  # form.save(commit=False): an unsaved instance handed to an action
            if ast.unparse(call.func).startswith(("router.", "api.")):
                continue  # @router.delete(...): a route, not a write
            if call.func.attr == "create" and not ast.unparse(call.func).endswith("objects.create"):
                continue  # e.g. Status.create: not a write
            found.append((path, function, ast.unparse(call.func), call.lineno))
    return found


def _view_modules():
    return _modules(["views*.py", "api.py"])


def test_pages_and_api_write_only_through_actions():
    stray = [
        f"{path}:{line} {text}() in {function}()"
        for path, function, text, line in _writes(_view_modules())
        if (path, function, text) not in NOT_ACTIONS
    ]

    assert stray == [], "writes in pages or API: move them to an action\n" + "\n".join(stray)


def test_every_write_exception_still_exists():
    keys = {(path, function, text) for path, function, text, _ in _writes(_view_modules())}

    assert sorted(set(NOT_ACTIONS) - keys) == []


def test_the_write_walker_sees_a_write_in_a_view():
    tree = ast.parse(
        "def page(request):\n"
        "    form.save()\n"
        "    draft = form.save(commit=False)\n"
        "    Thing.objects.filter(pk=1).update(x=1)\n"
        "    Thing.objects.create(x=1)\n"
        "    thing.delete()\n"
    )

    found = [(function, text) for _, function, text, _ in _writes([("x/views.py", tree)])]

    assert found == [
        ("page", "form.save"),
        ("page", "Thing.objects.filter(pk=1).update"),
        ("page", "Thing.objects.create"),
        ("page", "thing.delete"),
    ]


def _action_error_names() -> set[str]:
    """ActionError and every subclass defined in the project (TerritoryError, SlotTaken, ImportRefused...)."""
    import opencpts.api  # noqa: F401 - imports every router, hence every rule module they use

    names, todo = set(), [ActionError]
    while todo:
        cls = todo.pop()
        names.add(cls.__name__)
        todo += cls.__subclasses__()
    return names


def _caught(modules, names):
    found = []
    for path, tree in modules:
        for function, handler in _handlers(tree):
            caught = handler.type
            types = caught.elts if isinstance(caught, ast.Tuple) else [caught] if caught else []
            for t in types:
                text = ast.unparse(t)
                if text.rsplit(".", 1)[-1] in names:
                    found.append((path, function, text, handler.lineno))
    return found


def _handlers(tree):
    out = []

    def visit(node, function):
        for child in ast.iter_child_nodes(node):
            name = child.name if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef) else function
            if isinstance(child, ast.ExceptHandler):
                out.append((function, child))
            visit(child, name)

    visit(tree, "<module>")
    return out


def test_the_api_leaves_action_errors_to_its_one_handler():
    names = _action_error_names()
    caught = [
        f"{path}:{line} except {text} in {function}()"
        for path, function, text, line in _caught(_modules(["api.py"]), names)
        if (path, function) not in CAUGHT_IN_API
    ]

    assert {"ActionError", "TerritoryError", "SlotTaken"} <= names
    assert caught == [], "let opencpts/api.py answer 400/409:\n" + "\n".join(caught)


def test_the_handler_walker_sees_a_caught_action_error():
    tree = ast.parse(
        "def endpoint(request):\n"
        "    try:\n        act()\n    except actions.ActionError as exc:\n        return 400, {}\n"
        "    try:\n        act()\n    except (ValueError, SlotTaken):\n        return 409, {}\n"
    )

    found = [(f, text) for _, f, text, _ in _caught([("x/api.py", tree)], {"ActionError", "SlotTaken"})]

    assert found == [("endpoint", "actions.ActionError"), ("endpoint", "SlotTaken")]


@pytest.mark.parametrize(
    "error, status",
    [
        (ActionError("Nom et prénom du patient : obligatoires.", "family_name"), 400),
        (ActionError("Ce créneau vient d'être réservé.", "slot", conflict=True), 409),
    ],
)
def test_the_api_answers_an_action_error_with_400_or_409_and_its_field(error, status):
    from opencpts.api import api

    handler = api._exception_handlers[ActionError]
    response = handler(RequestFactory().post("/api/x"), error)

    assert response.status_code == status
    assert json.loads(response.content) == {"detail": error.message, "field": error.field}


def _hand_translations(modules):
    """Functions defining their own ActionError-to-form translation, or calling add_error with exc.field."""
    found = []
    for path, tree in modules:
        if path == "opencpts/forms.py":
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef) and node.name in {"_apply_error", "_add_error"}:
                found.append((path, node.name, node.lineno))
        for function, call in _calls_by_function(tree):
            if (
                isinstance(call.func, ast.Attribute)
                and call.func.attr == "add_error"
                and "exc.field" in ast.unparse(call)
            ):
                found.append((path, function, call.lineno))
    return found


# Errors that are not ActionError but look alike (field, message): shown by hand on purpose.
OTHER_ERRORS = {("accounts/views.py", "api_tokens"): "tokens.TokenError, the API token rules' own error"}


def test_forms_show_action_errors_through_one_helper():
    found = [
        f"{path}:{line} in {function}"
        for path, function, line in _hand_translations(_modules(["*.py", "*/*.py"]))
        if (path, function) not in OTHER_ERRORS
    ]

    assert found == [], "use opencpts.forms.show_action_error(form, exc):\n" + "\n".join(found)


def test_the_form_walker_sees_a_hand_translation():
    tree = ast.parse(
        "def _apply_error(form, exc):\n    pass\n"
        "def page(request):\n"
        "    form.add_error(exc.field if exc.field in form.fields else None, exc.message)\n"
    )

    assert [f for _, f, _ in _hand_translations([("x/views.py", tree)])] == ["_apply_error", "page"]


def _imports(tree) -> set[str]:
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
        elif (
            isinstance(node, ast.Call)
            and ast.unparse(node.func).endswith("import_module")
            and node.args
            and isinstance(node.args[0], ast.Constant)
        ):
            names.add(str(node.args[0].value))
    return names


def _imports_of(package: str, target: str):
    found = []
    for path in sorted((ROOT / package).rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for name in _imports(tree):
            if name == target or name.startswith(target + "."):
                found.append(f"{path.relative_to(ROOT).as_posix()}: {name}")
    return found


def test_coordination_imports_nothing_from_documents():
    assert _imports_of("coordination", "documents") == []
    assert _imports_of("documents", "coordination") != []  # the direction that is allowed


def test_the_import_walker_sees_every_kind_of_import():
    tree = ast.parse(
        "import documents.purge\n"
        "from documents import actions\n"
        "def f():\n    importlib.import_module('documents.purge')\n"
    )

    assert _imports(tree) == {"documents.purge", "documents"}


def _request():
    from django.contrib.messages.storage.fallback import FallbackStorage

    request = RequestFactory().post("/x")
    request.session = {}
    request._messages = FallbackStorage(request)
    return request


def _refuse(field=None):
    raise ActionError("Refusé par la règle.", field)


def test_run_action_says_what_happened_and_redirects_or_shows_the_error():
    from django import forms
    from django.contrib.messages import get_messages

    from opencpts.forms import run_action

    request = _request()
    done = run_action(
        request, lambda x: {"n": x}, 3, success=lambda r: f"{r['n']} faits.", then=lambda r: "/ok/"
    )
    assert done.status_code == 302 and done["Location"] == "/ok/"
    assert [m.message for m in get_messages(request)] == ["3 faits."]

    class NameForm(forms.Form):
        name = forms.CharField()

    form = NameForm({"name": "x"})
    form.is_valid()
    assert run_action(request, _refuse, "name", success="jamais", then="/ok/", form=form) is None
    assert form.errors == {"name": ["Refusé par la règle."]}

    caught = []
    assert run_action(request, _refuse, success="jamais", then="/ok/", on_error=caught.append) is None
    assert [e.message for e in caught] == ["Refusé par la règle."]

    request = _request()
    refused = run_action(request, _refuse, success="jamais", then="/ok/", failed="/liste/")
    assert refused["Location"] == "/liste/"
    assert [(m.level_tag, m.message) for m in get_messages(request)] == [("error", "Refusé par la règle.")]
