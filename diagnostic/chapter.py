"""The diagnostic as a chapter of a document (lettre d'intention, projet de santé): a plain dict of strings
and rows for a DOCX template (docxtpl: ``{{ diagnostic.population }}``,
``{% for row in diagnostic.professions %}``) and the names of its images (``diagnostic/images.py``),
which the caller passes to the renderer.

Figures are already formatted in French (« 1 843 319 », « 12,5 »); each table carries its source line. The
chapter is meant to leave the CPTS: build it from a diagnostic computed with ``public=True`` (counts under 6
hidden) unless the document stays inside.
"""

from diagnostic.compute import DISTANCE_LABEL, Area, Diagnostic, fr_number

IMAGES = {
    "map_gp_density": "Carte : médecins généralistes pour 10 000 habitants",
    "map_share_65": "Carte : part des 65 ans et plus",
    "age_chart": "Graphique : structure par âge",
}
# The chapter of a territory without communes yet: every name the templates read, empty.
EMPTY = {
    "title": "Diagnostic territorial",
    "highlights": [],
    "areas": [],
    "professions": [],
    "typed": [],
    "imported": [],
    "sources": [],
    "secret_note": "",
    "distance_note": "",
    "images": dict(IMAGES),
}


def _area_row(area: Area) -> dict:
    ages = area.ages
    return {
        "name": area.name,
        "population": area.population.display,
        "share_0_19": ages.share_0_19.display if ages else "—",
        "share_20_64": ages.share_20_64.display if ages else "—",
        "share_65_plus": ages.share_65_plus.display if ages else "—",
    }


def _profession_rows(diagnostic: Diagnostic) -> list[dict]:
    rows = []
    for key, label in diagnostic.profession_keys:
        territory = diagnostic.territory.profession(key)
        row = {
            "profession": label,
            "count": territory.count.display,
            "per_10000": territory.per_10000.display,
            "members": territory.members.display if territory.members else "",
            "member_share": territory.member_share.display if territory.member_share else "",
        }
        for i, area in enumerate(diagnostic.comparisons):
            figures = area.profession(key)
            row[f"area{i}_per_10000"] = figures.per_10000.display if figures else "—"
        rows.append(row)
    return rows


def _commune_rows(diagnostic: Diagnostic) -> list[dict]:
    rows = []
    for c in diagnostic.communes:
        gp = c.profession("10-MG")
        rows.append(
            {
                "name": c.name,
                "insee": c.insee,
                "population": c.population.display,
                "share_65_plus": c.ages.share_65_plus.display if c.ages else "—",
                "gp": gp.count.display if gp else "0",
                "gp_per_10000": gp.per_10000.display if gp else "0",
                **{f"distance_{d.key}": d.km.display for d in c.distances},
            }
        )
    return rows


def chapter_context(diagnostic: Diagnostic) -> dict:
    """Everything a template's diagnostic chapter prints, as strings and lists of dicts of strings."""
    territory = diagnostic.territory
    ages = territory.ages
    highlights = [
        f"{territory.population.display} habitants ({territory.population.source.vintage}), "
        f"{len(diagnostic.communes)} commune{'s' if len(diagnostic.communes) > 1 else ''}.",
    ]
    if ages:
        highlights.append(f"{ages.share_65_plus.display} d'habitants de 65 ans et plus.")
    gp = territory.profession("10-MG")
    if gp:
        highlights.append(
            f"{gp.count.display} médecins généralistes, {gp.per_10000.display} pour 10 000 habitants."
        )
    return {
        "title": "Diagnostic territorial",
        "territory_name": territory.name,
        "population": territory.population.display,
        "population_source": territory.population.source.text,
        "communes_count": str(len(diagnostic.communes)),
        "highlights": highlights,
        "areas": [_area_row(a) for a in diagnostic.areas],
        "area_names": [a.name for a in diagnostic.comparisons],
        "ages_source": ages.share_0_19.source.text if ages else "",
        "professions": _profession_rows(diagnostic),
        "communes": _commune_rows(diagnostic),
        "distance_note": (
            f"Distances : {DISTANCE_LABEL} entre le centre de chaque commune et le lieu d'exercice le plus "
            "proche ; ce ne sont pas des temps d'accès."
        ),
        "imported": [
            {
                "indicator": f.indicator,
                "territory": f.territory.display,
                "unit": f.unit,
                "provenance": f.provenance,
                "coverage": f"{f.communes_with_value} commune{'s' if f.communes_with_value > 1 else ''} sur "
                f"{f.communes_total}",
            }
            for f in diagnostic.imported
        ],
        "typed": [
            {
                "indicator": t.indicator,
                "territory": t.values[0],
                "departement": t.values[1],
                "region": t.values[2],
                "france": t.values[3],
                "provenance": t.provenance,
            }
            for t in diagnostic.typed
        ],
        "sources": [s.text for s in diagnostic.sources],
        "secret_note": (
            "Effectifs inférieurs à 6 masqués (« < 6 », secret statistique)." if diagnostic.public else ""
        ),
        "images": dict(IMAGES),
        "total_professionals": fr_number(
            sum(p.count.value or 0 for p in territory.professions if not p.count.hidden)
        ),
    }
