"""The choices of the statuts and their limits (lifecycle.md §5): the texts pre-filled (objet citing
L1434-12 and the ACI missions, ressources, règlement intérieur, ordre du jour), the checks of what is typed
(an absurd number is refused with a French message: a cotisation of 10^12 €, a conseil d'administration of no
seat), and the warnings that do not refuse (the libéraux without a majority of the CA's seats, a dénomination
that does not say « Communauté Professionnelle Territoriale de Santé »)."""

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from association.models import BureauRole, CollegeKind, Majority, VotingMode
from opencpts.errors import ActionError

FULL_NAME = "Communauté Professionnelle Territoriale de Santé"
MAX_DUES = Decimal("5000")  # € a year: far above what a CPTS asks (tens of euros); beyond it, a typing error
MAX_SEATS_PER_COLLEGE = 30
MIN_BOARD, MAX_BOARD = 3, 60  # a CA needs at least a président, a trésorier and a secrétaire
MAX_COLLEGES = 8
MAX_DURATION_YEARS = 99
MAX_MANDATE_YEARS = 6
MAX_PROXIES = 10
TEXT_LIMIT = 10_000
REQUIRED_BUREAU = (BureauRole.PRESIDENT, BureauRole.TREASURER)

PURPOSE = (
    "Conformément à l'article L. 1434-12 du code de la santé publique, l'association a pour objet de "
    "réunir les professionnels de santé du territoire, de premier et de second recours, les acteurs "
    "médico-sociaux et sociaux, autour d'un projet de santé élaboré en commun, afin de mieux coordonner "
    "leurs actions et de contribuer à la structuration des parcours de santé des patients.\n"
    "Elle met en œuvre les missions prévues par l'accord conventionnel interprofessionnel (ACI) en faveur "
    "du développement de l'exercice coordonné et du déploiement des communautés professionnelles "
    "territoriales de santé :\n"
    "1° l'amélioration de l'accès aux soins (accès à un médecin traitant, prise en charge des soins non "
    "programmés en ville, développement du recours à la télésanté) ;\n"
    "2° la réponse aux crises sanitaires graves ;\n"
    "3° l'organisation de parcours pluriprofessionnels autour du patient ;\n"
    "4° le développement d'actions territoriales de prévention ;\n"
    "5° le développement de la qualité et de la pertinence des soins ;\n"
    "6° l'accompagnement des professionnels de santé sur le territoire."
)
RESOURCES = (
    "Les ressources de l'association comprennent : les cotisations de ses membres ; les financements de "
    "l'Assurance Maladie au titre de l'accord conventionnel interprofessionnel ; les subventions de l'État, "
    "de l'agence régionale de santé (fonds d'intervention régional), des collectivités territoriales et de "
    "tout organisme public ; les dons manuels et toute ressource autorisée par la loi."
)
DISSOLUTION = "une ou plusieurs associations poursuivant un but similaire, désignées par l'assemblée générale"
DEFAULT_COLLEGES = (
    {
        "kind": CollegeKind.LIBERAL,
        "name": "Collège des professionnels de santé libéraux",
        "members_desc": "Professionnels de santé libéraux exerçant sur le territoire, seuls ou en équipe "
        "(MSP, ESP, centres de santé)",
        "voting": VotingMode.DELIBERATIVE,
        "board_seats": 7,
        "dues": Decimal("30"),
    },
    {
        "kind": CollegeKind.ESTABLISHMENT,
        "name": "Collège des établissements, structures et associations",
        "members_desc": "Établissements de santé, médico-sociaux et sociaux, associations d'usagers et de "
        "prévention du territoire, représentés par une personne désignée",
        "voting": VotingMode.DELIBERATIVE,
        "board_seats": 3,
        "dues": Decimal("100"),
    },
    {
        "kind": CollegeKind.SALARIED,
        "name": "Collège des professionnels salariés",
        "members_desc": "Professionnels de santé salariés exerçant sur le territoire",
        "voting": VotingMode.DELIBERATIVE,
        "board_seats": 2,
        "dues": Decimal("15"),
    },
)
DEFAULT_BUREAU = [
    BureauRole.PRESIDENT,
    BureauRole.VICE_PRESIDENT,
    BureauRole.TREASURER,
    BureauRole.SECRETARY,
]
DEFAULT_RULES = (
    (
        "Adhésion",
        "La demande d'adhésion est adressée au bureau, qui l'examine lors de sa réunion suivante. "
        "L'adhérent précise son collège ; la qualité de membre est acquise au paiement de la cotisation.",
    ),
    (
        "Cotisation",
        "Le montant de la cotisation de chaque collège est fixé chaque année par l'assemblée générale. "
        "Elle est due pour l'année civile, à l'adhésion puis au 1er janvier.",
    ),
    (
        "Radiation",
        "Avant toute radiation pour motif grave, le membre est informé par écrit des faits qui lui sont "
        "reprochés et invité à présenter ses explications devant le conseil d'administration, assisté de la "
        "personne de son choix.",
    ),
    (
        "Groupes de travail",
        "Le conseil d'administration peut constituer des groupes de travail par mission ; chaque groupe a un "
        "pilote qui rend compte au conseil.",
    ),
    (
        "Confidentialité",
        "Les membres sont tenus à la confidentialité des informations relatives aux patients qu'ils "
        "échangent dans le cadre de l'association, dans le respect du secret professionnel.",
    ),
    (
        "Remboursement de frais et indemnisation",
        "Les frais engagés pour l'association et le temps consacré à ses missions sont indemnisés selon un "
        "barème adopté par le conseil d'administration, sur justificatifs.",
    ),
)
DEFAULT_AGENDA = (
    "Présentation du projet de CPTS et du projet de santé",
    "Adoption des statuts",
    "Élection du conseil d'administration",
    "Élection du bureau",
    "Fixation du montant des cotisations",
    "Adoption du règlement intérieur",
    "Mandat donné au président pour les formalités de déclaration",
)


def _text(value, limit: int, label: str, field: str) -> str:
    text = str(value or "").strip()
    if len(text) > limit:
        raise ActionError(f"{label} : {limit} caractères au plus.", field)
    return text


def number(value, label: str, field: str, low: int, high: int, *, blank_ok: bool = False) -> int | None:
    if value in (None, ""):
        if blank_ok:
            return None
        raise ActionError(f"{label} : indiquez un nombre.", field)
    try:
        number = int(str(value).strip())
    except ValueError:
        raise ActionError(f"{label} : indiquez un nombre entier.", field) from None
    if not low <= number <= high:
        raise ActionError(f"{label} : un nombre entre {low} et {high} est attendu (reçu : {number}).", field)
    return number


def euros(value, label: str, field: str) -> Decimal:
    """An amount in euros typed « 30 », « 30,50 » or « 1 200 »: 0 to ``MAX_DUES``, cents at most."""
    text = re.sub(r"[\s\u202f€]", "", str(value if value is not None else "")).replace(",", ".")
    if not text:
        raise ActionError(f"{label} : indiquez un montant en euros (0 si aucune cotisation).", field)
    try:
        amount = Decimal(text)
    except InvalidOperation:
        raise ActionError(f"{label} : « {value} » n'est pas un montant en euros.", field) from None
    if not amount.is_finite():
        raise ActionError(f"{label} : « {value} » n'est pas un montant en euros.", field)
    if amount < 0:
        raise ActionError(f"{label} : le montant ne peut pas être négatif.", field)
    if amount > MAX_DUES:
        raise ActionError(
            f"{label} : {money(amount)} par an n'est pas une cotisation plausible "
            f"(au plus {money(MAX_DUES)}).",
            field,
        )
    if amount != amount.quantize(Decimal("0.01")):
        raise ActionError(f"{label} : le montant s'écrit au centime près.", field)
    return amount.quantize(Decimal("0.01"))


def money(amount: Decimal | None) -> str:
    """« 30 € », « 30,50 € », « 1 200 € »."""
    if amount is None:
        return ""
    amount = Decimal(amount)
    whole = int(amount)
    cents = int((amount - whole) * 100)
    text = f"{whole:,}".replace(",", "\u202f")
    return f"{text},{cents:02d} €" if cents else f"{text} €"


def clean_statutes(data: dict) -> dict:
    """The statuts' fields as typed, checked; blanks are kept (a draft), absurd values refused."""
    roles = [r for r in BureauRole.values if r in (data.get("bureau_roles") or [])]
    out = {
        "name": _text(data.get("name"), 200, "Dénomination", "name"),
        "short_name": _text(data.get("short_name"), 100, "Sigle", "short_name"),
        "seat_address": _text(data.get("seat_address"), 255, "Adresse du siège", "seat_address"),
        "purpose": _text(data.get("purpose"), TEXT_LIMIT, "Objet", "purpose"),
        "duration_years": number(
            data.get("duration_years"), "Durée", "duration_years", 1, MAX_DURATION_YEARS, blank_ok=True
        ),
        "territory": _text(data.get("territory"), TEXT_LIMIT, "Territoire", "territory"),
        "territory_in_rules": bool(data.get("territory_in_rules")),
        "board_mandate_years": number(
            data.get("board_mandate_years"), "Mandat des administrateurs", "board_mandate_years", 1, 6
        ),
        "bureau_roles": roles,
        "ag_quorum_percent": number(data.get("ag_quorum_percent"), "Quorum", "ag_quorum_percent", 0, 100),
        "proxies_per_member": number(
            data.get("proxies_per_member"), "Pouvoirs par membre", "proxies_per_member", 0, MAX_PROXIES
        ),
        "resources": _text(data.get("resources"), TEXT_LIMIT, "Ressources", "resources"),
        "dissolution_beneficiary": _text(
            data.get("dissolution_beneficiary"), 300, "Dévolution de l'actif", "dissolution_beneficiary"
        ),
    }
    for field in ("ag_majority", "extraordinary_majority"):
        if data.get(field) not in Majority.values:
            raise ActionError("Choisissez la majorité requise.", field)
        out[field] = data[field]
    missing = [BureauRole(r).label.lower() for r in REQUIRED_BUREAU if r not in roles]
    if missing:
        raise ActionError(f"Le bureau comprend au moins un {' et un '.join(missing)}.", "bureau_roles")
    return out


def clean_college(row: dict, index: int) -> dict:
    where = f"Collège n° {index}"
    name = _text(row.get("name"), 200, where, "colleges")
    if not name:
        raise ActionError(f"{where} : donnez-lui un nom.", "colleges")
    if row.get("kind") not in CollegeKind.values:
        raise ActionError(f"{where} ({name}) : choisissez son type.", "colleges")
    if row.get("voting") not in VotingMode.values:
        raise ActionError(f"{where} ({name}) : choisissez son mode de vote.", "colleges")
    seats = number(
        row.get("board_seats"), f"{where} ({name}), sièges au CA", "colleges", 0, MAX_SEATS_PER_COLLEGE
    )
    if row["voting"] == VotingMode.DELIBERATIVE and seats == 0:
        raise ActionError(
            f"{where} ({name}) : un collège à voix délibérative a au moins un siège au conseil "
            "d'administration.",
            "colleges",
        )
    if row["voting"] == VotingMode.CONVENTION and seats:
        raise ActionError(
            f"{where} ({name}) : un collège associé par convention ne siège pas au conseil d'administration "
            "(0 siège), ou choisissez la voix consultative.",
            "colleges",
        )
    return {
        "id": row.get("id") or None,
        "kind": row["kind"],
        "name": name,
        "members_desc": _text(row.get("members_desc"), 500, f"{where}, membres", "colleges"),
        "voting": row["voting"],
        "board_seats": seats,
        "dues": euros(row.get("dues"), f"{where} ({name}), cotisation", "colleges"),
    }


def clean_colleges(rows: list[dict], bureau_size: int) -> list[dict]:
    colleges = [clean_college(row, i) for i, row in enumerate(rows, 1)]
    if not colleges:
        raise ActionError("Indiquez au moins un collège (par exemple celui des libéraux).", "colleges")
    if len(colleges) > MAX_COLLEGES:
        raise ActionError(f"{MAX_COLLEGES} collèges au plus.", "colleges")
    names = [c["name"].lower() for c in colleges]
    if len(set(names)) != len(names):
        raise ActionError("Deux collèges portent le même nom.", "colleges")
    seats = sum(c["board_seats"] for c in colleges)
    if not MIN_BOARD <= seats <= MAX_BOARD:
        raise ActionError(
            f"Le conseil d'administration compterait {seats} siège{'s' if seats > 1 else ''} : entre "
            f"{MIN_BOARD} et {MAX_BOARD} sièges sont attendus.",
            "colleges",
        )
    if bureau_size > seats:
        raise ActionError(
            f"Le bureau ({bureau_size} fonctions) est élu au sein du conseil d'administration "
            f"({seats} sièges) : il ne peut pas compter plus de membres.",
            "bureau_roles",
        )
    return colleges


@dataclass(frozen=True)
class Seats:
    total: int
    liberal: int
    deliberative: int


def seats_of(colleges) -> Seats:
    """The CA's seats: in all, of the libéraux collèges, with a deliberative vote."""
    rows = [(c.kind, c.voting, c.board_seats) for c in colleges]
    return Seats(
        total=sum(s for _, _, s in rows),
        liberal=sum(s for k, _, s in rows if k == CollegeKind.LIBERAL),
        deliberative=sum(s for _, v, s in rows if v == VotingMode.DELIBERATIVE),
    )


def warnings(statutes) -> list[str]:
    """What the statuts allow but should not (URPS ML Occitanie « Outil 2 », 2021: the visible weight of the
    libéraux and first-line care)."""
    if statutes is None:
        return []
    out = []
    colleges = list(statutes.colleges.all())
    seats = seats_of(colleges)
    if colleges and not any(c.kind == CollegeKind.LIBERAL for c in colleges):
        out.append(
            "Aucun collège de professionnels libéraux : le premier recours doit être visible dans la CPTS."
        )
    elif seats.total and seats.liberal * 2 <= seats.total:
        out.append(
            f"Les libéraux n'ont pas la majorité du conseil d'administration ({seats.liberal} sièges sur "
            f"{seats.total}) : le poids des libéraux et du premier recours doit rester visible."
        )
    if statutes.name and FULL_NAME.lower() not in statutes.name.lower():
        out.append(
            f"La dénomination d'une CPTS est d'usage « {FULL_NAME} … » (sigle « CPTS … ») : "
            f"« {statutes.name} » ne le dit pas."
        )
    return out
