"""The lettre d'intention of seed 000 (URPS Auvergne-Rhône-Alpes; lifecycle.md §3), every item of its
checklist as a field:

1. *Acteurs*: the persons, services and établissements involved in building the project (repeatable: nom,
   qualité, lieu, rôle);
2. *Problématique* of access to care and/or continuity of care pathways;  3. *Modalités de travail
   existantes* between the actors;  4. *Moyens d'action envisagés*;  5. *Objectif* for the patients and for
   the actors;  6. *Nombre de patients* concerned;  7. *Territoire*;
8. *Calendrier*: start of the construction phase, dépôt of the projet de santé, start of implementation;
9. *Articulation* with the other projects of the territory (a PTA / DAC? which articulation?);
and what the regional guides add (cpts-na.org): 10. the first elements of diagnostic; 11. the partners already
associated and those to associate; 12. the orientations per mission of the ACI.

``initial_letter(project)`` pre-fills it from the project (porteurs and structures as acteurs, structures as
partners already associated, the territory with its population and vintage, the number of patients, the
first elements of diagnostic computed by ``diagnostic.compute.diagnose`` on the project's communes, the start
of construction); ``clean_letter(data)`` shapes what a form sent; ``missing_letter(data)`` lists in French
what prevents sending it; ``letter_context(project)`` and ``letter_images(diagnostic)`` are what the generated
document shows (projects/doc_templates/lettre.docx, rendered by docgen), the diagnostic as a chapter with its
maps and age chart (``diagnostic/chapter.py``, ``diagnostic/images.py``).
"""

import datetime as dt

from django.utils import timezone

from diagnostic import chapter, images, typed
from diagnostic.compute import GP, Area, Diagnostic, diagnose
from directory.models import Structure
from opencpts.french import count, day
from projects.dossiers import TEXT_LIMIT, _place_of, _rows, _text, territory_text
from projects.models import LetterDossier, Project, ProjectMember, Stage

LETTER_KEY = "projects.letter"  # the letter's template (docgen registry)
ACTOR_FIELDS = ("nom", "qualite", "lieu", "role")
PARTNER_FIELDS = ("nom", "type", "statut")
PARTNER_STATUS = {"associe": "Déjà associé", "a_associer": "À associer"}
PTA_DAC = {
    "oui": "Oui, une PTA ou un DAC existe sur le territoire",
    "non": "Non, aucune PTA ni aucun DAC sur le territoire",
    "inconnu": "Nous ne savons pas encore",
}
# The missions of the ACI (2019, amended by avenant 2 in 2022): the four « socle » missions, then the two
# optional ones.
MISSIONS = {
    "access": "Accès aux soins : médecin traitant et soins non programmés",
    "pathways": "Organisation de parcours pluriprofessionnels autour du patient",
    "prevention": "Actions territoriales de prévention",
    "crisis": "Réponse aux crises sanitaires graves",
    "quality": "Qualité et pertinence des soins (mission complémentaire)",
    "support": "Accompagnement des professionnels de santé (mission complémentaire)",
}
CORE_MISSIONS = ("access", "pathways", "prevention", "crisis")
TEXT_FIELDS = (
    "problematique",
    "modalites",
    "moyens",
    "objectif_patients",
    "objectif_acteurs",
    "territoire",
    "articulation",
    "elements_diagnostic",
)
DATE_FIELDS = ("construction", "depot", "mise_en_oeuvre")
IMAGE_NAMES = tuple(chapter.IMAGES)  # map_gp_density, map_share_65, age_chart


def clean_letter(data: dict) -> dict:
    """The letter's fields from what a form (or the pre-fill) gave: unknown keys dropped, text bounded, blank
    lines dropped, choices kept only when known."""
    partners = _rows(data.get("partenaires"), PARTNER_FIELDS)
    for p in partners:
        p["statut"] = p["statut"] if p["statut"] in PARTNER_STATUS else "associe"
    orientations = data.get("orientations") or {}
    patients = "".join(ch for ch in str(data.get("patients") or "") if ch.isdigit())[:9]
    return {
        "acteurs": _rows(data.get("acteurs"), ACTOR_FIELDS),
        **{key: _text(data.get(key), TEXT_LIMIT) for key in TEXT_FIELDS},
        "patients": patients.lstrip("0"),
        **{key: _text(data.get(key), 10) for key in DATE_FIELDS},
        "pta_dac": data.get("pta_dac") if data.get("pta_dac") in PTA_DAC else "",
        "partenaires": partners,
        "orientations": {k: _text(orientations.get(k), TEXT_LIMIT) for k in MISSIONS if orientations.get(k)},
    }


# --- The diagnostic's key figures ------------------------------------------------------------------------


def project_diagnostic(project: Project, *, public: bool = True) -> Diagnostic:
    """The diagnostic of the project's communes. ``public``: counts under 6 hidden (what leaves the
    project: the letter sent to the ARS)."""
    codes = list(project.communes.values_list("commune_id", flat=True))
    return typed.attach(diagnose(codes, public=public, name=project.name), project)


def _departements(diagnostic: Diagnostic) -> list[Area]:
    return [a for a in diagnostic.comparisons if a.kind == "departement"]


def _versus(diagnostic: Diagnostic, value) -> str:
    """« Finistère (29) : 24,1 % » for each département of the territory, ``value(area)`` giving the text."""
    parts = [f"{area.name} : {text}" for area in _departements(diagnostic) if (text := value(area))]
    return " ; ".join(parts)


def _density(area: Area, key: str) -> str:
    figures = area.profession(key)
    return figures.per_10000.display if figures else ""


def key_figures(diagnostic: Diagnostic) -> list[dict]:
    """A few key figures of the territory beside its département(s), each with its source and vintage:
    population, communes, share of 65 and over, general practitioners and their density per 10,000, nurses
    per 10,000. Plain strings (a document's table)."""
    territory = diagnostic.territory
    rows = [
        {
            "libelle": "Population",
            "valeur": count(int(territory.population.value or 0), "habitant"),
            "comparaison": "",
            "source": territory.population.source.text,
        },
        {
            "libelle": "Communes",
            "valeur": str(len(diagnostic.communes)),
            "comparaison": "",
            "source": territory.population.source.text,
        },
    ]
    if territory.ages:
        rows.append(
            {
                "libelle": "Part des 65 ans et plus",
                "valeur": territory.ages.share_65_plus.display,
                "comparaison": _versus(diagnostic, lambda a: a.ages.share_65_plus.display if a.ages else ""),
                "source": territory.ages.share_65_plus.source.text,
            }
        )
    gp = territory.profession(GP)
    if gp:
        rows.append(
            {
                "libelle": "Médecins généralistes",
                "valeur": gp.count.display,
                "comparaison": "",
                "source": gp.count.source.text,
            }
        )
        rows.append(
            {
                "libelle": "Médecins généralistes pour 10 000 habitants",
                "valeur": gp.per_10000.display,
                "comparaison": _versus(diagnostic, lambda a: _density(a, GP)),
                "source": gp.per_10000.source.text,
            }
        )
    nurses = territory.profession("60")
    if nurses:
        rows.append(
            {
                "libelle": "Infirmiers pour 10 000 habitants",
                "valeur": nurses.per_10000.display,
                "comparaison": _versus(diagnostic, lambda a: _density(a, "60")),
                "source": nurses.per_10000.source.text,
            }
        )
    return rows


def highlights(figures: list[dict]) -> str:
    """The key figures as sentences, to pre-fill the « premiers éléments de diagnostic »."""
    lines = []
    for row in figures:
        line = f"{row['libelle']} : {row['valeur']}"
        if row["comparaison"]:
            line += f" ({row['comparaison']})"
        lines.append(line + ".")
    return "\n".join(lines)


# --- Pre-fill ----------------------------------------------------------------------------------------------


def _porteurs_first(project: Project) -> list:
    """The project's members, its porteurs before its co-porteurs."""
    members = project.porteurs.select_related("user__professional")
    return sorted(members, key=lambda m: m.role != ProjectMember.Role.PORTEUR)


def _actors(project: Project) -> list[dict]:
    acteurs = []
    for m in _porteurs_first(project):
        pro = m.user.professional
        lieu, _ = _place_of(m.user)
        acteurs.append(
            {
                "nom": m.user.get_full_name() or m.user.email,
                "qualite": pro.profession_title if pro else "",
                "lieu": lieu,
                "role": m.get_role_display() + " du projet",
            }
        )
    for partner in project.partners.all():
        acteurs.append(
            {
                "nom": partner.name,
                "qualite": partner.get_kind_display(),
                "lieu": "",
                "role": "Structure associée au projet",
            }
        )
    return acteurs


def _started(project: Project) -> str:
    change = project.stage_changes.filter(stage=Stage.INTENTION).order_by("reached_on").first()
    return change.reached_on.isoformat() if change else ""


def initial_letter(project: Project) -> dict:
    partners = list(project.partners.all())
    dac = [p for p in partners if p.kind == Structure.Kind.DAC]
    data = {
        "acteurs": _actors(project),
        "territoire": territory_text(project),
        "construction": _started(project),
        "partenaires": [{"nom": p.name, "type": p.get_kind_display(), "statut": "associe"} for p in partners],
    }
    if dac:
        data["pta_dac"] = "oui"
        data["articulation"] = (
            f"{', '.join(p.name for p in dac)} : associé{'s' if len(dac) > 1 else ''} au projet dès sa "
            "construction."
        )
    if project.communes.exists():
        diagnostic = project_diagnostic(project)
        data["patients"] = str(diagnostic.population)
        data["elements_diagnostic"] = highlights(key_figures(diagnostic))
    return clean_letter(data)


def current_letter(project: Project) -> dict:
    """What was saved, else the pre-filled letter."""
    dossier = LetterDossier.objects.filter(project=project).first()
    return clean_letter(dossier.data) if dossier and dossier.data else initial_letter(project)


def date_of(data: dict, key: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(data.get(key) or "")
    except ValueError:
        return None


# --- What is missing ---------------------------------------------------------------------------------------

TEXT_GAPS = (
    (
        "problematique",
        "Problématique : décrivez la difficulté d'accès aux soins ou de continuité des parcours.",
    ),
    (
        "modalites",
        "Modalités de travail existantes : décrivez comment les acteurs travaillent déjà ensemble.",
    ),
    (
        "moyens",
        "Moyens d'action envisagés : indiquez comment les acteurs comptent répondre à la problématique.",
    ),
    ("objectif_patients", "Objectif pour les patients : indiquez ce que le projet vise pour les patients."),
    ("objectif_acteurs", "Objectif pour les acteurs : indiquez ce que le projet vise pour les acteurs."),
)


def _actor_gaps(acteurs) -> list[str]:
    gaps = []
    for i, a in enumerate(acteurs, 1):
        lacks = [label for key, label in (("nom", "le nom"), ("qualite", "la qualité")) if not a[key]]
        if lacks:
            gaps.append(f"Acteur n° {i} ({a['nom'] or 'sans nom'}) : indiquez {' et '.join(lacks)}.")
    return gaps


def _calendar_gaps(data: dict, today: dt.date) -> list[str]:
    labels = {
        "construction": "le début de la phase de construction",
        "depot": "la date prévue de dépôt du projet de santé",
        "mise_en_oeuvre": "la date prévue de début de mise en œuvre",
    }
    dates = {key: date_of(data, key) for key in DATE_FIELDS}
    lacking = [labels[key] for key, value in dates.items() if value is None]
    if lacking:
        return [f"Calendrier : indiquez {', '.join(lacking)}."]
    gaps = []
    if dates["depot"] < dates["construction"]:
        gaps.append(
            "Calendrier : le dépôt du projet de santé ne peut pas précéder le début de la construction."
        )
    if dates["mise_en_oeuvre"] < dates["depot"]:
        gaps.append("Calendrier : la mise en œuvre ne peut pas commencer avant le dépôt du projet de santé.")
    if dates["depot"] < today:
        gaps.append("Calendrier : la date prévue de dépôt du projet de santé est passée.")
    return gaps


def missing_letter(data: dict, today: dt.date | None = None) -> list[str]:
    """Everything that prevents sending the letter, in French, in the order of the form."""
    today = today or timezone.localdate()
    gaps = []
    if not data["acteurs"]:
        gaps.append("Acteurs : indiquez au moins une personne, un service ou un établissement impliqué.")
    gaps += _actor_gaps(data["acteurs"])
    gaps += [message for key, message in TEXT_GAPS if not data[key]]
    if not data["patients"]:
        gaps.append("Nombre de patients : indiquez à combien de patients s'adresse le projet.")
    if not data["territoire"]:
        gaps.append("Territoire : décrivez le territoire d'action du projet.")
    gaps += _calendar_gaps(data, today)
    if not data["pta_dac"]:
        gaps.append("Articulation : indiquez si une PTA ou un DAC existe sur le territoire.")
    elif data["pta_dac"] == "oui" and not data["articulation"]:
        gaps.append("Articulation : décrivez l'articulation prévue avec la PTA ou le DAC.")
    if not data["elements_diagnostic"]:
        gaps.append("Diagnostic : indiquez les premiers éléments de diagnostic du territoire.")
    for i, p in enumerate(data["partenaires"], 1):
        if not p["nom"]:
            gaps.append(f"Partenaire n° {i} : indiquez son nom.")
    if not any(data["orientations"].get(k) for k in CORE_MISSIONS):
        gaps.append("Orientations : indiquez une orientation pour au moins une mission socle de l'ACI.")
    return gaps


# --- The document --------------------------------------------------------------------------------------


def _calendar(data: dict) -> dict:
    out = {}
    for key in DATE_FIELDS:
        value = date_of(data, key)
        out[key] = day(value, year=True, weekday=False) if value else "Non précisé."
    return out


def letter_context(
    project: Project,
    data: dict | None = None,
    *,
    addressee: str = "",
    on: dt.date | None = None,
    diagnostic: Diagnostic | None = None,
) -> dict:
    """The generated letter's content: every field, the addressee, the territory's figures and the diagnostic
    as a chapter (computed public: counts under 6 hidden) when the project has communes."""
    from projects.territory import check

    data = clean_letter(data) if data is not None else current_letter(project)
    result = check(project)
    region = result.region
    if diagnostic is None and result.communes:
        diagnostic = project_diagnostic(project)
    return {
        "titre": "Lettre d'intention — Communauté professionnelle territoriale de santé (CPTS)",
        "projet": project.name,
        "destinataire": addressee or (region.addressee if region else ""),
        "note_region": region.note if region else "",
        "date": day(on or timezone.localdate(), year=True, weekday=False),
        **_fields_context(data),
        "communes": [{"nom": c.name, "insee": c.insee, "population": c.population} for c in result.communes],
        "population": count(result.summary.population, "habitant"),
        "millesime": result.summary.population_label,
        **_diagnostic_context(diagnostic),
        "signataires": [m.user.get_full_name() or m.user.email for m in _porteurs_first(project)],
    }


def _fields_context(data: dict) -> dict:
    """The letter's own fields, as the document prints them."""
    patients = int(data["patients"]) if data["patients"] else 0
    return {
        "acteurs": data["acteurs"],
        **{key: data[key] or "Non précisé." for key in TEXT_FIELDS},
        "patients": count(patients, "patient") if patients else "Non précisé.",
        "calendrier": _calendar(data),
        "pta_dac": PTA_DAC.get(data["pta_dac"], "Non précisé."),
        "partenaires_associes": [p for p in data["partenaires"] if p["statut"] == "associe"],
        "partenaires_a_associer": [p for p in data["partenaires"] if p["statut"] == "a_associer"],
        "orientations": [
            {"mission": label, "orientation": data["orientations"].get(k) or "—"}
            for k, label in MISSIONS.items()
        ],
    }


def _diagnostic_context(diagnostic: Diagnostic | None) -> dict:
    if diagnostic is None:
        return {"chiffres_cles": [], "avec_diagnostic": False, "diagnostic": chapter.EMPTY}
    return {
        "chiffres_cles": key_figures(diagnostic),
        "avec_diagnostic": True,
        "diagnostic": chapter.chapter_context(diagnostic),
    }


def letter_images(diagnostic: Diagnostic | None) -> dict[str, bytes]:
    """The chapter's pictures (``diagnostic.chapter.IMAGES``): the two maps and the age chart, as PNG."""
    return images.chapter_images(diagnostic) if diagnostic is not None else {}


# What a replacement of the letter's template is tried with before it is accepted (docgen/validation.py):
# every name ``letter_context`` gives, with plausible values.
LETTER_SAMPLE = {
    "titre": "Lettre d'intention — Communauté professionnelle territoriale de santé (CPTS)",
    "projet": "CPTS du Pays Fouesnantais",
    "destinataire": "ARS Bretagne",
    "note_region": "",
    "date": "7 décembre 2026",
    "acteurs": [
        {
            "nom": "Dr Solène Le Gall",
            "qualite": "Médecin généraliste",
            "lieu": "MSP de Fouesnant",
            "role": "Porteuse du projet",
        }
    ],
    "problematique": "Trois médecins généralistes partent en retraite d'ici deux ans.",
    "modalites": "Réunions mensuelles entre la MSP et les infirmiers libéraux.",
    "moyens": "Une organisation des soins non programmés entre cabinets.",
    "objectif_patients": "Un médecin traitant pour chaque patient du territoire.",
    "objectif_acteurs": "Des sorties d'hospitalisation préparées ensemble.",
    "territoire": "7 communes (Fouesnant, Bénodet...) : 30 000 habitants.",
    "articulation": "Le DAC du Finistère est associé dès la construction.",
    "elements_diagnostic": "Part des 65 ans et plus : 31,0 % (Finistère (29) : 24,0 %).",
    "patients": "30 000 patients",
    "calendrier": {
        "construction": "1er septembre 2026",
        "depot": "1er septembre 2027",
        "mise_en_oeuvre": "1er janvier 2028",
    },
    "pta_dac": PTA_DAC["oui"],
    "partenaires_associes": [
        {"nom": "Centre hospitalier de Cornouaille", "type": "Établissement de santé", "statut": "associe"}
    ],
    "partenaires_a_associer": [{"nom": "EHPAD de Bénodet", "type": "EHPAD", "statut": "a_associer"}],
    "orientations": [{"mission": label, "orientation": "—"} for label in MISSIONS.values()],
    "communes": [{"nom": "Fouesnant", "insee": "29058", "population": 10_000}],
    "population": "30 000 habitants",
    "millesime": "population municipale 2023, en vigueur au 1er janvier 2026",
    "chiffres_cles": [
        {
            "libelle": "Part des 65 ans et plus",
            "valeur": "31,0 %",
            "comparaison": "Finistère (29) : 24,0 %",
            "source": "INSEE, recensement 2021 (recensement 2021)",
        }
    ],
    "avec_diagnostic": True,
    "diagnostic": {
        "title": "Diagnostic territorial",
        "highlights": ["30 000 habitants (recensement 2021), 7 communes."],
        "areas": [
            {
                "name": "CPTS du Pays Fouesnantais",
                "population": "30 000",
                "share_0_19": "20,0 %",
                "share_20_64": "49,0 %",
                "share_65_plus": "31,0 %",
            }
        ],
        "professions": [{"profession": "Médecin généraliste", "count": "21", "per_10000": "7,0"}],
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
        "imported": [
            {
                "indicator": "APL aux médecins généralistes",
                "territory": "3,1",
                "unit": "consultations/an/hab.",
                "provenance": "importé : DREES, millésime 2023, licence Ouverte 2.0",
                "coverage": "7 communes sur 7",
            }
        ],
        "sources": ["INSEE, populations légales (recensement 2021)"],
        "secret_note": "Effectifs inférieurs à 6 masqués (« < 6 », secret statistique).",
        "distance_note": "Distances à vol d'oiseau : ce ne sont pas des temps d'accès.",
        "images": dict(chapter.IMAGES),
    },
    "signataires": ["Dr Solène Le Gall"],
}
