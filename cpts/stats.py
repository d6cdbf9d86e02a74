"""Figures about a CPTS's members, reused by pages, the API and (later) the ACI indicators."""

from django.db.models import Count

from cpts.models import CPTS, Membership
from cpts.scoping import scoped
from nomenclature.selectors import display


def members_by_profession(cpts: CPTS) -> list[dict]:
    rows = (
        scoped(Membership, cpts)
        .adherents()
        .values("user__professional__profession_system", "user__professional__profession_code")
        .annotate(n=Count("pk"))
        .order_by("-n")
    )
    result = []
    for row in rows:
        code = row["user__professional__profession_code"]
        label = display(row["user__professional__profession_system"], code) if code else "Non renseignée"
        result.append({"code": code or "", "label": label, "count": row["n"]})
    return result
