"""What the cockpit's page modules share (views_cockpit, views_indicators, views_report): the contract of the
CPTS in the URL, and the answer when it has none yet."""

import functools

from django.contrib import messages
from django.shortcuts import redirect

from aci.models import Contract
from cpts.decorators import cpts_view
from cpts.scoping import scoped

VIEW = "cpts.view_contract"
MANAGE = "cpts.manage_contract"


def contract_of(access) -> Contract | None:
    return scoped(Contract, access.cpts).select_related("grid", "cpts").first()


def no_contract(request, access):
    """Every page but the dashboard and the signature sends back to the dashboard, which explains what to
    do."""
    messages.info(request, "Cette CPTS n'a pas encore de contrat ACI enregistré.")
    return redirect("aci:cockpit", slug=access.cpts.slug)


def contract_view(permission: str):
    """``cpts.decorators.cpts_view`` for a page of an existing contract: the view receives it after
    ``access``; without a contract the page sends back to the dashboard."""

    def decorator(view):
        @functools.wraps(view)
        def with_contract(request, access, *args, **kwargs):
            contract = contract_of(access)
            if contract is None:
                return no_contract(request, access)
            return view(request, access, contract, *args, **kwargs)

        return cpts_view(permission)(with_contract)

    return decorator
