"""``{% project_reviews project as groups %}``: the ARS and CPAM referents' comments and decisions on a
project, by dossier (projects/reviews.py), for the porteurs' page and the referents' page."""

from django import template

from projects import reviews
from projects.models import Review

register = template.Library()


@register.simple_tag
def project_reviews(project, dossier: str = "") -> list[dict]:
    """[{key, label, reviews (newest first), decision (the latest)}] for each dossier with at least one (or
    for ``dossier`` only)."""
    by_dossier: dict[str, list[Review]] = {}
    for review in reviews.reviews_of(project, dossier or None):
        by_dossier.setdefault(review.dossier, []).append(review)
    return [
        {
            "key": key,
            "label": label,
            "reviews": by_dossier[key],
            "decision": next((r for r in by_dossier[key] if r.kind == Review.Kind.DECISION), None),
        }
        for key, label in Review.Dossier.choices
        if key in by_dossier
    ]
