"""The association's documents, generated from editable templates (docgen): the statuts, the règlement
intérieur, the convocation to the AG constitutive and its PV. DOCX to edit, PDF from the same DOCX.

``gaps(project, kind)`` lists in French what a document lacks; ``generate(project, kind, fmt)`` raises
``MissingFields`` with that list rather than produce an incomplete document; the ``*_context`` functions are
what each template is filled with, and ``SAMPLES`` the same names with plausible values (what an instance
administrator's replacement is tried with, docgen/validation.py)."""

from dataclasses import dataclass

from django.utils import timezone
from django.utils.text import slugify

from association import rules
from association.models import (
    BureauRole,
    ConstitutiveAssembly,
    FoundingMember,
    Majority,
    Statutes,
    VotingMode,
)
from docgen import render
from opencpts.errors import ActionError
from opencpts.french import count, day, hour
from projects.models import Project, ProjectMember

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


@dataclass(frozen=True)
class Kind:
    key: str  # the docgen key
    slug: str  # in the URL and the file name
    title: str
    file: str  # the default template in association/doc_templates/


KINDS = {
    k.slug: k
    for k in (
        Kind("association.statuts", "statuts", "Statuts de l'association", "statuts.docx"),
        Kind("association.reglement", "reglement", "Règlement intérieur", "reglement.docx"),
        Kind("association.convocation", "convocation", "Convocation à l'AG constitutive", "convocation.docx"),
        Kind("association.pv", "pv", "Procès-verbal de l'AG constitutive", "pv.docx"),
    )
}


class MissingFields(ActionError):
    """The document cannot be generated: ``gaps`` lists what is missing (French)."""

    def __init__(self, gaps: list[str]):
        super().__init__("Le document n'a pas été généré. À compléter : " + " ".join(gaps))
        self.gaps = gaps


def _statutes(project: Project) -> Statutes | None:
    return Statutes.objects.filter(project=project).first()


def _assembly(project: Project) -> ConstitutiveAssembly | None:
    return ConstitutiveAssembly.objects.filter(project=project).first()


def _founders(project: Project) -> list[FoundingMember]:
    return list(project.founding_members.select_related("college"))


# --- What each document lacks ------------------------------------------------------------------------------


def _statutes_gaps(statutes: Statutes | None, founders: list[FoundingMember]) -> list[str]:
    if statutes is None:
        return ["Statuts : enregistrez d'abord leurs choix (dénomination, siège, collèges, bureau)."]
    gaps = [
        f"Statuts : indiquez {label}."
        for field, label in (
            ("name", "la dénomination"),
            ("short_name", "le sigle"),
            ("seat_address", "l'adresse du siège"),
            ("purpose", "l'objet"),
            ("resources", "les ressources"),
            ("dissolution_beneficiary", "la dévolution de l'actif en cas de dissolution"),
        )
        if not getattr(statutes, field)
    ]
    if not statutes.territory:
        gaps.append("Statuts : décrivez le territoire (ses communes).")
    colleges = list(statutes.colleges.all())
    if not colleges:
        gaps.append("Statuts : indiquez au moins un collège.")
    gaps += [f"Collège « {c.name} » : indiquez qui en est membre." for c in colleges if not c.members_desc]
    if len(founders) < 2:
        gaps.append("Membres fondateurs : une association réunit au moins deux personnes.")
    gaps += [f"Membre fondateur {f.name} : choisissez son collège." for f in founders if f.college_id is None]
    return gaps


def _assembly_gaps(assembly: ConstitutiveAssembly | None) -> list[str]:
    if assembly is None:
        return ["AG constitutive : indiquez sa date, son heure, son lieu et son ordre du jour."]
    return [
        f"AG constitutive : indiquez {label}."
        for field, label in (
            ("held_on", "sa date"),
            ("held_at", "son heure"),
            ("place", "son lieu"),
            ("agenda", "son ordre du jour"),
        )
        if not getattr(assembly, field)
    ]


def _minutes_gaps(assembly: ConstitutiveAssembly | None, founders: list[FoundingMember]) -> list[str]:
    if assembly is None or assembly.minutes_recorded_at is None:
        return ["PV : enregistrez le déroulement de l'AG (présences, votes, élections)."]
    gaps = []
    if not assembly.chaired_by or not assembly.secretary_name:
        gaps.append("PV : indiquez la présidence et le secrétariat de séance.")
    gaps += [f"PV : indiquez la présence de {f.name}." for f in founders if not f.attendance]
    return gaps


def gaps(project: Project, kind: str) -> list[str]:
    """Everything that prevents generating the document ``kind`` (a slug of ``KINDS``), in French."""
    statutes, founders = _statutes(project), _founders(project)
    if kind == "statuts":
        return _statutes_gaps(statutes, founders)
    if kind == "reglement":
        if statutes is None or not statutes.name:
            return ["Statuts : enregistrez d'abord leurs choix (la dénomination au moins)."]
        out = [] if statutes.rule_items.exists() else ["Règlement intérieur : écrivez au moins un article."]
        if statutes.territory_in_rules and not statutes.territory:
            out.append("Règlement intérieur : décrivez le territoire (les statuts y renvoient).")
        return out
    assembly = _assembly(project)
    out = [] if statutes and statutes.name else ["Statuts : indiquez la dénomination de l'association."]
    out += _assembly_gaps(assembly)
    if len(founders) < 2:
        out.append("Membres fondateurs : une association réunit au moins deux personnes.")
    if kind == "pv":
        out += _minutes_gaps(assembly, founders)
    return out


# --- What each document shows ------------------------------------------------------------------------------


def _lines(text: str) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def _common(project: Project, statutes: Statutes | None) -> dict:
    return {
        "denomination": statutes.name if statutes else project.name,
        "sigle": statutes.short_name if statutes else "",
        "siege": statutes.seat_address if statutes else "",
        "date": day(timezone.localdate(), year=True, weekday=False),
    }


def _college_rows(statutes: Statutes) -> list[dict]:
    return [
        {
            "nom": c.name,
            "membres": c.members_desc,
            "vote": c.get_voting_display(),
            "sieges": c.board_seats,
            "cotisation": rules.money(c.dues),
        }
        for c in statutes.colleges.all()
    ]


def _quorum(percent: int) -> str:
    if percent == 0:
        return "L'assemblée délibère valablement quel que soit le nombre de membres présents ou représentés."
    return (
        f"L'assemblée ne délibère valablement que si {percent} % au moins des membres sont présents ou "
        "représentés ; à défaut, une seconde assemblée est convoquée, qui délibère quel que soit ce nombre."
    )


def _proxies(number: int) -> str:
    if not number:
        return "Le vote par procuration n'est pas admis."
    return f"Chaque membre présent peut détenir au plus {count(number, 'pouvoir')}."


def _founder_rows(founders: list[FoundingMember]) -> list[dict]:
    return [
        {
            "nom": f.name,
            "profession": f.profession,
            "college": f.college.name if f.college else "",
            "adresse": f.address,
        }
        for f in founders
    ]


def statuts_context(project: Project) -> dict:
    statutes = _statutes(project)
    seats = rules.seats_of(statutes.colleges.all())
    consultative = [c.name for c in statutes.colleges.all() if c.voting == VotingMode.CONSULTATIVE]
    convention = [c.name for c in statutes.colleges.all() if c.voting == VotingMode.CONVENTION]
    years = statutes.duration_years
    return {
        **_common(project, statutes),
        "objet": _lines(statutes.purpose),
        "duree": f"une durée de {count(years, 'an')}" if years else "une durée illimitée",
        "territoire": statutes.territory,
        "territoire_dans_ri": statutes.territory_in_rules,
        "colleges": _college_rows(statutes),
        "colleges_consultatifs": ", ".join(consultative),
        "colleges_convention": ", ".join(convention),
        "ca_sieges": seats.total,
        "ca_sieges_deliberatifs": seats.deliberative,
        "mandat": count(statutes.board_mandate_years, "an"),
        "bureau": [BureauRole(r).label for r in statutes.bureau_roles],
        "quorum": _quorum(statutes.ag_quorum_percent),
        "majorite": Majority(statutes.ag_majority).label.lower(),
        "majorite_extra": Majority(statutes.extraordinary_majority).label.lower(),
        "pouvoirs": _proxies(statutes.proxies_per_member),
        "ressources": statutes.resources,
        "dissolution": statutes.dissolution_beneficiary,
        "fondateurs": _founder_rows(_founders(project)),
    }


def reglement_context(project: Project) -> dict:
    statutes = _statutes(project)
    return {
        **_common(project, statutes),
        "territoire": statutes.territory if statutes.territory_in_rules else "",
        "articles": [{"titre": i.title, "texte": _lines(i.text)} for i in statutes.rule_items.all()],
        "colleges": _college_rows(statutes),
    }


def _assembly_common(project: Project) -> dict:
    statutes, assembly = _statutes(project), _assembly(project)
    signatory = project.porteurs.filter(role=ProjectMember.Role.PORTEUR).select_related("user").first()
    return {
        **_common(project, statutes),
        "date_ag": day(assembly.held_on, year=True),
        "heure": hour(assembly.held_at),
        "lieu": assembly.place,
        "ordre_du_jour": _lines(assembly.agenda),
        "date_envoi": day(assembly.convened_on or timezone.localdate(), year=True, weekday=False),
        "signataire": (signatory.user.get_full_name() or signatory.user.email) if signatory else "",
    }


def convocation_context(project: Project) -> dict:
    return {**_assembly_common(project), "destinataires": _founder_rows(_founders(project))}


def _presences(by: dict, total: int) -> str:
    present = by[FoundingMember.Attendance.PRESENT]
    represented = by[FoundingMember.Attendance.REPRESENTED]
    absent = by[FoundingMember.Attendance.ABSENT]
    present_text = count(
        len(present),
        "membre fondateur présent",
        "membres fondateurs présents",
        "Aucun membre fondateur présent",
    )
    return (
        f"{present_text}, {count(len(represented), 'représenté', zero='aucun représenté')}, "
        f"{count(len(absent), 'absent', zero='aucun absent')}, sur {total}."
    )


def _votes(assembly: ConstitutiveAssembly) -> str:
    return (
        f"{count(assembly.votes_for, 'voix pour', 'voix pour', 'aucune voix pour')}, "
        f"{count(assembly.votes_against, 'voix contre', 'voix contre', 'aucune voix contre')}, "
        f"{count(assembly.abstentions, 'abstention', zero='aucune abstention')}"
    )


def pv_context(project: Project) -> dict:
    assembly, statutes, founders = _assembly(project), _statutes(project), _founders(project)
    by = {a: [f.name for f in founders if f.attendance == a] for a in FoundingMember.Attendance.values}
    adopted = assembly.statutes_adopted
    order = {r: i for i, r in enumerate(BureauRole.values)}
    bureau = sorted((f for f in founders if f.bureau_role), key=lambda f: order[f.bureau_role])
    return {
        **_assembly_common(project),
        "president_seance": assembly.chaired_by,
        "secretaire_seance": assembly.secretary_name,
        "nb_fondateurs": len(founders),
        "presents": by[FoundingMember.Attendance.PRESENT],
        "representes": by[FoundingMember.Attendance.REPRESENTED],
        "absents": by[FoundingMember.Attendance.ABSENT],
        "votes_pour": assembly.votes_for,
        "votes_contre": assembly.votes_against,
        "abstentions": assembly.abstentions,
        "presences": _presences(by, len(founders)),
        "votes": _votes(assembly),
        "statuts_adoptes": bool(adopted),
        "resultat": "Les statuts sont adoptés." if adopted else "Les statuts ne sont pas adoptés.",
        "administrateurs": [
            {"nom": f.name, "college": f.college.name if f.college else ""}
            for f in founders
            if f.elected_to_board
        ],
        "bureau": [{"fonction": f.get_bureau_role_display(), "nom": f.name} for f in bureau],
        "colleges": _college_rows(statutes) if statutes else [],
        "resolutions": _lines(assembly.resolutions),
    }


CONTEXTS = {
    "statuts": statuts_context,
    "reglement": reglement_context,
    "convocation": convocation_context,
    "pv": pv_context,
}


def generate(project: Project, kind: str, fmt: str = "docx") -> tuple[bytes, str, str]:
    """(content, file name, content type) of the document ``kind``; ``MissingFields`` when it lacks
    something (nothing generated)."""
    found = gaps(project, kind)
    if found:
        raise MissingFields(found)
    spec = KINDS[kind]
    context = CONTEXTS[kind](project)
    name = f"{kind}-{slugify(context['sigle'] or project.name)[:60] or 'association'}"
    if fmt == "pdf":
        return render.render_pdf(spec.key, context), f"{name}.pdf", "application/pdf"
    return render.render_docx(spec.key, context), f"{name}.docx", DOCX


# --- Samples: every name each context gives, with plausible values -----------------------------------------

_COMMON_SAMPLE = {
    "denomination": "Communauté Professionnelle Territoriale de Santé du Pays Fouesnantais",
    "sigle": "CPTS du Pays Fouesnantais",
    "siege": "2 rue de la Mairie, 29170 Fouesnant",
    "date": "7 décembre 2026",
}
_COLLEGES_SAMPLE = [
    {
        "nom": "Collège des professionnels de santé libéraux",
        "membres": "Professionnels de santé libéraux du territoire",
        "vote": "Voix délibérative",
        "sieges": 7,
        "cotisation": "30 €",
    }
]
_FOUNDERS_SAMPLE = [
    {
        "nom": "Solène Le Gall",
        "profession": "Médecin généraliste",
        "college": "Collège des professionnels de santé libéraux",
        "adresse": "MSP de Fouesnant, 29170 Fouesnant",
    }
]
_ASSEMBLY_SAMPLE = {
    **_COMMON_SAMPLE,
    "date_ag": "mardi 12 janvier 2027",
    "heure": "20 h",
    "lieu": "Salle du Celtique, Fouesnant",
    "ordre_du_jour": ["Adoption des statuts", "Élection du conseil d'administration"],
    "date_envoi": "20 décembre 2026",
    "signataire": "Solène Le Gall",
}
SAMPLES = {
    "statuts": {
        **_COMMON_SAMPLE,
        "objet": [rules.PURPOSE.splitlines()[0]],
        "duree": "une durée illimitée",
        "territoire": "7 communes (Fouesnant, Bénodet, …) : 30 000 habitants.",
        "territoire_dans_ri": False,
        "colleges": _COLLEGES_SAMPLE,
        "colleges_consultatifs": "",
        "colleges_convention": "",
        "ca_sieges": 12,
        "ca_sieges_deliberatifs": 12,
        "mandat": "3 ans",
        "bureau": ["Président", "Trésorier", "Secrétaire"],
        "quorum": _quorum(25),
        "majorite": Majority.SIMPLE.label.lower(),
        "majorite_extra": Majority.TWO_THIRDS.label.lower(),
        "pouvoirs": _proxies(2),
        "ressources": rules.RESOURCES,
        "dissolution": rules.DISSOLUTION,
        "fondateurs": _FOUNDERS_SAMPLE,
    },
    "reglement": {
        **_COMMON_SAMPLE,
        "territoire": "",
        "articles": [{"titre": "Adhésion", "texte": ["La demande d'adhésion est adressée au bureau."]}],
        "colleges": _COLLEGES_SAMPLE,
    },
    "convocation": {**_ASSEMBLY_SAMPLE, "destinataires": _FOUNDERS_SAMPLE},
    "pv": {
        **_ASSEMBLY_SAMPLE,
        "president_seance": "Solène Le Gall",
        "secretaire_seance": "Yann Kerléo",
        "nb_fondateurs": 12,
        "presents": ["Solène Le Gall"],
        "representes": ["Yann Kerléo"],
        "absents": [],
        "votes_pour": 11,
        "votes_contre": 0,
        "abstentions": 1,
        "presences": "11 membres fondateurs présents, 1 représenté, aucun absent, sur 12.",
        "votes": "11 voix pour, aucune voix contre, 1 abstention",
        "statuts_adoptes": True,
        "resultat": "Les statuts sont adoptés.",
        "administrateurs": [
            {"nom": "Solène Le Gall", "college": "Collège des professionnels de santé libéraux"}
        ],
        "bureau": [{"fonction": "Président", "nom": "Solène Le Gall"}],
        "colleges": _COLLEGES_SAMPLE,
        "resolutions": ["Le montant des cotisations de la première année est fixé comme indiqué."],
    },
}
