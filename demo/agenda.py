"""The calendar of the demo CPTS (demo/seed.py): around today, a hospital discharge, home visits and an RCP
meeting in the demo care circles, and a meeting of the working group. Idempotent: nothing is added once the
CPTS has an event. Fictitious content only (the demo patients are synthetic)."""

import datetime as dt

from django.db import transaction
from django.utils import timezone

from agenda import actions
from agenda.models import Event
from agenda.timing import When, local
from coordination import access as group_rules
from coordination.models import Group, GroupMember
from cpts.models import CPTS
from cpts.scoping import scoped


def _on(days: int, hour: int, minute: int = 0) -> dt.datetime:
    day = timezone.localdate() + dt.timedelta(days=days)
    return local(day, dt.time(hour, minute), "start_time")


def _active_members(group: Group) -> list:
    return [
        m.user
        for m in group.members.filter(status=GroupMember.Status.ACTIVE)
        .select_related("user")
        .order_by("joined_at", "pk")
    ]


@transaction.atomic
def seed_agenda(cpts: CPTS) -> bool:
    """Returns True when the events were created, False when the calendar already had some (or nothing
    fits)."""
    if scoped(Event, cpts).exists():
        return False
    circles = [
        g
        for g in scoped(Group, cpts)
        .filter(kind=Group.Kind.CARE_CIRCLE, status=Group.Status.OPEN, patient__is_synthetic=True)
        .order_by("pk")
        if group_rules.can_share_clinical(g) and g.initiator is not None
    ]
    created = False
    if circles:
        circle = circles[0]
        gp, *others = _active_members(circle)
        nurse = others[0] if others else gp
        today = timezone.localdate()
        actions.create_event(
            circle,
            gp,
            kind=Event.Kind.DISCHARGE,
            title="Sortie d'hospitalisation (CH de Belley)",
            when=When.days(today - dt.timedelta(days=1)),
            place="Centre hospitalier de Belley",
            description="Retour à domicile organisé avec l'aidante. Compte rendu attendu.",
            participants=[gp],
        )
        actions.create_event(
            circle,
            gp,
            kind=Event.Kind.HOME_VISIT,
            title="Visite infirmière de retour à domicile",
            when=When.between(_on(1, 9), _on(1, 9, 45)),
            place="Domicile de la patiente, Belley",
            description="Pansement et surveillance après la sortie.",
            participants=[nurse],
        )
        actions.create_event(
            circle,
            gp,
            kind=Event.Kind.MEETING,
            title="RCP retour à domicile",
            when=When.between(_on(7, 18, 30), _on(7, 19, 30)),
            place="Maison de santé de Belley",
            description="Concertation pluriprofessionnelle sur le plan de soins.",
            participants=[gp, *others],
            external_participants="Assistante sociale du département",
        )
        created = True
    if len(circles) > 1:
        circle = circles[1]
        gp, *others = _active_members(circle)
        actions.create_event(
            circle,
            gp,
            kind=Event.Kind.HOME_VISIT,
            title="Soins de plaie du pied à domicile",
            when=When.between(_on(2, 8, 30), _on(2, 9)),
            place="Domicile du patient, Belley",
            participants=others[:1] or [gp],
        )
        actions.create_event(
            circle,
            gp,
            kind=Event.Kind.CONSULTATION,
            title="Consultation de suivi du diabète",
            when=When.between(_on(5, 11), _on(5, 11, 30)),
            place="Cabinet médical",
            participants=[gp],
        )
    group = (
        scoped(Group, cpts)
        .filter(kind=Group.Kind.WORKING_GROUP, status=Group.Status.OPEN)
        .order_by("pk")
        .first()
    )
    if group is not None and group.initiator is not None and group_rules.can_read(group.initiator, group):
        actions.create_event(
            group,
            group.initiator,
            kind=Event.Kind.MEETING,
            title="Réunion de lancement du groupe",
            when=When.between(_on(21, 18), _on(21, 20)),
            place="Salle de réunion de la CPTS",
            participants=[group.initiator],
        )
        created = True
    return created
