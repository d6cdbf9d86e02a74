"""Who sees a request for a médecin traitant. The only place these rules live.

- The waiting list, each request and its history: the coordination (``cpts.manage_gp_requests``).
- A GP: the requests proposed to them while the proposal waits for their answer, and those they accepted
  (their new patients) until the request is deleted; nothing once they declined or the proposal expired.
- The member who entered a request for a patient gets its reference, not the list.
- Aggregated figures without identity (dashboard, indicators): ``cpts.view_reports``.
Every page showing a request records a ``view`` in the audit trail (views call ``audit.log.record_view``)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied

from cpts.models import CPTS
from cpts.scoping import scoped
from gpmatching.models import Proposal, Request

MANAGE = "cpts.manage_gp_requests"
TAKE = "cpts.take_gp_patients"
REFER = "cpts.refer_gp_requests"
REPORTS = "cpts.view_reports"

GP_VISIBLE = (Proposal.Status.SENT, Proposal.Status.ACCEPTED)


def gp_requests(user, cpts: CPTS):
    """The requests ``user`` sees as a GP."""
    if not user.professional_id:
        return scoped(Request, cpts).none()
    ids = (
        scoped(Proposal, cpts)
        .filter(professional_id=user.professional_id, status__in=GP_VISIBLE)
        .values("request_id")
    )
    return scoped(Request, cpts).filter(pk__in=ids)


def request_to_read(access, user, request_id: int) -> Request:
    """The request if the user may read it in this CPTS, else PermissionDenied (404 for an unknown id)."""
    request = (
        scoped(Request, access.cpts).filter(pk=request_id).select_related("commune", "placed_with").first()
    )
    if request is None:
        from django.http import Http404

        raise Http404("Demande introuvable.")
    if MANAGE in access.permissions:
        return request
    if gp_requests(user, access.cpts).filter(pk=request.pk).exists():
        return request
    raise PermissionDenied(
        "Cette demande n'est visible que de la coordination et du médecin à qui elle est proposée."
    )
