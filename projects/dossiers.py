"""The AMI of seed 004 (ARS Bretagne, 2021; lifecycle.md §2), every field of its form:

1. *Professionnels / Structures*: acteurs intéressés, repeatable (nom, profession, lieu d'exercice, exercice
   en MSP/ESP, remarque); référent(s), one or more (nom, fonction, e-mail, téléphone);
2. *Objectifs attendus*: three check boxes (``OBJECTIVES``);
3. *Contexte*: free text;  4. *Territoire de projet*: optional;
5. *Calendrier*: the date wished for a first meeting with the ARS.

``initial_ami(project)`` pre-fills it from the project (porteurs as acteurs and référents, structures
associated as acteurs, communes as territory); ``clean_ami(data)`` shapes what a form sent;
``missing(data)`` lists in French what prevents sending it; ``ami_context(project)`` is what the generated
document shows (projects/doc_templates/ami.docx, rendered by docgen).
"""

import datetime as dt

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils import timezone

from directory.models import Structure
from opencpts.french import count, day, phone
from projects.models import AmiDossier, Project, ProjectMember

AMI_KEY = "projects.ami"  # the AMI template (docgen registry)
OBJECTIVES = {
    "information": "Besoin d'informations sur ce qu'est une CPTS",
    "reflexion": "Réflexion en cours autour d'un projet de CPTS",
    "initiative": "Initiative engagée pour monter un projet de CPTS",
}
MSP_ESP = {"oui": "Oui", "non": "Non", "": "Non précisé"}
ACTOR_FIELDS = ("nom", "profession", "lieu", "msp_esp", "remarque")
REFERENT_FIELDS = ("nom", "fonction", "email", "telephone")
TEXT_LIMIT = 5000
LINE_LIMIT = 200


def _text(value, limit: int = LINE_LIMIT) -> str:
    return str(value or "").strip()[:limit]


def _rows(rows, fields) -> list[dict]:
    """Lines of a repeatable block, each with ``fields``; blank lines dropped."""
    out = []
    for row in rows or []:
        line = {f: _text(row.get(f), TEXT_LIMIT if f == "remarque" else LINE_LIMIT) for f in fields}
        if any(line.values()):
            out.append(line)
    return out


def clean_ami(data: dict) -> dict:
    acteurs = _rows(data.get("acteurs"), ACTOR_FIELDS)
    for a in acteurs:
        a["msp_esp"] = a["msp_esp"] if a["msp_esp"] in MSP_ESP else ""
    return {
        "acteurs": acteurs,
        "referents": _rows(data.get("referents"), REFERENT_FIELDS),
        "objectifs": [k for k in OBJECTIVES if k in (data.get("objectifs") or [])],
        "contexte": _text(data.get("contexte"), TEXT_LIMIT),
        "territoire": _text(data.get("territoire"), TEXT_LIMIT),
        "rencontre": _text(data.get("rencontre"), 10),
    }


def _place_of(user) -> tuple[str, str]:
    """(« Cabinet, Belley », « oui » when it is an MSP/ESP) from the professional's first place."""
    pro = user.professional
    place = pro.places.filter(active=True).select_related("commune", "structure").first() if pro else None
    if place is None:
        return "", ""
    where = ", ".join(
        p for p in (place.structure_name or place.label, place.commune.name if place.commune else "") if p
    )
    kind = getattr(place.structure, "kind", "")
    return where, "oui" if kind in (Structure.Kind.MSP, Structure.Kind.ESP) else ""


def territory_text(project: Project) -> str:
    from projects.territory import check

    result = check(project)
    if not result.communes:
        return ""
    names = ", ".join(c.name for c in result.communes)
    return (
        f"{count(len(result.communes), 'commune')} ({names}) : "
        f"{count(result.summary.population, 'habitant')} "
        f"({result.summary.population_label})."
    )


def initial_ami(project: Project) -> dict:
    """The AMI pre-filled from the project: porteurs as acteurs (and the porteurs as référents), structures
    associated as acteurs, the communes as territory, « initiative engagée » ticked."""
    members = list(project.porteurs.select_related("user__professional"))
    acteurs, referents = [], []
    for m in members:
        pro = m.user.professional
        lieu, msp = _place_of(m.user)
        acteurs.append(
            {
                "nom": m.user.get_full_name() or m.user.email,
                "profession": pro.profession_title if pro else "",
                "lieu": lieu,
                "msp_esp": msp,
                "remarque": m.get_role_display() + " du projet",
            }
        )
        if m.role == ProjectMember.Role.PORTEUR:
            referents.append(
                {
                    "nom": m.user.get_full_name() or m.user.email,
                    "fonction": "Porteur du projet" + (f", {pro.profession_title.lower()}" if pro else ""),
                    "email": m.user.email,
                    "telephone": m.user.phone or (pro.phone if pro else ""),
                }
            )
    for partner in project.partners.all():
        acteurs.append(
            {
                "nom": partner.name,
                "profession": partner.get_kind_display(),
                "lieu": "",
                "msp_esp": "oui" if partner.kind in (Structure.Kind.MSP, Structure.Kind.ESP) else "",
                "remarque": f"FINESS {partner.finess}" if partner.finess else "",
            }
        )
    return clean_ami(
        {
            "acteurs": acteurs,
            "referents": referents,
            "objectifs": ["initiative"],
            "territoire": territory_text(project),
        }
    )


def current_ami(project: Project) -> dict:
    """What was saved, else the pre-filled form."""
    dossier = AmiDossier.objects.filter(project=project).first()
    return clean_ami(dossier.data) if dossier and dossier.data else initial_ami(project)


def meeting_date(data: dict) -> dt.date | None:
    try:
        return dt.date.fromisoformat(data.get("rencontre") or "")
    except ValueError:
        return None


def _actor_gaps(acteurs) -> list[str]:
    gaps = []
    for i, a in enumerate(acteurs, 1):
        lacks = [
            label
            for key, label in (
                ("nom", "le nom"),
                ("profession", "la profession"),
                ("lieu", "le lieu d'exercice"),
            )
            if not a[key]
        ]
        if lacks:
            gaps.append(f"Acteur n° {i} ({a['nom'] or 'sans nom'}) : indiquez {' et '.join(lacks)}.")
    return gaps


def _referent_gaps(referents) -> list[str]:
    gaps = []
    labels = (
        ("nom", "le nom"),
        ("fonction", "la fonction"),
        ("email", "l'adresse e-mail"),
        ("telephone", "le téléphone"),
    )
    for i, r in enumerate(referents, 1):
        lacks = [label for key, label in labels if not r[key]]
        if lacks:
            gaps.append(f"Référent n° {i} ({r['nom'] or 'sans nom'}) : indiquez {' et '.join(lacks)}.")
        if r["email"]:
            try:
                validate_email(r["email"])
            except ValidationError:
                gaps.append(f"Référent n° {i} : l'adresse e-mail « {r['email']} » n'est pas valide.")
    return gaps


def missing(data: dict, today: dt.date | None = None) -> list[str]:
    """Everything that prevents sending the AMI, in French, in the order of the form."""
    today = today or timezone.localdate()
    gaps = []
    if not data["acteurs"]:
        gaps.append("Professionnels / structures : indiquez au moins un acteur intéressé.")
    gaps += _actor_gaps(data["acteurs"])
    if not data["referents"]:
        gaps.append("Référents : indiquez au moins un référent (nom, fonction, e-mail, téléphone).")
    gaps += _referent_gaps(data["referents"])
    if not data["objectifs"]:
        gaps.append("Objectifs attendus : cochez au moins une case.")
    if not data["contexte"]:
        gaps.append("Contexte : décrivez ce qui vous conduit à répondre à l'AMI.")
    meeting = meeting_date(data)
    if meeting is None:
        gaps.append("Calendrier : indiquez la date souhaitée pour un premier temps d'échange avec l'ARS.")
    elif meeting < today:
        gaps.append("Calendrier : la date souhaitée pour un temps d'échange est passée.")
    return gaps


def ami_context(
    project: Project, data: dict | None = None, *, addressee: str = "", on: dt.date | None = None
) -> dict:
    """The generated AMI's content: every field of the form, the addressee and the territory's figures."""
    from projects.territory import check

    data = clean_ami(data) if data is not None else current_ami(project)
    result = check(project)
    meeting = meeting_date(data)
    region = result.region
    return {
        "titre": "Appel à manifestation d'intérêt — Communauté professionnelle territoriale de santé (CPTS)",
        "projet": project.name,
        "destinataire": addressee or (region.addressee if region else ""),
        "note_region": region.note if region else "",
        "date": day(on or timezone.localdate(), year=True, weekday=False),
        "acteurs": [{**a, "msp_esp_label": MSP_ESP[a["msp_esp"]]} for a in data["acteurs"]],
        "referents": [{**r, "telephone": phone(r["telephone"])} for r in data["referents"]],
        "objectifs": [
            {
                "cle": k,
                "libelle": label,
                "coche": k in data["objectifs"],
                "case": "☒" if k in data["objectifs"] else "☐",
            }
            for k, label in OBJECTIVES.items()
        ],
        "contexte": data["contexte"],
        "territoire": data["territoire"] or "Non précisé.",
        "rencontre": day(meeting, year=True) if meeting else "Non précisée.",
        "communes": [{"nom": c.name, "insee": c.insee, "population": c.population} for c in result.communes],
        "population": count(result.summary.population, "habitant"),
        "millesime": result.summary.population_label,
    }


# What a replacement of the AMI template is tried with before it is accepted (docgen/validation.py): every
# name ``ami_context`` gives, with plausible values.
AMI_SAMPLE = {
    "titre": "Appel à manifestation d'intérêt — Communauté professionnelle territoriale de santé (CPTS)",
    "projet": "CPTS du Pays Fouesnantais",
    "destinataire": "ARS Bretagne",
    "note_region": "",
    "date": "7 décembre 2026",
    "acteurs": [
        {
            "nom": "Dr Solène Le Gall",
            "profession": "Médecin généraliste",
            "lieu": "MSP de Fouesnant",
            "msp_esp": "oui",
            "msp_esp_label": "Oui",
            "remarque": "Porteuse du projet",
        }
    ],
    "referents": [
        {
            "nom": "Dr Solène Le Gall",
            "fonction": "Porteuse du projet",
            "email": "solene.legall@example.org",
            "telephone": "02 98 00 00 01",
        }
    ],
    "objectifs": [
        {"cle": k, "libelle": label, "coche": k == "initiative", "case": "☒" if k == "initiative" else "☐"}
        for k, label in OBJECTIVES.items()
    ],
    "contexte": "Trois médecins partent en retraite d'ici deux ans.",
    "territoire": "7 communes du Pays Fouesnantais.",
    "rencontre": "lundi 16 novembre 2026",
    "communes": [{"nom": "Fouesnant", "insee": "29058", "population": 10_000}],
    "population": "30 000 habitants",
    "millesime": "population municipale 2023, en vigueur au 1er janvier 2026",
}
