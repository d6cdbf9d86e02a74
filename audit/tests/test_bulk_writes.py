"""Writes that bypass the model signals (queryset ``update()``, ``bulk_create()``, ``bulk_update()``) in the
audited apps each record an audit entry (``audit.log.record_bulk``) in the same function, or are listed
below with the reason they need none. Queryset ``delete()`` is not listed: Django sends ``post_delete`` for
every row when a receiver is connected, so audit.signals records each one (tested below)."""

import ast
from pathlib import Path

from audit.signals import AUDITED_APPS

ROOT = Path(__file__).resolve().parents[2]
WRITES = {"update", "bulk_create", "bulk_update"}

# (file, enclosing function, the call's text up to the method) -> why no audit entry is needed.
NOT_AUDITED = {
    # Not querysets.
    ("aci/views_cockpit.py", "_contract_page", "context.update"): "a template context (dict)",
    ("demo/projects.py", "_letter", "data.update"): "the demo letter's fields (dict)",
    ("aci/views_indicators.py", "_indicator_page", "context.update"): "a template context (dict)",
    ("agenda/forms.py", "initial_for", "initial.update"): "a form's initial values (dict)",
    ("coordination/events.py", "trace", "details.update"): "the details of an audit entry (dict)",
    ("coordination/history.py", "_names", "ids.update"): "a set of ids",
    ("coordination/retention.py", "purge_circle", "counts.update"): "counts of a purge (dict)",
    ("directory/api.py", "get_professional", "data.update"): "an API answer (dict)",
    ("directory/management/commands/import_rpps.py", "progress", "bar.update"): "a progress bar",
    ("directory/management/commands/generate_rpps.py", "progress", "bar.update"): "a progress bar",
    ("directory/management/commands/generate_rpps.py", "handle", "bar.update"): "a progress bar",
    ("directory/rpps_import.py", "fingerprint", "digest.update"): "a SHA-256 digest",
    ("unscheduled/booking.py", "book", "patient.update"): "the patient fields of a booking (dict)",
    ("unscheduled/slots.py", "bulk_update", "changes.update"): "the changes to apply (dict)",
    ("unscheduled/views.py", "_mine_context", "context.update"): "a template context (dict)",
    ("unscheduled/views.py", "search_page", "context.update"): "a template context (dict)",
    (
        "unscheduled/views.py",
        "bulk",
        "slots.bulk_update",
    ): "unscheduled.slots.bulk_update, the action, which records its entry",
    # Bookkeeping, not a change of what the trail describes.
    (
        "cpts/decorators.py",
        "wrapper",
        "User.objects.filter(pk=request.user.pk).update",
    ): "navigation state: the CPTS the user last opened (User.last_cpts), rewritten on every switch",
    (
        "agenda/actions.py",
        "active_calendar_token",
        "CalendarToken.objects.filter(pk=token.pk).update",
    ): "the time of a feed fetch, which is itself recorded as a view of the feed (agenda.views.ical_feed)",
    (
        "directory/rpps_import.py",
        "flush",
        "RppsLineIssue.objects.bulk_create",
    ): "RppsLineIssue is not audited (audit.signals.SKIPPED_MODELS): the per-line report of a run",
    (
        "directory/rpps_import.py",
        "flush",
        "RppsImportRun.objects.filter(pk=run.pk).update",
    ): "progress counters of a staging run (lines read, byte offset); the applied import is recorded once",
    (
        "directory/rpps_import.py",
        "_apply",
        "RppsImportRun.objects.filter(pk=run.pk).update",
    ): "followed by the explicit record() of the whole load (created, updated, deactivated counts)",
    (
        "accounts/ratelimit.py",
        "_bump",
        "RateCounter.objects.filter(key=key).update",
    ): (
        "an attempt counter (login, public form, stamp), not audited (audit.signals.SKIPPED_MODELS); the "
        "login attempts themselves are recorded by accounts.views"
    ),
    (
        "accounts/ratelimit.py",
        "refund",
        "RateCounter.objects.filter(key=key, count__gt=0).update",
    ): "an attempt counter given back after a successful login, not audited",
    (
        "accounts/tokens.py",
        "revoke",
        "APIToken.objects.filter(pk=token.pk, revoked=False).update",
    ): "followed by the explicit record('api_token.revoked') of the same token",
    (
        "accounts/tokens.py",
        "find",
        "APIToken.objects.filter(pk=token.pk).filter(Q(last_used_at__isnull=True) | "
        "Q(last_used_at__lt=now - LAST_USED_PRECISION)).update",
    ): "a token's last-use time (at most once a minute), bookkeeping shown to its owner",
    # Demo data: synthetic (make demo, seed_demo), never real people.
    ("demo/seed.py", "seed", "CPTS.objects.filter(pk=existing.pk).update"): "demo seed (synthetic)",
    ("demo/cpts.py", "_dues", "Dues.objects.filter(cpts=cpts, paid=False).update"): "demo seed (synthetic)",
    (
        "demo/cpts.py",
        "_dues",
        "Dues.objects.filter(cpts=cpts, paid=True, paid_on__isnull=True).update",
    ): "demo seed (synthetic)",
    (
        "demo/gpmatching.py",
        "_waiting_request",
        "Request.objects.filter(pk=result.request.pk).update",
    ): "demo seed (synthetic)",
    ("demo/unscheduled.py", "seed_history", "Slot.objects.bulk_create"): "demo seed (synthetic)",
    ("demo/unscheduled.py", "seed_history", "Booking.objects.bulk_create"): "demo seed (synthetic)",
    ("demo/unscheduled.py", "seed_history", "Booking.objects.bulk_update"): "demo seed (synthetic)",
    (
        "demo/unscheduled.py",
        "seed_history",
        "Slot.objects.filter(pk__in=booked_slots[i:i + 500]).update",
    ): "demo seed (synthetic)",
}


# Apps without models of their own that write the audited apps' rows: walked as well.
WRITERS = {"demo", "portability"}


def _sources():
    for app in sorted(AUDITED_APPS | WRITERS):
        folder = ROOT / app
        if not folder.is_dir():
            continue  # otp_totp, otp_static: third-party apps
        for path in sorted(folder.rglob("*.py")):
            parts = path.relative_to(ROOT).parts
            if "tests" in parts or "migrations" in parts:
                continue
            yield path.relative_to(ROOT).as_posix(), ast.parse(path.read_text(encoding="utf-8"))


def _functions(tree):
    """(function node, [calls directly in it, not in nested functions])."""
    out = []

    def visit(node, current):
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
                out.append((child, []))
                visit(child, out[-1][1])
            else:
                if isinstance(child, ast.Call) and current is not None:
                    current.append(child)
                visit(child, current)

    visit(tree, None)
    return out


def _model_of(call: ast.Call) -> str | None:
    """``Model`` when the write is ``Model.objects....method(...)``."""
    node = call.func.value
    while True:
        if isinstance(node, ast.Attribute):
            if node.attr == "objects" and isinstance(node.value, ast.Name):
                return node.value.id
            node = node.value
        elif isinstance(node, ast.Call):
            node = node.func
        else:
            return None


def _recorded_models(calls) -> set[str] | None:
    models = set()
    found = False
    for call in calls:
        name = call.func.attr if isinstance(call.func, ast.Attribute) else getattr(call.func, "id", "")
        if name == "record_bulk":
            found = True
            if len(call.args) > 1 and isinstance(call.args[1], ast.Name):
                models.add(call.args[1].id)
    return models if found else None


def _bulk_writes():
    """[(key, recorded: bool, line)] for every bulk write of the audited apps."""
    found = []
    for path, tree in _sources():
        for function, calls in _functions(tree):
            recorded = _recorded_models(calls)
            for call in calls:
                if not (isinstance(call.func, ast.Attribute) and call.func.attr in WRITES):
                    continue
                key = (path, function.name, ast.unparse(call.func))
                model = _model_of(call)
                ok = recorded is not None and (model is None or model in recorded)
                found.append((key, ok, call.lineno))
    return found


def test_every_bulk_write_of_an_audited_app_records_an_audit_entry_or_says_why_not():
    missing = [
        f"{path}:{line} {text}() in {function}()"
        for (path, function, text), ok, line in _bulk_writes()
        if not ok and (path, function, text) not in NOT_AUDITED
    ]

    assert missing == [], "bulk writes without record_bulk() nor a reason in NOT_AUDITED:\n" + "\n".join(
        missing
    )


def test_every_exception_still_exists_and_is_explained():
    keys = {key for key, _, _ in _bulk_writes()}

    assert sorted(set(NOT_AUDITED) - keys) == []
    assert all(len(reason) > 10 for reason in NOT_AUDITED.values())


def test_the_walker_sees_the_writes_it_must_see():
    """Self-test: known bulk writes are found, with their model, and found recorded."""
    found = {key: ok for key, ok, _ in _bulk_writes()}

    assert found[("unscheduled/booking.py", "_insert", "Slot.objects.filter(pk=slot.pk).update")] is True
    assert found[("aci/contracts.py", "compute_schedule", "current.update")] is True
    assert found[("demo/unscheduled.py", "seed_history", "Slot.objects.bulk_create")] is False
