"""The coordination part of the demo: two care circles around fictitious patients (a caregiver, the demo GP,
nurse and partner staff, an oral consent before a witness, a thread of messages) and a working group of the
pathways mission, written through coordination.actions."""

import datetime as dt

from django.utils import timezone

from coordination import actions as coord
from coordination.models import Consent, Relative
from cpts.models import CPTS
from territory.models import Commune


def seed_coordination(cpts: CPTS, users: dict, belley: Commune) -> None:
    """A few care circles and a working group, with consent and messages (fictitious patients)."""
    gp, nurse, partner = users["medecin"], users["bureau"], users["partenaire"]
    today = timezone.localdate()
    patients = [
        ("LEMAIRE", "Odette", dt.date(1938, 4, 12), "F", "Retour à domicile après hospitalisation"),
        ("GIRAUD", "Henri", dt.date(1946, 9, 3), "M", "Diabète et plaie du pied"),
    ]
    for family, given, born, sex, topic in patients:
        patient = coord.create_patient(
            cpts,
            gp,
            family_name=family,
            given_names=given,
            birth_date=born,
            sex=sex,
            commune=belley,
            postal_code="01300",
            is_synthetic=True,
        )
        Relative.objects.create(
            cpts=cpts,
            patient=patient,
            kind=Relative.Kind.CAREGIVER,
            family_name=family,
            given_names="Claire",
            phone="06 00 00 00 00",
        )
        circle = coord.open_care_circle(cpts, gp, patient)
        for user in (nurse, partner):
            coord.invite(circle, gp, user)
            coord.answer_invitation(circle, user, accept=True)
        coord.record_consent(
            circle,
            gp,
            collected_on=today,
            method=Consent.Method.ORAL_WITNESS,
            witness="Claire (aidante)",
            scope="Partage des informations utiles à la prise en charge entre les membres du cercle de soins",
            expires_on=today.replace(year=today.year + 1),
        )
        subject = coord.post_message(circle, gp, f"{topic} : qui peut passer cette semaine ?", subject=topic)
        coord.post_message(circle, nurse, "Je passe jeudi matin pour les soins.", parent=subject)
    group = coord.create_working_group(
        cpts,
        users["coordination"],
        "Parcours personnes âgées fragiles",
        "Groupe de travail de la mission parcours (démonstration)",
    )
    coord.invite(group, users["coordination"], gp)
    coord.post_message(
        group,
        users["coordination"],
        "Première réunion le mois prochain : vos disponibilités ?",
        subject="Réunion de lancement",
    )
