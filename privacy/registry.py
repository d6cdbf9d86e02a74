"""The registre des activités de traitement (art. 30 RGPD) of one CPTS, built from what the platform does.

Nothing here is static prose about a platform in general: each processing names the rule that decides it
and reads the figure from where that rule reads it — the CPTS's retention of closed care circles
(``coordination.retention.settings_for``), its médecin-traitant policy (``gpmatching.models.Policy``), the
confirmation and closing delays of the waiting list (``gpmatching.intake``, ``gpmatching.retention``), where
notification e-mails go (``NOTIFICATION_EMAIL_RECIPIENT``), whether trusted devices, Web Push, the SAS
interface and the document keys are configured. Change a setting and the registre, and the notices built
from it (``privacy/notices.py``), say the new thing: one source of truth.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

from django.conf import settings
from django.utils import timezone

from accounts import trust
from coordination import retention as circle_retention
from cpts.models import CPTS
from cpts.scoping import scoped
from gpmatching import retention as gp_retention
from gpmatching.intake import CONFIRMATION_DAYS
from gpmatching.models import Policy
from opencpts.french import count

# Who a processing concerns, for the notices: patients, professionals, visitors of the public forms.
PATIENTS, PROFESSIONALS, PUBLIC = "patients", "professionnels", "public"
AUDIENCES = {
    PATIENTS: "Patients",
    PROFESSIONALS: "Professionnels",
    PUBLIC: "Formulaire public (patients sans médecin traitant)",
}

# Legal bases, said once (RGPD art. 6 and 9).
PUBLIC_INTEREST = (
    "Mission d'intérêt public confiée aux CPTS (art. 6-1-e RGPD ; art. L1434-12 du code de la santé publique)"
)
HEALTH_CARE = (
    "Données de santé : prise en charge sanitaire ou sociale par des professionnels tenus au secret (art. "
    "9-2-h "
    "RGPD) ; échange entre professionnels de l'équipe de soins (art. L1110-4 du code de la santé publique)"
)
CONSENT_SHARING = (
    "Consentement du patient au partage dans le cercle de soins, recueilli et enregistré avant tout partage, "
    "retirable à tout moment"
)
CONSENT_FORM = "Consentement de la personne qui remplit le formulaire (art. 6-1-a et 9-2-a RGPD)"
LEGITIMATE_INTEREST = "Intérêt légitime de la CPTS à fonctionner comme association (art. 6-1-f RGPD)"
LEGAL_OBLIGATION_SECURITY = (
    "Obligation de sécurité et de traçabilité des accès aux données de santé (art. 32 RGPD ; art. L1111-8 et "
    "référentiels de sécurité du code de la santé publique)"
)


@dataclasses.dataclass(frozen=True)
class Processing:
    key: str
    name: str
    purposes: list[str]
    legal_bases: list[str]
    persons: list[str]
    data: list[str]
    recipients: list[str]
    retention: list[str]
    audiences: tuple[str, ...]
    health_data: bool = False
    rules: tuple[str, ...] = ()  # the modules that decide it (shown in the registre: where to check)


@dataclasses.dataclass(frozen=True)
class Registre:
    cpts_name: str
    generated_at: dt.datetime
    processings: list[Processing]
    security: list[str]
    transfers: list[str]
    erasure_limits: list[str]

    def for_audience(self, audience: str) -> list[Processing]:
        return [p for p in self.processings if audience in p.audiences]


def _days(n: int) -> str:
    return count(n, "jour", "jours")


def _months(n: int) -> str:
    return f"{n} mois"


def _gp_policy(cpts: CPTS) -> Policy:
    """The CPTS's policy, or the defaults it would get (read only: building the registre writes nothing)."""
    return scoped(Policy, cpts).first() or Policy(cpts=cpts)


def _email_recipients() -> str:
    if settings.NOTIFICATION_EMAIL_RECIPIENT == "mssante":
        return (
            "Messagerie sécurisée de santé (MSSanté) : les e-mails de notification partent vers l'adresse "
            "MSSanté "
            "de l'annuaire de chaque professionnel, par un relais de l'espace de confiance MSSanté"
        )
    return (
        "Service de messagerie du professionnel (adresse de connexion) : les e-mails de notification ne "
        "contiennent "
        "que des formules fixes et un lien, jamais de contenu clinique"
    )


def _push_recipient() -> list[str]:
    if not (settings.VAPID_PUBLIC_KEY and settings.VAPID_PRIVATE_KEY) and not settings.VAPID_DEV_KEYS:
        return []
    hosts = ", ".join(settings.WEB_PUSH_ALLOWED_HOSTS)
    return [
        "Services de notification des navigateurs (Web Push : "
        + hosts
        + ") : message chiffré de bout en bout (RFC 8291), formules fixes sans donnée de santé"
    ]


def _circle_processing(cpts: CPTS) -> Processing:
    days = circle_retention.settings_for(cpts).closed_circle_retention_days
    return Processing(
        key="coordination",
        name="Coordination des soins autour d'un patient (cercles de soins)",
        purposes=[
            "Organiser la prise en charge d'un patient entre les professionnels qui le suivent : messages, "
            "documents, rendez-vous de concertation",
        ],
        legal_bases=[PUBLIC_INTEREST, HEALTH_CARE, CONSENT_SHARING],
        persons=[
            "Patients suivis",
            "Leurs proches déclarés (aidant, personne de confiance, responsable légal)",
        ],
        data=[
            "Identité du patient (nom, prénoms, date de naissance, sexe, adresse, téléphone, NIR s'il est "
            "donné)",
            "Proches : nom, lien, téléphone, e-mail",
            "Consentement : date, modalité, portée, retrait",
            "Messages et documents échangés (données de santé)",
        ],
        recipients=[
            "Les seuls membres actifs du cercle de soins, professionnels invités par l'équipe de soins ; la "
            "coordination de la CPTS gère les cercles sans en lire le contenu",
        ],
        retention=[
            f"Cercle ouvert : tant que la prise en charge le nécessite ; cercle clôturé : {_days(days)} "
            "après la "
            "clôture, puis suppression définitive des messages, documents, consentements et membres, et du "
            "patient s'il n'est plus dans aucun groupe (commande purge_closed_circles)",
        ],
        audiences=(PATIENTS,),
        health_data=True,
        rules=("coordination/retention.py", "coordination/access.py"),
    )


def _gp_processing(cpts: CPTS) -> Processing:
    policy = _gp_policy(cpts)
    return Processing(
        key="gpmatching",
        name="Recherche d'un médecin traitant pour les patients qui n'en ont pas",
        purposes=["Inscrire les patients sans médecin traitant, les prioriser et leur proposer un médecin"],
        legal_bases=[PUBLIC_INTEREST, HEALTH_CARE, CONSENT_FORM + " pour une demande faite en ligne"],
        persons=["Patients sans médecin traitant", "Médecins généralistes adhérents"],
        data=[
            "Identité et coordonnées (nom, prénom, date de naissance, téléphone, e-mail, commune, adresse)",
            "Situation déclarée (affection de longue durée, âge, précarité…) servant à la priorité",
            "NIR s'il est donné",
        ],
        recipients=[
            "La coordination de la CPTS (liste d'attente)",
            "Le médecin à qui la demande est proposée",
        ],
        retention=[
            f"Demande placée : {_days(policy.keep_after_placement_days)} après l'acceptation par un médecin",
            f"Demande en attente : {_months(policy.keep_waiting_months)} au plus",
            f"Demande non confirmée : {_days(CONFIRMATION_DAYS)}",
            f"Demande retirée ou fusionnée : {_days(gp_retention.CLOSED_DAYS)}",
            "Seul un décompte anonyme des attributions est gardé pour les indicateurs",
        ],
        audiences=(PATIENTS, PUBLIC),
        health_data=True,
        rules=("gpmatching/retention.py", "gpmatching/intake.py"),
    )


def _snp_processing() -> Processing:
    return Processing(
        key="unscheduled",
        name="Soins non programmés : créneaux et réservations",
        purposes=["Trouver et réserver un créneau de soins non programmés pour un patient"],
        legal_bases=[PUBLIC_INTEREST, HEALTH_CARE],
        persons=["Patients orientés", "Professionnels qui publient des créneaux"],
        data=[
            "Identité et coordonnées du patient, motif de la demande",
            "Créneaux publiés des professionnels",
        ],
        recipients=[
            "Le professionnel qui a réservé et celui qui reçoit le patient",
            "Le patient, informé de son rendez-vous (date, heure, lieu, professionnel ; jamais le motif)",
        ]
        + (
            ["Le Service d'accès aux soins (SAS), qui lit les créneaux libres par l'interface SAS (mTLS)"]
            if settings.SAS_ALLOWED_CN
            else []
        ),
        retention=[
            "Aucune suppression automatique des réservations n'est en place aujourd'hui : durée à fixer par "
            "le "
            "responsable de traitement et à appliquer par une règle de purge"
        ],
        audiences=(PATIENTS,),
        health_data=True,
        rules=("unscheduled/booking.py",),
    )


def _members_processing() -> Processing:
    session = settings.SESSION_COOKIE_AGE // 60
    hours = settings.TRUSTED_SESSION_SECONDS // 3600
    trusted = (
        f"appareils de confiance ({_days(trust.DAYS)}, sessions de {hours} h sans activité)"
        if settings.OPENCPTS_TRUSTED_DEVICES
        else "pas d'appareil de confiance (le code est demandé à chaque connexion)"
    )
    return Processing(
        key="members",
        name="Comptes, adhésions et vie de la CPTS",
        purposes=[
            "Ouvrir un compte, se connecter avec un second facteur, adhérer à la CPTS, cotisations, bureau, "
            "actualités, annuaire des adhérents, messagerie entre professionnels",
            f"Connexion : session de {session} min sans activité ; {trusted}",
        ],
        legal_bases=[LEGITIMATE_INTEREST, PUBLIC_INTEREST],
        persons=["Professionnels de santé et personnels des structures partenaires", "Référents ARS / CPAM"],
        data=[
            "Identité professionnelle (nom, prénom, RPPS ou ADELI, profession, lieux d'exercice) issue de "
            "l'annuaire national (RPPS) et déclarée",
            "Adresse e-mail, mot de passe (empreinte), second facteur, appareils de confiance",
            "Adhésion, rôle, cotisations",
        ],
        recipients=[
            "Les adhérents de la CPTS (annuaire)",
            "La coordination et le bureau",
            _email_recipients(),
        ]
        + _push_recipient(),
        retention=[
            "Tant que le compte et l'adhésion existent ; l'annuaire national est mis à jour à chaque import "
            "RPPS "
            "(un professionnel absent devient inactif)",
        ],
        audiences=(PROFESSIONALS,),
        rules=("accounts/trust.py", "notifications/delivery.py"),
    )


def _audit_processing() -> Processing:
    return Processing(
        key="audit",
        name="Journal d'audit (traçabilité des accès et des modifications)",
        purposes=["Tracer qui a consulté, exporté, créé, modifié ou supprimé quoi, et les connexions"],
        legal_bases=[LEGAL_OBLIGATION_SECURITY],
        persons=["Utilisateurs de la plateforme", "Patients (objet des consultations tracées)"],
        data=[
            "Date, action, auteur (identifiant, nom affiché, adresse IP), objet concerné (type, numéro, "
            "libellé), "
            "noms des champs modifiés — jamais leurs valeurs ni le contenu clinique",
        ],
        recipients=["La coordination de la CPTS (journal de sa CPTS)", "L'administrateur de l'instance"],
        retention=[
            "Conservé sans limite de durée dans l'application : aucune purge n'est programmée ; chaîne "
            "signée "
            "(HMAC) et en ajout seul, qui ne peut pas être modifiée ni effacée entrée par entrée",
        ],
        audiences=(PATIENTS, PROFESSIONALS),
        rules=("audit/log.py", "audit/signals.py"),
    )


def _privacy_processing() -> Processing:
    return Processing(
        key="privacy",
        name="Exercice des droits des personnes",
        purposes=[
            "Recevoir, suivre et répondre aux demandes d'accès, de rectification, d'opposition et "
            "d'effacement"
        ],
        legal_bases=["Obligation légale (art. 6-1-c et art. 12 à 21 RGPD)"],
        persons=["Personnes qui exercent leurs droits et leurs représentants"],
        data=[
            "Nom du demandeur, droit exercé, dates, réponse apportée ; empreinte (SHA-256) des copies "
            "remises, "
            "jamais leur contenu",
        ],
        recipients=["La coordination de la CPTS", "Le délégué à la protection des données"],
        retention=["Tant que la CPTS existe (preuve de la réponse apportée)"],
        audiences=(PATIENTS, PROFESSIONALS, PUBLIC),
        rules=("privacy/actions.py",),
    )


def security_measures() -> list[str]:
    """What protects the data, read from the settings in force."""
    measures = [
        "Second facteur (TOTP) obligatoire pour tout rôle qui accède à des données de patients et pour "
        "l'administration de l'instance",
        "Limitation des tentatives de connexion : "
        f"{settings.LOGIN_MAX_FAILURES_PER_ACCOUNT} échecs par compte, {settings.LOGIN_MAX_FAILURES_PER_IP} "
        "par "
        f"adresse, blocage de {settings.LOGIN_LOCKOUT_SECONDS // 60} min",
        f"Session fermée après {settings.SESSION_COOKIE_AGE // 60} min sans activité",
        (
            f"Appareils de confiance activés : {_days(trust.DAYS)}, révocables un par un, invalidés par un "
            "changement de mot de passe"
            if settings.OPENCPTS_TRUSTED_DEVICES
            else "Appareils de confiance désactivés : le second facteur est demandé à chaque connexion"
        ),
        "Accès aux cercles de soins réservé à leurs membres actifs, partage clinique seulement sous un "
        "consentement valide",
    ]
    keys = len(settings.OPENCPTS_DOCUMENT_KEYS)
    measures.append(
        f"Documents chiffrés au repos en AES-256-GCM ({count(keys, 'clé configurée', 'clés configurées')}, "
        "rotation possible), type vérifié sur le contenu"
        if keys
        else "Documents : aucune clé de chiffrement configurée, l'envoi de documents est refusé"
    )
    measures.append(
        "Contenus des documents chiffrés dans la base de données, avec leurs métadonnées"
        if settings.OPENCPTS_DOCUMENT_STORE == "database"
        else "Contenus des documents chiffrés (AES-256-GCM dans l'application) puis déposés sur un stockage "
        "objet S3, jamais servis par lien présigné ; la base garde les métadonnées"
    )
    measures.append(
        "Journal d'audit signé (HMAC, clés hors de la base), points de contrôle hors de la base, vérifiable "
        "(verify_audit)"
        if settings.OPENCPTS_AUDIT_KEYS
        else "Journal d'audit signé avec la clé de développement : configurer OPENCPTS_AUDIT_KEYS"
    )
    measures.append(
        "HTTPS imposé (HSTS, cookies sécurisés)"
        if settings.SECURE_HTTPS
        else "HTTPS non imposé (développement)"
    )
    if settings.NOTIFICATION_EMAIL_RECIPIENT == "mssante":
        measures.append("E-mails de notification envoyés dans l'espace de confiance MSSanté")
    elif settings.EMAIL_USE_TLS or settings.EMAIL_USE_SSL:
        measures.append("E-mails de notification envoyés au relais en TLS, sans contenu clinique")
    else:
        measures.append("E-mails de notification sans contenu clinique ; relais sans TLS configuré")
    if settings.SAS_ALLOWED_CN:
        measures.append("Interface SAS en TLS mutuel (certificat IGC-Santé, CN et OU autorisés listés)")
    return measures


def erasure_limits(cpts: CPTS) -> list[str]:
    """What an erasure request cannot remove at once, and why (said in the notices and on each request)."""
    days = circle_retention.settings_for(cpts).closed_circle_retention_days
    return [
        "Le contenu d'un cercle de soins (messages, documents, consentements) relève de la prise en charge "
        "sanitaire (art. 9-2-h) : le droit à l'effacement ne s'applique pas pendant la durée de conservation "
        f"(art. 17-3-c RGPD). Le cercle est clôturé à la demande, puis supprimé {_days(days)} après la "
        "clôture.",
        "Le journal d'audit garde la trace des accès et des modifications, dont le nom affiché du patient "
        "dans "
        "les entrées qui le concernent : il sert la sécurité et la défense de droits en justice (art. "
        "17-3-b et "
        "17-3-e) et ne peut pas être modifié entrée par entrée (chaîne signée).",
        "Les sauvegardes gardent les données jusqu'à leur propre expiration.",
        "La demande elle-même (nom du demandeur, dates, réponse) est gardée comme preuve de la réponse.",
    ]


def build(cpts: CPTS, now: dt.datetime | None = None) -> Registre:
    processings = [
        _circle_processing(cpts),
        _gp_processing(cpts),
        _snp_processing(),
        _members_processing(),
        _audit_processing(),
        _privacy_processing(),
    ]
    return Registre(
        cpts_name=cpts.name,
        generated_at=now or timezone.now(),
        processings=processings,
        security=security_measures(),
        transfers=[
            "Aucun transfert de données hors de l'Union européenne par la plateforme elle-même ; "
            "l'hébergement "
            "des données de santé doit être certifié HDS (art. L1111-8 du code de la santé publique)",
        ]
        + (
            [
                "Web Push : le service de notification du navigateur peut être situé hors de l'Union "
                "européenne ; "
                "il ne reçoit qu'un message chiffré sans donnée de santé"
            ]
            if _push_recipient()
            else []
        ),
        erasure_limits=erasure_limits(cpts),
    )
