"""The registre des traitements as a PDF: the same ``Registre`` the page shows (privacy/registry.py)."""

from django.utils import timezone

from privacy import pdf
from privacy.registry import Registre


def blocks(reg: Registre, contact) -> list[tuple]:
    out: list[tuple] = [
        ("p", f"Responsable de traitement : {reg.cpts_name}"),
        (
            "p",
            "Délégué à la protection des données : "
            + (
                f"{contact.dpo_name}, {contact.dpo_email}, {contact.dpo_address}"
                if contact
                else "non renseigné"
            ),
        ),
        (
            "p",
            f"Établi le {timezone.localtime(reg.generated_at):%d/%m/%Y à %H:%M} à partir des réglages en "
            "vigueur.",
        ),
    ]
    sections = (
        ("Finalités", "purposes"),
        ("Bases légales", "legal_bases"),
        ("Personnes concernées", "persons"),
        ("Catégories de données", "data"),
        ("Destinataires", "recipients"),
        ("Durées de conservation", "retention"),
        ("Règles appliquées (code)", "rules"),
    )
    for n, processing in enumerate(reg.processings, 1):
        out.append(("h1", f"{n}. {processing.name}"))
        if processing.health_data:
            out.append(("p", "Données de santé (art. 9 RGPD)."))
        for title, attr in sections:
            out.append(("h2", title))
            out += [("li", line) for line in getattr(processing, attr)]
    out.append(("h1", "Mesures de sécurité"))
    out += [("li", line) for line in reg.security]
    out.append(("h1", "Transferts hors de l'Union européenne"))
    out += [("li", line) for line in reg.transfers]
    out.append(("h1", "Ce qui ne peut pas être effacé sur demande, et pourquoi"))
    out += [("li", line) for line in reg.erasure_limits]
    return out


def to_pdf(reg: Registre, contact) -> bytes:
    title = f"Registre des activités de traitement — {reg.cpts_name}"
    return pdf.render(title, blocks(reg, contact), author=reg.cpts_name, footer=title)
