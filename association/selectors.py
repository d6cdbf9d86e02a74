"""Reads of the association pages: where the porteurs are in creating the association (the steps of the
overview page, each done or not, with what it says)."""

from dataclasses import dataclass

from association import documents
from association.models import ConstitutiveAssembly, LegalEntity, Statutes
from opencpts.french import count
from projects.models import Project


@dataclass(frozen=True)
class Step:
    title: str
    done: bool
    text: str
    url_name: str  # an association: URL taking the project id
    action: str


def steps(project: Project) -> list[Step]:
    statutes = Statutes.objects.filter(project=project).first()
    founders = project.founding_members.count()
    assembly = ConstitutiveAssembly.objects.filter(project=project).first()
    entity = LegalEntity.objects.filter(project=project).first()
    statuts_gaps = documents.gaps(project, "statuts")
    rule_items = statutes.rule_items.count() if statutes else 0
    return [
        Step(
            "Choix des statuts",
            statutes is not None,
            f"{statutes.short_name or statutes.name}, {count(statutes.colleges.count(), 'collège')}"
            if statutes
            else "Dénomination, siège, objet, collèges, cotisations, conseil d'administration, bureau, AG.",
            "association:statutes",
            "Choisir" if statutes is None else "Modifier",
        ),
        Step(
            "Règlement intérieur",
            rule_items > 0,
            count(rule_items, "article", zero="Aucun article."),
            "association:reglement",
            "Écrire",
        ),
        Step(
            "Membres fondateurs",
            founders >= 2,
            count(founders, "membre fondateur", "membres fondateurs", "Aucun membre fondateur."),
            "association:founders",
            "Ajouter",
        ),
        Step(
            "Documents",
            not statuts_gaps,
            "Statuts, règlement intérieur, convocation et PV, en Word (DOCX) ou PDF."
            if not statuts_gaps
            else count(len(statuts_gaps), "point", zero="") + " à compléter pour les statuts.",
            "association:documents",
            "Générer",
        ),
        Step(
            "AG constitutive : convocation",
            bool(assembly and assembly.held_on and assembly.convened_on),
            f"Le {assembly.held_on:%d/%m/%Y}, {assembly.place}"
            if assembly and assembly.held_on
            else "À fixer.",
            "association:convocation",
            "Convoquer",
        ),
        Step(
            "AG constitutive : procès-verbal",
            bool(assembly and assembly.minutes_recorded_at),
            "Enregistré." if assembly and assembly.minutes_recorded_at else "Présences, votes, élections.",
            "association:minutes",
            "Rédiger",
        ),
        Step(
            "Identifiants de l'association",
            entity is not None,
            f"RNA {entity.rna}, SIRET {entity.siret}, publiée au JOAFE le {entity.published_on:%d/%m/%Y}."
            if entity
            else "RNA, SIRET et date de publication au Journal officiel, une fois l'association déclarée.",
            "association:identifiers",
            "Enregistrer",
        ),
    ]
