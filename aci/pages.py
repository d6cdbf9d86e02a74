"""What the cockpit's page modules share (views_cockpit, views_indicators, views_report): the contract of the CPTS
in the URL, and the answer when it has none yet."""

from django.contrib import messages
from django.shortcuts import redirect

from aci.models import Contract
from cpts.scoping import scoped

VIEW = "cpts.view_contract"
MANAGE = "cpts.manage_contract"


def contract_of(access) -> Contract | None:
    return scoped(Contract, access.cpts).select_related("grid", "cpts").first()


def no_contract(request, access):
    """Every page but the dashboard and the signature sends back to the dashboard, which explains what to do."""
    messages.info(request, "Cette CPTS n'a pas encore de contrat ACI enregistré.")
    return redirect("aci:cockpit", slug=access.cpts.slug)
