"""Reads of the project pages: the stages with their dates, the next step, the directory entries to invite."""

from dataclasses import dataclass

from directory import search
from directory.models import Professional
from projects.models import ORDER, Project, Stage
from territory.text import normalize


@dataclass
class StageLine:
    stage: str
    label: str
    reached_on: object  # date or None
    current: bool


def stage_lines(project: Project) -> list[StageLine]:
    """Every stage in order, with the date it was reached (the last time) or None."""
    dates = {}
    for change in project.stage_changes.all():
        dates[change.stage] = change.reached_on
    return [StageLine(s, Stage(s).label, dates.get(s), s == project.stage) for s in ORDER]


@dataclass
class NextStep:
    text: str
    url_name: str  # a projects: URL taking the project id
    action: str


def next_step(project: Project, communes: int) -> NextStep | None:
    if project.cpts_id:
        return None
    if not communes:
        return NextStep(
            "Choisissez les communes du territoire (carte, recherche ou EPCI).",
            "projects:territory",
            "Territoire",
        )
    if project.stage == Stage.INTENTION:
        return NextStep(
            "Remplissez l'expression d'intérêt (AMI) et envoyez-la à l'ARS de votre région.",
            "projects:ami",
            "Remplir l'AMI",
        )
    if project.stage in (Stage.AMI, Stage.LETTER, Stage.HEALTH_PROJECT):
        following = Stage(ORDER[ORDER.index(project.stage) + 1]).label.lower()
        return NextStep(
            f"Étape suivante : {following}. Enregistrez-la ici avec sa date une fois franchie.",
            "projects:stage",
            "Enregistrer une étape",
        )
    return NextStep(
        "L'association existe : le projet peut devenir la CPTS sur la plateforme, sans nouvelle saisie.",
        "projects:convert",
        "Devenir la CPTS",
    )


def professionals_named(query: str, limit: int = 15) -> list[Professional]:
    """Directory entries whose name matches (the directory's own search by name)."""
    name = normalize(query or "")
    if len(name) < 2:
        return []
    ids = search.by_name(search.Filters(name=name), limit=limit)
    found = {p.pk: p for p in Professional.objects.filter(pk__in=ids).prefetch_related("places__commune")}
    return [found[i] for i in ids if i in found]
