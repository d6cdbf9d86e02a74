"""The projet de santé as a document (DOCX to edit, PDF to read): the template ``healthplan.project``
(healthplan/doc_templates/projet_de_sante.docx, built by healthplan/doc_templates_src.py) filled with
``context(project)``: the chapters in the order of lifecycle.md §4, the diagnostic computed for the project's
communes with counts under 6 hidden (``diagnostic.compute.diagnose(public=True)``, ``diagnostic/chapter.py``)
and its maps and chart (``diagnostic/images.py``), the fiches-actions by ACI mission with their indicators,
the table of objectives, the budget prévisionnel."""

from __future__ import annotations

from django.utils import formats, timezone
from django.utils.text import slugify

from diagnostic import chapter as diagnostic_chapter
from diagnostic import images as diagnostic_images
from docgen import render
from healthplan import selectors
from healthplan.models import Chapter, SheetIndicator
from projects import letter
from projects.models import Project

KEY = "healthplan.project"
IMAGES = dict(diagnostic_chapter.IMAGES)  # map_gp_density, map_share_65, age_chart
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def paragraphs(text: str) -> list[str]:
    return [p.strip() for p in (text or "").replace("\r\n", "\n").split("\n") if p.strip()]


def euros(value) -> str:
    return f"{value:,.0f} €".replace(",", "\u202f")


def number(value) -> str:
    if value is None:
        return "—"
    return format(value.normalize(), "f").replace(".", ",")


def _indicator(ind: SheetIndicator) -> dict:
    return {
        "nom": ind.name,
        "unite": ind.get_unit_display(),
        "sens": "à augmenter" if ind.direction == "higher" else "à diminuer",
        "reference": number(ind.baseline),
        "cible": number(ind.target),
        "source": ind.source_note or "—",
    }


def _sheet(sheet) -> dict:
    return {
        "titre": sheet.title,
        "objectif": paragraphs(sheet.objective),
        "actions": paragraphs(sheet.actions),
        "pilote": sheet.pilot or "à désigner",
        "partenaires": paragraphs(sheet.partners),
        "calendrier": paragraphs(sheet.schedule),
        "moyens": paragraphs(sheet.means),
        "indicateurs": [_indicator(i) for i in sheet.indicators.all()],
    }


def _budget(project: Project) -> dict:
    b = selectors.budget(project)
    return {
        "erreur": b.error,
        "taille": b.tier_label,
        "grille": b.grid,
        "lignes": [
            {"libelle": r.label, "annee1": euros(r.first), "suivantes": euros(r.later)} for r in b.rows
        ],
        "recettes_annee1": euros(b.income_first),
        "recettes_suivantes": euros(b.income_later),
        "depenses": [
            {"libelle": e.label, "categorie": e.get_category_display(), "montant": euros(e.amount)}
            for e in b.expenses
        ],
        "total_depenses": euros(b.spending),
        "solde_annee1": euros(b.balance_first),
        "solde_suivantes": euros(b.balance_later),
    }


def context(project: Project) -> tuple[dict, dict[str, bytes]]:
    """The template's context and its images (none when the project has no commune yet)."""
    plan = selectors.plan_of(project)
    texts = {c.key: c.text for c in plan.chapters.all()} if plan else {}
    codes = list(project.communes.values_list("commune_id", flat=True))
    images: dict[str, bytes] = {}
    diagnostic = diagnostic_chapter.EMPTY
    if codes:
        computed = letter.project_diagnostic(project, public=True)
        diagnostic = diagnostic_chapter.chapter_context(computed)
        images = diagnostic_images.chapter_images(computed)
    missions = selectors.sheets_by_mission(project)
    ctx = {
        "titre": f"Projet de santé — {project.name}",
        "projet": project.name,
        "date": formats.date_format(timezone.localdate(), "j F Y"),
        "contexte": paragraphs(texts.get(Chapter.Key.CONTEXT, "")),
        "a_diagnostic": bool(codes),
        "diagnostic": diagnostic,
        "diagnostic_commentaire": paragraphs(texts.get(Chapter.Key.DIAGNOSTIC, "")),
        "missions": [{"libelle": m.label, "fiches": [_sheet(s) for s in m.sheets]} for m in missions],
        "objectifs": [
            {"mission": m.label, "fiche": s.title, **_indicator(i)}
            for m in missions
            for s in m.sheets
            for i in s.indicators.all()
        ],
        "gouvernance": paragraphs(texts.get(Chapter.Key.GOVERNANCE, "")),
        "evaluation": paragraphs(texts.get(Chapter.Key.EVALUATION, "")),
        "budget": _budget(project),
        "budget_commentaire": paragraphs(texts.get(Chapter.Key.BUDGET, "")),
    }
    return ctx, images


def file(project: Project, fmt: str) -> tuple[bytes, str, str]:
    """(content, file name, content type) of the projet de santé as it stands."""
    ctx, images = context(project)
    name = f"Projet-de-sante-{slugify(project.name)[:60] or 'projet'}"
    if fmt == "docx":
        return render.render_docx(KEY, ctx, images), f"{name}.docx", DOCX
    return render.render_pdf(KEY, ctx, images), f"{name}.pdf", "application/pdf"


_INDICATOR_SAMPLE = {
    "nom": "Patients en ALD sans médecin traitant",
    "unite": "Nombre",
    "sens": "à diminuer",
    "reference": "220",
    "cible": "100",
    "source": "CPAM du Finistère",
}
SAMPLE = {
    "titre": "Projet de santé — CPTS du Pays Fouesnantais",
    "projet": "CPTS du Pays Fouesnantais",
    "date": "7 décembre 2026",
    "contexte": ["Sept communes, trois MSP, une coopération ancienne autour du maintien à domicile."],
    "a_diagnostic": True,
    "diagnostic": {
        "highlights": ["30 112 habitants (population municipale 2023), 7 communes."],
        "areas": [
            {
                "name": "CPTS du Pays Fouesnantais",
                "population": "30 112",
                "share_0_19": "21,0 %",
                "share_20_64": "52,3 %",
                "share_65_plus": "26,7 %",
            }
        ],
        "professions": [
            {"profession": "Médecin généraliste", "count": "24", "per_10000": "8,0"},
        ],
        "typed": [
            {
                "indicator": "Patients de 17 ans et plus sans médecin traitant",
                "territory": "12,40 %",
                "departement": "9,80 %",
                "region": "—",
                "france": "11 %",
                "provenance": "saisi depuis Rézone CPTS — Assurance Maladie, millésime 2024",
            }
        ],
        "imported": [],
        "sources": ["INSEE, population municipale 2023"],
        "secret_note": "Effectifs inférieurs à 6 masqués (« < 6 », secret statistique).",
        "distance_note": "Distances à vol d'oiseau : ce ne sont pas des temps d'accès.",
        "images": dict(diagnostic_chapter.IMAGES),
    },
    "diagnostic_commentaire": ["Trois départs en retraite de médecins généralistes d'ici deux ans."],
    "missions": [
        {
            "libelle": "Accès aux soins",
            "fiches": [
                {
                    "titre": "Un médecin traitant pour les patients en ALD",
                    "objectif": ["Réduire le nombre de patients en ALD sans médecin traitant."],
                    "actions": ["Repérer les patients avec la CPAM, les orienter."],
                    "pilote": "Dr Solène Le Gall",
                    "partenaires": ["CPAM du Finistère"],
                    "calendrier": ["Dès la signature de l'ACI."],
                    "moyens": ["Coordinatrice à mi-temps."],
                    "indicateurs": [_INDICATOR_SAMPLE],
                }
            ],
        }
    ],
    "objectifs": [{"mission": "Accès aux soins", "fiche": "Un médecin traitant", **_INDICATOR_SAMPLE}],
    "gouvernance": ["Association loi 1901 en trois collèges."],
    "evaluation": ["Dialogue annuel avec l'ARS et la CPAM."],
    "budget": {
        "erreur": "",
        "taille": "Taille 1 (moins de 40 000 habitants)",
        "grille": "Avenant 2 (2024)",
        "lignes": [{"libelle": "Fonctionnement", "annee1": "75 000 €", "suivantes": "50 000 €"}],
        "recettes_annee1": "75 000 €",
        "recettes_suivantes": "50 000 €",
        "depenses": [
            {"libelle": "Coordinatrice", "categorie": "Équipe de coordination", "montant": "40 000 €"}
        ],
        "total_depenses": "40 000 €",
        "solde_annee1": "35 000 €",
        "solde_suivantes": "10 000 €",
    },
    "budget_commentaire": ["Le solde finance les indemnisations des professionnels."],
}
