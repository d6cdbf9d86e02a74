"""What an ARS or CPAM referent follows: the projects of CPTS and the CPTS of their région (ARS) or
département (CPAM), each with its stage, the population of its territory (with its vintage), its ACI contract
and the last decision of a referent. Read-only; the scope is ``projects.access`` (``referent_roles``,
``scope_filter``): a referent of Bretagne never sees a project or a CPTS of Auvergne-Rhône-Alpes.

The map (``map_geojson``) draws each one's communes from their stored contours, coloured by stage
(``LEGEND``); the table (``rows``) is its list equivalent."""

import json
from dataclasses import dataclass

from django.db.models import Sum

from aci.models import Contract
from aci.tiers import TerritorySummary, summary_of, territory_summary
from cpts.models import CPTS, TerritoryCommune
from cpts.scoping import scoped
from projects import access
from projects import reviews as review_rules
from projects.models import Project, ProjectCommune, Review
from territory.models import Commune

# One scale for both kinds, in the order of lifecycle.md §1 (a project's stages and a CPTS's): key, label,
# colour (ColorBrewer « YlGnBu », 7 classes, light to dark: readable with the common colour-vision
# deficiencies).
LEGEND: list[tuple[str, str, str]] = [
    ("intention", "Intention", "#ffffcc"),
    ("ami", "Expression d'intérêt (AMI)", "#c7e9b4"),
    ("lettre", "Lettre d'intention", "#7fcdbb"),
    ("projet", "Projet de santé", "#41b6c4"),
    ("valide", "Projet de santé validé", "#1d91c0"),
    ("association", "Association créée", "#225ea8"),
    ("aci", "ACI signé", "#0c2c84"),
]
COLOURS = {key: colour for key, _, colour in LEGEND}
STAGE_KEYS = [key for key, _, _ in LEGEND]


@dataclass
class Row:
    kind: str  # "projet" or "cpts"
    obj: Project | CPTS
    stage: str  # a key of LEGEND
    stage_label: str
    summary: TerritorySummary
    contract: Contract | None = None
    decision: Review | None = None

    @property
    def name(self) -> str:
        return self.obj.name

    @property
    def colour(self) -> str:
        return COLOURS.get(self.stage, "#d9d9d9")


def scope_label(user) -> str:
    return ", ".join(role.scope_label for role in access.referent_roles(user))


def cpts_in_scope(user):
    """The CPTS with at least one commune of their territory in the user's scope."""
    condition = access.scope_filter(access.referent_roles(user), "commune__")
    if condition is None:
        return CPTS.objects.none()
    ids = TerritoryCommune.objects.filter(condition).values("cpts_id")
    return CPTS.objects.filter(pk__in=ids).order_by("name")


def cpts_for_reviewer(user, slug: str) -> CPTS | None:
    return cpts_in_scope(user).filter(slug=slug).first()


def project_summary(project: Project) -> TerritorySummary:
    links = ProjectCommune.objects.filter(project=project)
    population = links.aggregate(p=Sum("commune__population"))["p"] or 0
    return summary_of(links.count(), population)


def _project_rows(user) -> list[Row]:
    rows = []
    for project in access.projects_for_reviewer(user):
        decision = review_rules.reviews_of(project).filter(kind=Review.Kind.DECISION).first()
        rows.append(
            Row(
                "projet",
                project,
                project.stage,
                project.get_stage_display(),
                project_summary(project),
                None,
                decision,
            )
        )
    return rows


def _cpts_rows(user) -> list[Row]:
    rows = []
    for cpts in cpts_in_scope(user):
        contract = scoped(Contract, cpts).select_related("grid").first()
        stage = CPTS.Stage.ACI if contract is not None else cpts.stage
        label = CPTS.Stage(stage).label
        rows.append(Row("cpts", cpts, stage, label, territory_summary(cpts), contract))
    return rows


def rows(user, stage: str = "") -> list[Row]:
    """The projects then the CPTS in the user's scope, each by name; only those at ``stage`` when given."""
    found = _project_rows(user) + _cpts_rows(user)
    if stage:
        found = [r for r in found if r.stage == stage]
    return found


def _features(communes, props: dict) -> list[str]:
    out = []
    for commune in communes:
        if not commune.contour:
            continue
        data = json.dumps(
            {**props, "insee": commune.insee, "commune": commune.name, "population": commune.population},
            ensure_ascii=False,
        )
        out.append(f'{{"type":"Feature","properties":{data},"geometry":{commune.contour}}}')
    return out


def map_geojson(user, url_of, stage: str = "") -> str:
    """The communes of each project and CPTS of the user's scope, as GeoJSON text (stored contours embedded
    as they are). Each feature: kind, id, name, stage, stage_label, colour, url (``url_of(row)``), insee,
    commune, population."""
    features: list[str] = []
    fields = ("insee", "name", "population", "contour")
    for row in rows(user, stage):
        if row.kind == "projet":
            communes = Commune.objects.filter(project_links__project=row.obj).only(*fields)
        else:
            communes = Commune.objects.filter(
                insee__in=scoped(TerritoryCommune, row.obj).values("commune_id")
            ).only(*fields)
        props = {
            "kind": row.kind,
            "id": row.obj.pk,
            "name": row.name,
            "stage": row.stage,
            "stage_label": row.stage_label,
            "colour": row.colour,
            "url": url_of(row),
        }
        features += _features(communes.order_by("insee"), props)
    return '{"type":"FeatureCollection","features":[' + ",".join(features) + "]}"
