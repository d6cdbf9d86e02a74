"""The territory of a project: its communes and the checks shown beside them (never hidden).

- population with its vintage, and the order of magnitude of seed 004 (« supérieur à 20 000 habitants »):
  below it, a warning;
- a commune of an existing CPTS is refused, naming the CPTS (two CPTS never share a commune:
  cpts/territory.py); a commune of another project is a warning naming that project, until one of them sends
  its AMI or its lettre d'intention (``holder_conflicts``, re-checked under lock by projects/submission.py);
- communes not contiguous: two communes are neighbours when their contours touch (within ``TOUCH_DEGREES``,
  the contours being simplified), the separated groups are named;
- the ACI tier that follows: ``aci.tiers.summary_of`` (the one rule);
- the ARS the dossiers go to: the région of the communes, the most populated when they span several.

The pure parts (``contiguous_groups``, ``main_region``, ``size_warning``, ``group_names``) take plain data;
``check(project)`` gathers it. The writes (``add_communes``, ``add_epci``, ``remove_commune``) are actions.
"""

import json
from collections import defaultdict
from dataclasses import dataclass, field

import shapely
from django.db import transaction
from django.db.models import Sum

from aci.tiers import TerritorySummary, summary_of
from cpts.models import TerritoryCommune
from cpts.territory import family
from opencpts.errors import ActionError
from opencpts.french import count
from projects.models import Project, ProjectCommune, Submission
from territory.models import EPCI, Commune

SEED_004_MIN_POPULATION = 20_000  # « un ordre de grandeur supérieur à 20 000 habitants » (ARS Bretagne, 2021)
# Contours are simplified at 0.0008° when loaded (territory/loader.py): two neighbours' simplified borders may
# leave a sliver between them, so « touching » allows a little more than that.
TOUCH_DEGREES = 0.002
NAMES_SHOWN = 6


class TerritoryError(ActionError):
    """A refused change of a project's territory (French message)."""


# --- Pure rules --------------------------------------------------------------------------------------------


def contiguous_groups(contours: dict[str, str], tolerance: float = TOUCH_DEGREES) -> list[list[str]]:
    """Connected components of the communes (code -> GeoJSON geometry text), the largest first; each group's
    codes sorted. A commune without contour is a group of its own."""
    codes = sorted(contours)
    parent = {code: code for code in codes}

    def root(code):
        while parent[code] != code:
            parent[code] = parent[parent[code]]
            code = parent[code]
        return code

    with_shape = [c for c in codes if contours[c]]
    geometries = [shapely.from_geojson(contours[c]) for c in with_shape]
    if geometries:
        tree = shapely.STRtree(geometries)
        left, right = tree.query(geometries, predicate="dwithin", distance=tolerance)
        for i, j in zip(left.tolist(), right.tolist(), strict=True):
            a, b = root(with_shape[i]), root(with_shape[j])
            if a != b:
                parent[max(a, b)] = min(a, b)
    groups: dict[str, list[str]] = defaultdict(list)
    for code in codes:
        groups[root(code)].append(code)
    return sorted(groups.values(), key=lambda g: (-len(g), g[0]))


def group_names(names: list[str]) -> str:
    """« Belley, Brens et Virignin », at most NAMES_SHOWN names then « et N autres »."""
    names = sorted(names)
    if len(names) > NAMES_SHOWN:
        shown = names[:NAMES_SHOWN]
        return f"{', '.join(shown)} et {len(names) - NAMES_SHOWN} autres"
    if len(names) == 1:
        return names[0]
    return f"{', '.join(names[:-1])} et {names[-1]}"


def size_warning(population: int) -> str:
    if population >= SEED_004_MIN_POPULATION:
        return ""
    return (
        f"Le territoire compte {count(population, 'habitant')} : l'ARS attend un territoire d'un ordre de "
        f"grandeur supérieur à {count(SEED_004_MIN_POPULATION, 'habitant')} (AMI de l'ARS Bretagne, 2021). "
        "Ce n'est pas un seuil réglementaire : expliquez ce choix dans le contexte du dossier."
    )


@dataclass(frozen=True)
class RegionChoice:
    code: str
    name: str
    note: str = ""  # said when the communes span several régions

    @property
    def addressee(self) -> str:
        return f"ARS {self.name}"


def main_region(populations: dict[tuple[str, str], int]) -> RegionChoice | None:
    """(région code, name) -> population of the project's communes in it: the région with most population
    (ties: the lower code), and a note naming the others."""
    if not populations:
        return None
    ranked = sorted(populations.items(), key=lambda item: (-item[1], item[0][0]))
    (code, name), population = ranked[0]
    if len(ranked) == 1:
        return RegionChoice(code, name)
    others = ", ".join(f"{n} ({count(p, 'habitant')})" for (_, n), p in ranked[1:])
    note = (
        f"Le territoire s'étend sur plusieurs régions : le dossier est adressé à l'ARS {name}, région "
        f"la plus peuplée du territoire ({count(population, 'habitant')}) ; autres régions : {others}."
    )
    return RegionChoice(code, name, note)


# --- Reads -------------------------------------------------------------------------------------------------


def _communes(project: Project):
    return Commune.objects.filter(project_links__project=project).select_related(
        "region", "departement", "epci"
    )


def _family_codes(communes) -> set[str]:
    codes = set()
    for commune in communes:
        codes |= set(family(commune))
    return codes


def cpts_conflicts(communes) -> list[str]:
    """Messages for the communes (or their parent / arrondissements) already in a CPTS's territory."""
    communes = list(communes)
    by_code = {c.insee: c for c in communes}
    links = TerritoryCommune.objects.filter(commune_id__in=_family_codes(communes)).select_related(
        "cpts", "commune"
    )
    messages = []
    for link in links.order_by("commune__name"):
        commune = by_code.get(link.commune_id) or next(
            (c for c in communes if link.commune_id in family(c)), link.commune
        )
        messages.append(
            f"La commune {commune.name} ({commune.insee}) appartient déjà au territoire de la "
            f"{link.cpts.name} : "
            "deux CPTS ne peuvent pas coexister sur un même territoire."
        )
    return messages


def _other_links(project: Project, codes):
    return (
        ProjectCommune.objects.filter(commune_id__in=codes, project__cpts__isnull=True)
        .exclude(project=project)
        .select_related("project", "commune")
        .order_by("commune__name", "project__name")
    )


def holder_conflicts(project: Project, codes) -> list[str]:
    """Communes held by another project that has sent a dossier, its AMI or its lettre d'intention (the first
    to send one holds them)."""
    sent = Submission.objects.values("project_id")
    links = _other_links(project, codes).filter(project_id__in=sent)
    return [
        f"La commune {link.commune.name} ({link.commune_id}) fait partie du territoire du projet "
        f"« {link.project.name} », qui a déjà envoyé son expression d'intérêt ou sa lettre d'intention à "
        "l'ARS."
        for link in links
    ]


def project_overlaps(project: Project, codes) -> list[str]:
    """Warnings: communes also in another project not yet converted (naming it)."""
    by_project: dict[str, list[str]] = defaultdict(list)
    for link in _other_links(project, codes):
        by_project[link.project.name].append(link.commune.name)
    return [
        f"{group_names(names)} {'fait' if len(names) == 1 else 'font'} aussi partie du projet « {name} » : "
        "rapprochez-vous de ses porteurs (deux CPTS ne pourront pas coexister sur ces communes)."
        for name, names in sorted(by_project.items())
    ]


@dataclass
class TerritoryCheck:
    communes: list[Commune]
    summary: TerritorySummary
    size_warning: str = ""
    refused: list[str] = field(default_factory=list)
    overlaps: list[str] = field(default_factory=list)
    groups: list[list[str]] = field(default_factory=list)  # names, when the communes are not contiguous
    region: RegionChoice | None = None

    @property
    def contiguity_warning(self) -> str:
        if len(self.groups) < 2:
            return ""
        parts = " ; ".join(f"{i}. {group_names(g)}" for i, g in enumerate(self.groups, 1))
        return f"Les communes ne sont pas d'un seul tenant : {len(self.groups)} ensembles séparés ({parts})."

    @property
    def warnings(self) -> list[str]:
        return [w for w in (self.size_warning, self.contiguity_warning) if w] + self.overlaps


def check(project: Project) -> TerritoryCheck:
    communes = list(_communes(project).order_by("name"))
    population = sum(c.population for c in communes)
    result = TerritoryCheck(communes, summary_of(len(communes), population))
    if not communes:
        return result
    result.size_warning = size_warning(population)
    result.refused = cpts_conflicts(communes)
    codes = [c.insee for c in communes]
    result.overlaps = holder_conflicts(project, codes) + project_overlaps(project, codes)
    names = {c.insee: c.name for c in communes}
    groups = contiguous_groups({c.insee: c.contour for c in communes})
    result.groups = [[names[code] for code in g] for g in groups] if len(groups) > 1 else []
    populations: dict[tuple[str, str], int] = defaultdict(int)
    for c in communes:
        populations[(c.region_id, c.region.name)] += c.population
    result.region = main_region(populations)
    return result


def population(project: Project) -> int:
    return _communes(project).aggregate(p=Sum("population"))["p"] or 0


# --- Writes ------------------------------------------------------------------------------------------------


def _editable(project: Project) -> None:
    if project.cpts_id:
        raise TerritoryError(
            f"Le projet est devenu la {project.cpts.name} : son territoire se modifie désormais dans la CPTS."
        )


@transaction.atomic
def add_communes(project: Project, communes: list[Commune], user) -> list[ProjectCommune]:
    """Add communes, all or none; refuses a commune of an existing CPTS (naming it)."""
    _editable(project)
    if not communes:
        raise TerritoryError("Aucune commune à ajouter.")
    refused = cpts_conflicts(communes)
    if refused:
        raise TerritoryError(" ".join(refused), conflict=True)
    already = set(
        ProjectCommune.objects.filter(project=project, commune__in=communes).values_list(
            "commune_id", flat=True
        )
    )
    return [
        ProjectCommune.objects.create(project=project, commune=c, added_by=user)
        for c in communes
        if c.insee not in already
    ]


def add_epci(project: Project, epci: EPCI, user) -> list[ProjectCommune]:
    """Every commune of an EPCI; one of an existing CPTS makes the whole addition refused (named)."""
    communes = list(Commune.objects.filter(epci=epci, kind="COM").order_by("insee"))
    if not communes:
        raise TerritoryError(f"L'EPCI {epci.name} n'a aucune commune connue.")
    return add_communes(project, communes, user)


@transaction.atomic
def remove_commune(project: Project, insee: str) -> None:
    _editable(project)
    links = ProjectCommune.objects.filter(project=project, commune_id=insee)
    if not links.exists():
        raise TerritoryError(f"La commune {insee} ne fait pas partie du territoire du projet.")
    for link in links:
        link.delete()


def geojson_text(project: Project) -> str:
    """The project's communes (``selected``) and the communes around them, to pick on the map."""
    chosen = list(
        Commune.objects.filter(project_links__project=project).only(
            "insee", "name", "population", "contour", "latitude", "longitude"
        )
    )
    features = []
    nearby = Commune.objects.none()
    points = [(c.latitude, c.longitude) for c in chosen if c.latitude is not None]
    if points:
        lats, lons = [p[0] for p in points], [p[1] for p in points]
        nearby = (
            Commune.objects.filter(
                kind="COM",
                latitude__range=(min(lats) - 0.15, max(lats) + 0.15),
                longitude__range=(min(lons) - 0.2, max(lons) + 0.2),
            )
            .exclude(insee__in=[c.insee for c in chosen])
            .only("insee", "name", "population", "contour")[:400]
        )
    for commune, selected in [(c, True) for c in chosen] + [(c, False) for c in nearby]:
        if not commune.contour:
            continue
        props = json.dumps(
            {
                "insee": commune.insee,
                "name": commune.name,
                "population": commune.population,
                "selected": selected,
            },
            ensure_ascii=False,
        )
        features.append(f'{{"type":"Feature","properties":{props},"geometry":{commune.contour}}}')
    return '{"type":"FeatureCollection","features":[' + ",".join(features) + "]}"
