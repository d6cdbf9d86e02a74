"""The database side of the phone tasks (``bench/uxtasks.py``): what must be true in the demo before a task,
written through the project's own rules. Runs with Django set up: in the test process
(tests/browser/test_ux_tasks.py), or in a child process of ``bench/ux.py``."""

from __future__ import annotations


def ensure_proposal(gp_email: str, coordinator_email: str, slug: str) -> int:
    """(d)'s precondition: the GP has a patient proposed by the coordination, awaiting her answer (as when
    the coordinator runs « Proposer des attributions » and sends them). Returns the proposal's id."""
    from accounts.models import User
    from cpts.models import CPTS
    from gpmatching import matching
    from gpmatching.models import Proposal

    cpts = CPTS.objects.get(slug=slug)
    gp = User.objects.get(email=gp_email)
    waiting = Proposal.objects.filter(cpts=cpts, professional=gp.professional, status=Proposal.Status.SENT)
    if waiting.exists():
        return waiting.order_by("pk").first().pk
    coordinator = User.objects.get(email=coordinator_email)
    run = matching.run(cpts, coordinator)
    mine = list(
        Proposal.objects.filter(run=run, professional=gp.professional)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    if not mine:
        raise RuntimeError(f"the matching proposes nobody to {gp_email}")
    matching.send(cpts, coordinator, mine[:1])
    return mine[0]
