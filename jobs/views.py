"""« Tâches de fond »: the instance administrator's page of the failed and stuck jobs, and « Relancer »."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from jobs import actions, engine, status
from opencpts.errors import ActionError


def _id(raw) -> int | None:
    try:
        value = int(raw)
    except (TypeError, ValueError):
        return None
    return value if 0 < value < 2**63 else None


@login_required
@require_http_methods(["GET", "POST"])
def jobs_status(request):
    if not request.user.is_staff:
        raise PermissionDenied("Seul un administrateur de l'instance voit les tâches de fond.")
    if request.method == "POST":
        _relaunch(request)
        return redirect("jobs:status")
    return render(
        request,
        "jobs/status.html",
        {
            "rows": status.problems(),
            "counts": sorted(status.counts().items()),
            "engine": engine.engine(),
            "periodic": [s for s in engine.REGISTRY.values() if s.periodic],
        },
    )


def _relaunch(request) -> None:
    job_id, failure_id = _id(request.POST.get("job")), _id(request.POST.get("failure"))
    try:
        if job_id is not None and engine.engine() == engine.PROCRASTINATE:
            actions.retry_job(request.user, job_id)
            messages.success(request, "La tâche est remise en file : un worker va la reprendre.")
        elif failure_id is not None:
            if actions.rerun_failure(request.user, failure_id):
                messages.success(request, "La tâche a été relancée et s'est terminée sans erreur.")
            else:
                messages.error(request, "La tâche a été relancée mais a échoué de nouveau : voir l'erreur.")
        else:
            messages.error(request, "Tâche introuvable : rien n'a été relancé.")
    except ActionError as exc:
        messages.error(request, str(exc))
