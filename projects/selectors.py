"""Reads of the project pages: the stages with their dates, the next step, the directory entries to invite."""

from dataclasses import dataclass

from directory import search
from directory.models import Professional
from projects.models import ORDER, Project, Stage, Submission
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
    also: tuple[str, str] | None = None  # another way forward: (URL name, label)


def next_step(project: Project, communes: int, sent_kinds: set[str] | None = None) -> NextStep | None:
    """What the project does next: its territory, then the AMI (a first contact, optional) or directly the
    lettre d'intention, then the stages recorded with their dates, then the conversion. ``sent_kinds``: the
    kinds of the dossiers already sent (read from the project when not given)."""
    if project.cpts_id:
        return None
    if not communes:
        return NextStep(
            "Choisissez les communes du territoire (carte, recherche ou EPCI).",
            "projects:territory",
            "Territoire",
        )
    if sent_kinds is None:
        sent_kinds = set(project.submissions.values_list("kind", flat=True))
    if project.stage == Stage.INTENTION and Submission.Kind.AMI not in sent_kinds:
        return NextStep(
            "Remplissez l'expression d'intérêt (AMI) et envoyez-la à l'ARS de votre région : un premier "
            "contact, facultatif, avant la lettre d'intention.",
            "projects:ami",
            "Remplir l'AMI",
            also=("projects:letter", "Passer directement à la lettre d'intention"),
        )
    if not project.has_reached(Stage.LETTER):
        return NextStep(
            "Rédigez la lettre d'intention, pré-remplie avec le projet et son diagnostic, et envoyez-la à "
            "l'ARS : elle ouvre l'accompagnement pour écrire le projet de santé.",
            "projects:letter",
            "Rédiger la lettre d'intention",
        )
    if project.stage in (Stage.LETTER, Stage.HEALTH_PROJECT):
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
