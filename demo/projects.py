"""Demo data of the projects app: beside CPTS Bugey Sud, a synthetic projet de CPTS in Bretagne (the région of
seed 004's AMI) on the real communes of the CC du Pays Fouesnantais (Finistère, about 30,000 inhabitants), its
two synthetic porteurs, a structure associated, its AMI sent to the ARS Bretagne, then its lettre d'intention
(pre-filled from the project, its diagnostic in annex) sent too: the project is at the stage « lettre
d'intention ». Written through the projects app's actions, as the porteurs would. Idempotent."""

import datetime as dt
import random
import secrets

from django.utils import timezone

from accounts import twofactor
from accounts.models import User
from demo.accounts import DOMAIN, DemoLogin, _professional
from healthplan import actions as plan
from projects import actions, letter, submission
from projects import territory as rules
from projects.models import Project
from territory.models import EPCI, Commune

NAME = "Projet de CPTS du Pays Fouesnantais (démonstration)"
EPCI_SIREN = "242900660"  # CC du Pays Fouesnantais
PORTEURS = [
    # email local part, first name, last name, profession code (TRE_G15), label
    ("porteuse-fouesnant", "Solène", "Le Gall", "10", "porteuse du projet de CPTS en Bretagne (médecin)"),
    ("coporteur-fouesnant", "Yann", "Kerjean", "60", "co-porteur du projet de CPTS en Bretagne (infirmier)"),
]
STARTED = dt.date(2026, 9, 1)
SENT_AT = dt.datetime(2026, 10, 5, 10, 30, tzinfo=dt.UTC)
LETTER_SENT_AT = dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.UTC)


def _account(password: str, rng, local, first, last, code, commune) -> User:
    user = User.objects.filter(email=f"{local}@{DOMAIN}").first()
    if user is not None:
        return user
    pro = _professional(rng, "TRE_G15", code, "SM54" if code == "10" else "", first, last, commune)
    user = User.objects.create_user(
        f"{local}@{DOMAIN}", password, first_name=first, last_name=last, is_synthetic=True, professional=pro
    )
    twofactor.enrol_with_key(user, secrets.token_hex(20))
    return user


def _ami(porteuse: User, coporteur: User) -> dict:
    return {
        "acteurs": [
            {"nom": porteuse.get_full_name(), "profession": "Médecin généraliste", "lieu": "Fouesnant"},
            {
                "nom": coporteur.get_full_name(),
                "profession": "Infirmier",
                "lieu": "Bénodet",
                "msp_esp": "non",
            },
            {
                "nom": "Centre hospitalier de Cornouaille (démonstration)",
                "profession": "Établissement de santé",
                "lieu": "Quimper",
                "msp_esp": "non",
                "remarque": "Partenaire pour les sorties d'hospitalisation (données synthétiques).",
            },
        ],
        "referents": [
            {
                "nom": porteuse.get_full_name(),
                "fonction": "Médecin généraliste, porteuse du projet",
                "email": porteuse.email,
                "telephone": "02 98 00 00 01",
            }
        ],
        "objectifs": ["reflexion", "initiative"],
        "contexte": (
            "Données de démonstration : trois médecins généralistes partent en retraite d'ici deux ans ; les "
            "professionnels du Pays Fouesnantais souhaitent organiser l'accès à un médecin traitant et les "
            "soins non programmés, en lien avec l'hôpital de Quimper."
        ),
        "territoire": "",
        "rencontre": "2026-11-16",
    }


def _letter(project: Project, sent_on: dt.date) -> dict:
    """The letter as the porteurs complete it: the pre-filled fields (acteurs, territory, patients, key
    figures of the diagnostic, start of construction) and the items only they can write."""
    data = letter.initial_letter(project)
    data.update(
        {
            "problematique": (
                "Données de démonstration : trois médecins généralistes partent en retraite d'ici deux ans "
                "et environ 2 000 habitants n'ont plus de médecin traitant ; les demandes de soins non "
                "programmés se reportent sur les urgences de Quimper, en particulier l'été."
            ),
            "modalites": (
                "Échanges informels entre les cabinets de Fouesnant et de Bénodet, une réunion trimestrielle "
                "avec les infirmiers libéraux, une messagerie sécurisée partagée avec l'hôpital de Quimper."
            ),
            "moyens": (
                "Une organisation des soins non programmés entre cabinets, un accueil des nouveaux patients "
                "sans médecin traitant, des sorties d'hospitalisation préparées avec le centre hospitalier."
            ),
            "objectif_patients": "Un médecin traitant pour chaque patient en ALD, une réponse le jour même.",
            "objectif_acteurs": "Rompre l'exercice isolé et attirer de jeunes professionnels.",
            "pta_dac": "oui",
            "articulation": (
                "Le DAC du Finistère (démonstration) sera associé au comité de pilotage pour les situations "
                "complexes."
            ),
            "depot": (sent_on + dt.timedelta(days=300)).isoformat(),
            "mise_en_oeuvre": (sent_on + dt.timedelta(days=420)).isoformat(),
            "orientations": {
                "access": "Accueil des patients sans médecin traitant, soins non programmés entre cabinets.",
                "pathways": "Sorties d'hospitalisation des personnes âgées avec le centre hospitalier.",
                "prevention": "Dépistage du cancer colorectal avec les pharmacies.",
                "crisis": "Un plan de réponse aux crises sanitaires avec la mairie de Fouesnant.",
            },
        }
    )
    data["partenaires"].append(
        {"nom": "DAC du Finistère (démonstration)", "type": "DAC", "statut": "a_associer"}
    )
    return data


def seed_project(password: str, rng_seed: int = 2026) -> Project | None:
    """The demo project, created once; None when it is there or the communes are not loaded."""
    if Project.objects.filter(name=NAME, is_synthetic=True).exists():
        return None
    epci = EPCI.objects.filter(siren=EPCI_SIREN).first()
    commune = Commune.objects.filter(epci=epci, kind="COM").order_by("-population").first() if epci else None
    if commune is None:
        return None
    # Its own sequence: the CPTS's demo drew its synthetic RPPS numbers from ``rng_seed`` already.
    rng = random.Random(f"projects-{rng_seed}")  # noqa: S311 - synthetic demo data, not security
    users = [
        _account(password, rng, local, first, last, code, commune) for local, first, last, code, _ in PORTEURS
    ]
    porteuse, coporteur = users
    project = actions.create_project(porteuse, NAME, on=STARTED, is_synthetic=True)
    invitation = actions.invite(project, porteuse, email=coporteur.email)
    actions.answer_invitation(coporteur, invitation.pk, accept=True)
    actions.add_partner(
        project, porteuse, name="Centre hospitalier de Cornouaille (démonstration)", kind="hopital"
    )
    rules.add_epci(project, epci, porteuse)
    actions.save_ami(project, _ami(porteuse, coporteur), porteuse)
    submission.submit_ami(project, porteuse, now=min(SENT_AT, timezone.now()))
    letter_at = min(LETTER_SENT_AT, timezone.now())
    actions.save_letter(project, _letter(project, timezone.localdate(letter_at)), porteuse)
    submission.submit_letter(project, porteuse, now=letter_at)
    _health_plan_draft(project, porteuse, coporteur)
    project.refresh_from_db()
    return project


# The projet de santé the porteurs write after their letter: a chapter and two fiches-actions (synthetic).
PLAN_CONTEXT = (
    "Sept communes du littoral sud-finistérien, une population qui double l'été. Deux MSP (Fouesnant, "
    "Bénodet), un centre hospitalier à Quimper, un DAC départemental.\n"
    "Les porteurs se réunissent depuis 2024 autour du maintien à domicile des personnes âgées fragiles."
)
PLAN_SHEETS = [
    {
        "mission": "access",
        "title": "Un médecin traitant pour les patients en ALD",
        "pilot": "Dr Solène Le Gall (démonstration)",
        "objective": "Réduire le nombre de patients en ALD sans médecin traitant sur le territoire.",
        "actions": "Repérer les patients avec la CPAM.\nLes proposer aux médecins qui ont de la place.",
        "partners": "CPAM du Finistère\nMSP de Fouesnant",
        "schedule": "Dès la signature de l'ACI, bilan chaque trimestre.",
        "means": "Une coordinatrice à mi-temps, la liste d'attente de la plateforme.",
        "indicators": [
            {
                "name": "Patients en ALD sans médecin traitant",
                "unit": "count",
                "direction": "lower",
                "baseline": "220",
                "target": "100",
                "source_note": "CPAM, liste des patients sans MT",
            },
        ],
    },
    {
        "mission": "prevention",
        "title": "Dépistage du cancer colorectal",
        "pilot": "Yann Kerjean (démonstration)",
        "objective": "Augmenter la participation au dépistage organisé.",
        "actions": "Remise des kits par les pharmaciens et les infirmiers.\nMars bleu sur les marchés.",
        "partners": "Centre régional de coordination des dépistages des cancers",
        "schedule": "Chaque année en mars.",
        "means": "Kits fournis par le CRCDC ; temps de coordination.",
        "indicators": [
            {
                "name": "Taux de participation au dépistage colorectal",
                "unit": "percent",
                "direction": "higher",
                "baseline": "28,5",
                "target": "35",
                "source_note": "Santé publique France",
            },
        ],
    },
]


def _health_plan_draft(project: Project, porteuse: User, coporteur: User) -> None:
    plan.save_chapter(project, "contexte", PLAN_CONTEXT, 0, porteuse)
    for data, author in zip(PLAN_SHEETS, (porteuse, coporteur), strict=True):
        plan.create_sheet(project, author, data)


def logins() -> list[DemoLogin]:
    from django_otp.plugins.otp_totp.models import TOTPDevice

    out = []
    for local, *_, label in PORTEURS:
        email = f"{local}@{DOMAIN}"
        device = TOTPDevice.objects.filter(user__email=email, confirmed=True).first()
        if device is not None:
            out.append(DemoLogin(email, label, twofactor.secret_b32(device)))
    return out
