"""The permission matrix, end to end.

* docs/PERMISSIONS.md is exactly what ``manage.py permission_matrix`` prints (the document cannot drift);
* every URL of the project is in ``cpts.roles.PAGE_ACCESS`` / ``API_ACCESS`` and in the request table below,
  so that a new URL cannot be added without deciding who may reach it;
* for every role of the standing cast (tests/cast.py), every page answers GET (and POST where accepted) with
  the status that roles.py implies: allowed -> 200/302, refused -> 403, anonymous -> redirect to the login;
* the JSON API likewise: allowed -> 200/201, refused -> 403, anonymous -> 401;
* a refused write (403, login redirect, 401) changes nothing in the database.

The expected statuses are computed from cpts/roles.py, never copied by hand: roles.py is the one source.
"""

import datetime as dt
import io
import json
import re
from collections.abc import Callable
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from agenda.models import CalendarToken, Event
from association.models import ConstitutiveAssembly, FoundingMember, LegalEntity, RuleItem, Statutes
from coordination import actions as coordination
from coordination.models import (
    Consent,
    CoordinationSettings,
    EmailInvitation,
    Group,
    GroupMember,
    Message,
    Patient,
)
from cpts.models import (
    CPTS,
    BureauPosition,
    Dues,
    Membership,
    MembershipRequest,
    PartnerStructure,
    TerritoryCommune,
)
from cpts.permission_matrix import api_routes, page_routes, render_markdown
from cpts.roles import (
    API_ACCESS,
    AUTHENTICATED,
    INSTANCE_ADMIN_PERMISSIONS,
    PAGE_ACCESS,
    PUBLIC,
    ROLE_PERMISSIONS,
    STAFF,
    Role,
)
from diagnostic import imports as diagnostic_imports
from diagnostic.models import ImportedDataset, TypedFigure
from directory.identifiers import rpps_with_key
from directory.models import PracticePlace
from docgen.models import TemplateOverride
from docgen.tests import letter as test_letter
from documents.models import Document
from gpmatching.models import Capacity, ImportBatch, MatchingRun, Policy, Proposal
from gpmatching.models import Request as GPRequest
from jobs.models import JobFailure
from news.models import Comment, Post
from notifications.models import Notification, NotificationPreference
from privacy.models import CircleTask, PrivacyContact, RightsRequest
from projects.models import AmiDossier, LetterDossier, Partner, Project, Referent, Review
from projects.models import Invitation as ProjectInvitation
from projects.models import Submission as ProjectSubmission
from territory.models import Commune
from tests.cast import PASSWORD, Cast, login
from unscheduled.models import AvailabilityPattern, Booking, Slot

ROLES = [
    "instance_admin",
    "coordinator",
    "bureau",
    "member",
    "partner",
    "referent",
    "guest",
    "other_coordinator",
    "outsider",
    "anonymous",
]
CPTS_MEMBERS = {
    "coordinator",
    "bureau",
    "member",
    "partner",
    "referent",
    "guest",
}  # roles with a membership in cast.cpts

OK, LOGIN, FORBIDDEN = "ok", "login", "forbidden"


# --- What each role may do, from cpts/roles.py --------------------------------------------------------------


def role_permissions(role: str) -> set[str]:
    """The permissions of ``role`` in cast.cpts."""
    if role == "instance_admin":
        return set(INSTANCE_ADMIN_PERMISSIONS)
    if role in Role.values:
        return set(ROLE_PERMISSIONS[role])
    return set()  # other_coordinator (coordinator elsewhere), outsider (no membership), anonymous


def verdict(rule: str, role: str) -> str:
    if rule == PUBLIC:
        return OK
    if role == "anonymous":
        return LOGIN
    if rule == AUTHENTICATED:
        return OK
    if rule == STAFF:
        return OK if role == "instance_admin" else FORBIDDEN
    return OK if rule in role_permissions(role) else FORBIDDEN


def test_doc_is_generated_from_roles():
    path = Path(settings.BASE_DIR) / "docs" / "PERMISSIONS.md"
    out = io.StringIO()
    call_command("permission_matrix", stdout=out)
    assert out.getvalue() == render_markdown()
    assert path.read_text(encoding="utf-8") == out.getvalue(), (
        "docs/PERMISSIONS.md est périmé : lancez `python manage.py permission_matrix --write`."
    )


def test_every_rule_is_known():
    from cpts.roles import ACCESS_RULE_LABELS, PERMISSIONS

    rules = [r for access in PAGE_ACCESS.values() for r in access.values()] + [
        r for _, r in API_ACCESS.values()
    ]
    assert {r for r in rules if r not in PERMISSIONS} <= set(ACCESS_RULE_LABELS)
    assert all(m in ("GET", "POST") for access in PAGE_ACCESS.values() for m in access)


# --- The world the requests act on ------------------------------------------------------------------------


@dataclass
class World:
    cast: Cast
    member_membership: Membership
    request_to_accept: MembershipRequest
    request_to_refuse: MembershipRequest
    place: PracticePlace
    free_commune: str  # in no territory
    free_epci: str  # no commune in any territory
    cpts_commune: str  # in cast.cpts's territory
    coordination: "CoordinationWorld"
    documents: "DocumentsWorld"
    news: "NewsWorld"
    notification: Notification  # the member's unread notification of a message in the circle
    agenda: "AgendaWorld"
    snp: "SnpWorld"
    gp: "GPWorld"
    aci: "ACIWorld"
    privacy: "PrivacyWorld | None" = None
    projects: "ProjectsWorld | None" = None
    association: "AssociationWorld | None" = None
    healthplan: "HealthPlanWorld | None" = None
    diagnostic_dataset: ImportedDataset | None = None  # imported by cast.member (diagnostic)

    @property
    def slug(self):
        return self.cast.cpts.slug


@dataclass
class CoordinationWorld:
    """Groups where the member (and, to manage, the coordinator) may act, and no other role of the cast."""

    colleague: User  # a professional of cast.cpts outside the cast, active in the circle
    circle: Group  # care circle initiated by the member, with a valid consent
    consent: Consent
    to_edit: Message
    to_delete: Message
    invited_to: Group  # the colleague's working group, the member invited
    to_close: Group  # the member's working group
    to_reopen: Group  # the member's closed working group
    to_edit_group: Group | None = None  # the member's working group, to rename
    email_token: str = (
        ""  # the link of a pending e-mail invitation into the circle, to an address without account
    )
    outsider_invitation: EmailInvitation | None = (
        None  # an e-mail invitation waiting for cast.outsider's account
    )


def coordination_world(cast) -> CoordinationWorld:
    colleague = User.objects.create_user(
        "colleague@cast.test", PASSWORD, first_name="Cléo", last_name="Collègue"
    )
    Membership.objects.create(cpts=cast.cpts, user=colleague, role=Role.MEMBER)
    patient = coordination.create_patient(
        cast.cpts,
        cast.member,
        family_name="MATRICE",
        given_names="Paul",
        birth_date=timezone.localdate().replace(year=1950, day=1),
    )
    circle = coordination.open_care_circle(cast.cpts, cast.member, patient)
    coordination.invite(circle, cast.member, colleague)
    coordination.answer_invitation(circle, colleague, accept=True)
    consent = coordination.record_consent(
        circle,
        cast.member,
        collected_on=timezone.localdate(),
        method=Consent.Method.SIGNED_PAPER,
        scope="Partage dans le cercle",
    )
    to_edit = coordination.post_message(circle, cast.member, "À modifier", subject="Sujet 1")
    to_delete = coordination.post_message(circle, cast.member, "À supprimer", subject="Sujet 2")
    invited_to = coordination.create_working_group(cast.cpts, colleague, "Groupe du collègue")
    coordination.invite(invited_to, colleague, cast.member)
    to_close = coordination.create_working_group(cast.cpts, cast.member, "Groupe à clôturer")
    to_reopen = coordination.create_working_group(cast.cpts, cast.member, "Groupe à rouvrir")
    coordination.close_group(to_reopen, cast.member)
    world = CoordinationWorld(colleague, circle, consent, to_edit, to_delete, invited_to, to_close, to_reopen)
    world.to_edit_group = coordination.create_working_group(cast.cpts, cast.member, "Groupe à renommer")
    world.email_token, world.outsider_invitation = _email_invitations(cast, circle, to_close)
    return world


def _email_invitations(cast, circle, group):
    """A pending invitation to an unknown address (its raw token) and one attached to cast.outsider's
    account."""
    from unittest import mock

    from coordination import invitations

    with mock.patch("coordination.invitations.secrets.token_urlsafe", return_value="jeton-matrice"):
        invitations.invite_by_email(circle, cast.member, "externe@cast.test")
    attached = invitations.invite_by_email(group, cast.member, cast.outsider.email)
    return "jeton-matrice", attached


def notification_world(cast) -> Notification:
    """An unread notification for every account of the cast (so that "tout marquer comme lu" has an effect);
    returns the member's notification of the colleague's message in the circle."""
    from coordination.events import GroupEvent
    from notifications.delivery import Subject, notify
    from notifications.models import Kind
    from notifications.subscribers import handle_group_event

    notify(
        Subject(
            cpts_id=cast.cpts.pk,
            kind=Kind.NEWS_POST,
            topic=f"news.{cast.cpts.pk}",
            url="/",
            texts=lambda n: ("Nouvelle actualité", "Nouvelle actualité"),
        ),
        [u.pk for u in cast.by_role().values() if u is not None],
    )
    circle = Group.objects.get(title__startswith="Prise en charge", patient__family_name="MATRICE")
    message = coordination.post_message(
        circle, User.objects.get(email="colleague@cast.test"), "Pour la matrice", subject="Notification"
    )
    handle_group_event(GroupEvent("message.posted", cast.cpts.pk, circle.pk, message.author_id, message.pk))
    return Notification.objects.get(user=cast.member, kind=Kind.MESSAGE)


@dataclass
class NewsWorld:
    """Posts and comments of cast.cpts's news feed, each with the one role (or two) that may act on it."""

    post: Post  # the coordination's announcement: every member reads it, commenters comment it
    to_edit: Post  # the bureau's: only its author edits it
    to_delete: Post  # the bureau's: its author or a coordinator (moderation) deletes it
    to_pin: Post
    to_unpin: Post  # pinned
    comment_to_edit: Comment  # the member's: only its author edits it
    comment_to_delete: Comment  # the member's: its author or a coordinator (moderation) deletes it


def news_world(cast) -> NewsWorld:
    from news import actions as news

    def publish(by, title, **extra):
        return news.publish_post(
            cast.cpts, by, kind="annonce", title=title, body="Texte de la matrice", **extra
        )

    post = publish(cast.coordinator, "Annonce de la matrice")
    return NewsWorld(
        post=post,
        to_edit=publish(cast.bureau, "À modifier"),
        to_delete=publish(cast.bureau, "À supprimer"),
        to_pin=publish(cast.bureau, "À épingler"),
        to_unpin=publish(cast.coordinator, "Épinglée", pinned=True),
        comment_to_edit=news.add_comment(post, cast.member, "Commentaire à modifier"),
        comment_to_delete=news.add_comment(post, cast.member, "Commentaire à supprimer"),
    )


@dataclass
class AgendaWorld:
    """Events of the circle (only its active member of the cast, the member, acts on them) and a
    subscription."""

    to_edit: Event
    to_cancel: Event
    feed_token: str  # the colleague's subscription, raw: the iCalendar URL answers whoever holds it


def agenda_world(cast) -> AgendaWorld:
    import datetime as dt

    from agenda import actions as agenda
    from agenda.timing import When

    circle = Group.objects.get(title__startswith="Prise en charge", patient__family_name="MATRICE")
    start = timezone.now().replace(microsecond=0) + dt.timedelta(days=1)

    def schedule(title):
        return agenda.create_event(
            circle,
            cast.member,
            kind="home_visit",
            title=title,
            when=When.between(start, start + dt.timedelta(hours=1)),
        )

    _, raw = agenda.issue_calendar_token(User.objects.get(email="colleague@cast.test"))
    return AgendaWorld(
        to_edit=schedule("Visite à modifier"), to_cancel=schedule("Visite à annuler"), feed_token=raw
    )


@dataclass
class DocumentsWorld:
    """Documents of the circle: only its active member of the cast, the member, reads and changes them."""

    document: Document  # gets a new version
    to_delete: Document


def _pdf(name):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from documents.pdf import tiny_pdf

    return SimpleUploadedFile(name, tiny_pdf(["Document de la matrice"]), content_type="application/pdf")


def documents_world(cast) -> DocumentsWorld:
    from documents import actions as documents

    circle = Group.objects.get(title__startswith="Prise en charge", patient__family_name="MATRICE")
    return DocumentsWorld(
        document=documents.add_document(circle, cast.member, _pdf("document.pdf")),
        to_delete=documents.add_document(circle, cast.member, _pdf("a-supprimer.pdf")),
    )


def _document(attr, **extra):
    return lambda w: {
        "slug": w.slug,
        "group_id": w.coordination.circle.pk,
        "document_id": getattr(w.documents, attr).pk,
        **extra,
    }


@dataclass
class SnpWorld:
    """Unscheduled slots of the member's professional (the member and the coordinator manage them) in the week
    after this one, and bookings made by the partner (who, with the managers, sees and changes them)."""

    place: PracticePlace  # not the one directory:delete_place deletes
    to_book: Slot
    to_pause: Slot
    pattern: AvailabilityPattern
    to_cancel: Booking
    to_reschedule: Booking
    target: Slot  # free, where to_reschedule moves
    to_mark: Booking  # its slot has started
    api_slot: Slot
    api_to_cancel: Booking
    source_monday: object

    @property
    def target_monday(self):
        import datetime as dt

        return self.source_monday + dt.timedelta(days=7)


SNP_MANAGERS = {"member", "coordinator"}  # the professional and the coordination
SNP_BOOKING_SEERS = {"member", "coordinator", "partner"}  # and whoever booked (the partner)
SNP_PATIENT = {"family_name": "Matrice", "given_names": "Paul", "motif": "Fièvre", "phone": "0612345678"}


def snp_world(cast) -> SnpWorld:
    import datetime as dt

    from unscheduled import booking, slots

    belley = Commune.objects.get(insee="01034")
    pro = cast.member.professional
    place = PracticePlace.objects.create(
        professional=pro,
        label="Cabinet SNP",
        commune=belley,
        postal_code="01300",
        latitude=belley.latitude,
        longitude=belley.longitude,
    )
    today = _today()
    monday = today + dt.timedelta(days=7 - today.weekday())

    def slot(hour):
        return slots.publish_slot(
            cast.cpts,
            cast.member,
            pro,
            place=place,
            day=monday + dt.timedelta(days=1),
            at=dt.time(hour),
            minutes=20,
            visibility=["CPTS"],
        )

    def booked(hour):
        return booking.book(slot(hour), cast.partner, **SNP_PATIENT)

    pattern = slots.create_pattern(
        cast.cpts,
        cast.member,
        pro,
        place=place,
        weekdays=[monday.weekday()],
        start_time=dt.time(18),
        end_time=dt.time(19),
        slot_minutes=30,
        valid_from=monday,
        valid_until=monday,
        visibility=["SNP"],
    )
    started = Slot.objects.create(
        cpts=cast.cpts,
        professional=pro,
        place=place,
        created_by=cast.member,
        start=timezone.now() - dt.timedelta(minutes=30),
        end=timezone.now() - dt.timedelta(minutes=10),
        show_cpts=True,
    )
    to_mark = Booking.objects.create(
        cpts=cast.cpts,
        slot=started,
        booked_by=cast.partner,
        family_name="MATRICE",
        given_names="Paul",
        motif="Fièvre",
        phone="0612345678",
    )
    Slot.objects.filter(pk=started.pk).update(status=Slot.Status.BOOKED)
    return SnpWorld(
        place=place,
        to_book=slot(8),
        to_pause=slot(9),
        pattern=pattern,
        to_cancel=booked(10),
        to_reschedule=booked(11),
        target=slot(12),
        to_mark=to_mark,
        api_slot=slot(13),
        api_to_cancel=booked(14),
        source_monday=monday,
    )


GP_COMMUNE = "01454"  # Virignin, next to Belley: added to cast.cpts's territory, no page removes it
GP_PATIENT = {
    "nir": "",
    "phone": "0612345678",
    "email": "",
    "address": "",
    "commune": GP_COMMUNE,
    "comment": "",
}


@dataclass
class GPWorld:
    """Médecin traitant in cast.cpts: the member is a GP (profession 10) with a declared capacity and a
    practice place with coordinates; one request is proposed to him (sent), another has a draft proposal to
    him, a third waits; a CSV import waits in preview; a public request waits for its e-mail confirmation."""

    to_withdraw: GPRequest  # waiting
    proposed: GPRequest  # proposed to the member: the coordination and he read it, no one else
    sent: Proposal  # its proposal, waiting for the member's answer
    draft: Proposal  # of a third waiting request, to the member, not sent yet
    capacity: Capacity
    batch: ImportBatch  # in preview, without error
    public: GPRequest  # unconfirmed, from the public form
    token: str  # its confirmation link


def gp_world(cast) -> GPWorld:
    import datetime as dt

    from cpts import territory as territory_rules
    from gpmatching import capacity, csv_import, intake

    commune = Commune.objects.get(insee=GP_COMMUNE)
    territory_rules.add_communes(cast.cpts, [commune], cast.admin)
    pro = cast.member.professional
    place = PracticePlace.objects.create(
        professional=pro,
        label="Cabinet médecin traitant",
        commune=commune,
        postal_code="01300",
        latitude=commune.latitude,
        longitude=commune.longitude,
    )
    declared = capacity.declare(
        cast.cpts,
        pro,
        cast.member,
        {"per_month": "5", "max_distance_km": "30", "place": place.pk, "patients": "1200"},
    )

    def waiting(last_name, first_name, year):
        data = {
            **GP_PATIENT,
            "last_name": last_name,
            "first_name": first_name,
            "birth_date": dt.date(year, 3, 14),
            "ald": True,
            "consent": True,
        }
        return intake.submit_for_patient(cast.cpts, data, cast.member).request

    to_withdraw, proposed, to_send = (
        waiting("ATTENTE", "Alice", 1950),
        waiting("PROPOSE", "Bruno", 1944),
        waiting("ENVOI", "Chloé", 1962),
    )
    sent = Proposal.objects.create(
        cpts=cast.cpts,
        request=proposed,
        professional=pro,
        status=Proposal.Status.SENT,
        sent_at=timezone.now(),
        sent_by=cast.coordinator,
        distance_m=1200,
        remaining_capacity=4,
        explanation="Proposé au Dr Marie Membre, 1,2 km",
    )
    GPRequest.objects.filter(pk=proposed.pk).update(status=GPRequest.Status.PROPOSED)
    draft = Proposal.objects.create(
        cpts=cast.cpts,
        request=to_send,
        professional=pro,
        distance_m=1500,
        remaining_capacity=3,
        explanation="Proposé au Dr Marie Membre, 1,5 km",
    )
    batch = csv_import.parse(cast.cpts, "liste-cpam.csv", _gp_csv("IMPORTE", "Inès"), cast.coordinator)
    public = intake.submit_public(
        cast.cpts,
        {
            **GP_PATIENT,
            "last_name": "PUBLIQUE",
            "first_name": "Paula",
            "birth_date": dt.date(1980, 6, 1),
            "email": "publique@cast.test",
            "reason": "moved",
            "consent": True,
        },
    )
    return GPWorld(
        to_withdraw=to_withdraw,
        proposed=proposed,
        sent=sent,
        draft=draft,
        capacity=declared,
        batch=batch,
        public=public.request,
        token=public.token,
    )


@dataclass
class ACIWorld:
    """The ACI contract of cast.cpts (signed 2025-01-15, core missions, schedule computed): a manual indicator
    with steps and a result, a computed one, two justificatifs (one to download, one to delete), an expense to
    delete."""

    contract: object
    access_mission: object  # ContractMission
    manual: object  # Indicator
    computed: object  # Indicator
    evidence: object  # to download
    evidence_to_delete: object
    expense_to_delete: object


ACI_SIGNED = "2025-01-15"


def aci_world(cast) -> ACIWorld:
    import datetime as dt

    from aci import budget, contracts, indicators
    from documents.tests import samples

    contract = contracts.sign(
        cast.cpts,
        cast.coordinator,
        signed_on=dt.date(2025, 1, 15),
        missions=["access", "crisis", "pathways", "prevention"],
        population=34_086,
    )
    contracts.compute_schedule(contract, cast.coordinator, "Signature du contrat")
    manual = indicators.define(
        contract, cast.coordinator, mission="prevention", name="Dépistage matrice", unit="percent"
    )
    indicators.set_steps(manual, cast.coordinator, 1, [indicators.StepInput("Socle", "69,7", "1000")])
    indicators.record_result(manual, cast.coordinator, 1, "65")
    computed = indicators.define(
        contract, cast.coordinator, mission="access", name="Patients placés matrice", source="gp_placed"
    )
    evidence = indicators.add_evidence(
        manual, cast.coordinator, 1, "Preuve", "preuve.pdf", samples.pdf("preuve")
    )
    to_delete = indicators.add_evidence(
        manual, cast.coordinator, 1, "À supprimer", "autre.pdf", samples.pdf("autre")
    )
    expense = budget.record_expense(
        contract,
        cast.coordinator,
        spent_on=dt.date(2025, 2, 1),
        mission="",
        category="tools",
        label="Dépense à supprimer",
        amount="10",
    )
    return ACIWorld(
        contract,
        contract.missions.get(mission__code="access"),
        manual,
        computed,
        evidence,
        to_delete,
        expense,
    )


def _aci_sign(w, role):
    """Signing needs a CPTS without contract: for a role allowed to sign, the world's contract moves to the
    neighbouring CPTS first (its rows stay, for the effect checks of the other pages); for the others it
    stays, and the refused POST must leave it."""
    from aci.models import Contract

    if "cpts.manage_contract" in role_permissions(role):
        Contract.objects.filter(cpts=w.cast.cpts).update(cpts=w.cast.other)
    return {"signed_on": "2025-02-03", "population": "41000", "population_source": "matrice"}


def _aci_import(w, r):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return {
        "file": SimpleUploadedFile(
            "depenses.csv",
            b"date;mission;categorie;libelle;montant\n03/02/2025;fonctionnement;outils;Import matrice;42\n",
            content_type="text/csv",
        )
    }


def _aci_evidence(w, r):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from documents.tests import samples

    return {
        "annee": "1",
        "title": "Preuve matrice",
        "file": SimpleUploadedFile("matrice.pdf", samples.pdf("matrice"), content_type="application/pdf"),
    }


def _gp_csv(last_name, first_name) -> bytes:
    return (
        f"nom;prenom;date_naissance;commune;telephone;ald\n"
        f"{last_name};{first_name};01/02/1950;{GP_COMMUNE};0611223344;oui\n"
    ).encode()


@pytest.fixture
def world(cast):
    applicants = [
        User.objects.create_user(f"applicant{i}@cast.test", PASSWORD, first_name="Anne", last_name=f"A{i}")
        for i in (1, 2)
    ]
    req1, req2 = (
        MembershipRequest.objects.create(cpts=cast.cpts, user=u, message="Bonjour") for u in applicants
    )
    place = PracticePlace.objects.create(
        professional=cast.member.professional,
        label="Cabinet",
        commune=Commune.objects.get(insee="01034"),
        postal_code="01300",
    )
    world = World(
        cast=cast,
        member_membership=Membership.objects.get(cpts=cast.cpts, user=cast.member),
        request_to_accept=req1,
        request_to_refuse=req2,
        place=place,
        free_commune="01053",
        free_epci=Commune.objects.get(insee="39300").epci_id,
        cpts_commune="01034",
        coordination=coordination_world(cast),
        documents=documents_world(cast),
        news=news_world(cast),
        notification=notification_world(cast),
        agenda=agenda_world(cast),
        snp=snp_world(cast),
        gp=gp_world(cast),
        aci=aci_world(cast),
    )
    world.privacy = privacy_world(cast, world.coordination)
    world.projects = projects_world(cast)
    world.association = association_world(cast, world.projects)
    world.healthplan = healthplan_world(cast, world.projects.draft)
    test_letter.register()  # a document template for « Modèles de documents » (docgen)
    # cast.member proved by a Pro Santé Connect login that it holds its directory entry (accounts/psc.py).
    User.objects.filter(pk=cast.member.pk).update(external_idnat=cast.member.professional.idnat)
    cast.member.external_idnat = cast.member.professional.idnat
    world.diagnostic_dataset = diagnostic_imports.import_dataset(
        cast.member,
        b"01034;3\n",
        "monde.csv",
        diagnostic_imports.Metadata("Indicateur du monde", "Matrice", "2025", "Licence Ouverte 2.0"),
    )
    return world


@dataclass
class PrivacyWorld:
    """Rights requests of cast.cpts: one to link to a patient, one linked (access), one whose circle was asked
    for its export (the coordination world's circle: ``task``), an opposition on a circle of its own, one to
    close."""

    to_link: RightsRequest
    linked: RightsRequest
    to_apply: RightsRequest
    to_close: RightsRequest
    circle_to_close: Group
    task: CircleTask


def privacy_world(cast, coordination_world: "CoordinationWorld") -> PrivacyWorld:
    from privacy import actions as privacy

    def request(kind):
        return privacy.open_request(
            cast.cpts, cast.coordinator, kind=kind, requester="Demandeur", received_on=timezone.localdate()
        )

    patient = coordination.create_patient(
        cast.cpts,
        cast.member,
        family_name="OPPOSANT",
        given_names="Odile",
        birth_date=timezone.localdate().replace(year=1960, day=1),
    )
    circle = coordination.open_care_circle(cast.cpts, cast.member, patient)
    to_link, linked, asked, to_apply, to_close = (
        request(k) for k in ("access", "access", "access", "opposition", "rectification")
    )
    privacy.link_patient(linked, cast.coordinator, coordination_world.circle.patient_id)
    privacy.link_patient(asked, cast.coordinator, coordination_world.circle.patient_id)
    (task,) = privacy.ask_exports(asked, cast.coordinator)
    privacy.link_patient(to_apply, cast.coordinator, patient.pk)
    return PrivacyWorld(to_link, linked, to_apply, to_close, circle, task)


@dataclass
class ProjectsWorld:
    """Projects of CPTS whose porteur is the member (every other account gets 404 on them): ``sent`` has sent
    its AMI (its file to download; to convert), with an invitation and a structure to remove; ``draft`` has
    its AMI filled, not sent (to send), and a commune to remove; ``inviting``, another porteur's project,
    invites the member."""

    sent: "Project"
    draft: "Project"
    inviting: "Project"
    submission: "ProjectSubmission"
    invitation_to_cancel: "ProjectInvitation"
    invitation_to_member: "ProjectInvitation"
    partner_to_remove: int
    commune_to_add: str
    commune_to_remove: str
    # The cast's referent is also the ARS Bretagne referent (``sent`` is in Bretagne) and the CPAM de l'Ain's
    # (cast.cpts is in the Ain): the « Suivi » pages answer them, 404 to every other account.
    referent_to_revoke: int = 0  # another account's role, revoked by the instance administrator


PROJECT_COMMUNES_EPCI = "242900660"  # CC du Pays Fouesnantais, in no CPTS of the cast


def _project_ami(**changes) -> dict:
    data = {
        "acteurs": [{"nom": "Marie Membre", "profession": "Médecin", "lieu": "Fouesnant", "msp_esp": "oui"}],
        "referents": [
            {
                "nom": "Marie Membre",
                "fonction": "Médecin",
                "email": "member@cast.test",
                "telephone": "0298000000",
            }
        ],
        "objectifs": ["initiative"],
        "contexte": "Matrice",
        "rencontre": (timezone.localdate() + dt.timedelta(days=30)).isoformat(),
    }
    return {**data, **changes}


def _project_letter() -> dict:
    """A lettre d'intention complete enough to be sent."""
    today = _today()
    return {
        "acteurs": [{"nom": "Marie Membre", "qualite": "Médecin", "lieu": "Fouesnant"}],
        **{key: "Matrice" for key in ("problematique", "modalites", "moyens", "objectif_patients")},
        **{key: "Matrice" for key in ("objectif_acteurs", "territoire", "elements_diagnostic")},
        "patients": "12000",
        "construction": today.isoformat(),
        "depot": (today + dt.timedelta(days=200)).isoformat(),
        "mise_en_oeuvre": (today + dt.timedelta(days=400)).isoformat(),
        "pta_dac": "non",
        "orientations": {"access": "Matrice"},
    }


def projects_world(cast) -> ProjectsWorld:
    from projects import actions as projects
    from projects import submission
    from projects import territory as project_territory

    communes = list(Commune.objects.filter(epci_id=PROJECT_COMMUNES_EPCI, kind="COM").order_by("insee"))
    sent = projects.create_project(cast.member, "Projet matrice envoyé")
    project_territory.add_communes(sent, communes[:4], cast.member)
    projects.save_ami(sent, _project_ami(), cast.member)
    done = submission.submit_ami(sent, cast.member)
    partner = projects.add_partner(sent, cast.member, name="EHPAD à retirer", kind="ehpad")
    draft = projects.create_project(cast.member, "Projet matrice brouillon")
    project_territory.add_communes(draft, communes[4:6], cast.member)
    projects.save_ami(draft, _project_ami(), cast.member)
    projects.save_letter(draft, _project_letter(), cast.member)
    owner = User.objects.create_user(
        "porteur.autre@cast.test", PASSWORD, first_name="Pia", last_name="Porteuse"
    )
    inviting = projects.create_project(owner, "Projet matrice invitant")
    from projects import reviews

    reviews.grant_referent(cast.admin, email=cast.referent.email, body="ARS", code="53")
    reviews.grant_referent(cast.admin, email=cast.referent.email, body="CPAM", code="01")
    User.objects.create_user("referent.nouveau@cast.test", PASSWORD)
    User.objects.create_user("referent.retire@cast.test", PASSWORD)
    to_revoke = reviews.grant_referent(cast.admin, email="referent.retire@cast.test", body="CPAM", code="29")
    return ProjectsWorld(
        sent=sent,
        draft=draft,
        inviting=inviting,
        submission=done,
        invitation_to_cancel=projects.invite(sent, cast.member, email=cast.outsider.email),
        invitation_to_member=projects.invite(inviting, owner, email=cast.member.email),
        partner_to_remove=partner.pk,
        commune_to_add=communes[6].insee,
        commune_to_remove=communes[5].insee,
        referent_to_revoke=to_revoke.pk,
    )


@dataclass
class AssociationWorld:
    """The association of the ``draft`` project (its porteur is the member): statuts chosen, three founders
    (one to remove), an AG constitutive held ten days ago whose PV is still to write, no identifiers yet."""

    founders: list
    founder_to_remove: int


def association_world(cast, projects: ProjectsWorld) -> AssociationWorld:
    from association import actions as association

    project = projects.draft
    data = association.initial_statutes(project)
    colleges = data.pop("colleges")
    statutes = association.save_statutes(
        project, {**data, "seat_address": "Fouesnant"}, colleges, cast.member
    )
    college = statutes.colleges.first().pk
    founders = [
        association.add_founder(project, cast.member, name=n, profession="Médecin", college_id=college)
        for n in ("Fanny Fondatrice", "Fabien Fondateur", "Fondateur à retirer")
    ]
    held = timezone.localdate() - dt.timedelta(days=10)
    association.save_convocation(
        project,
        {"held_on": held, "held_at": dt.time(20), "place": "Mairie", "agenda": "Statuts"},
        cast.member,
    )
    return AssociationWorld(founders=founders[:2], founder_to_remove=founders[2].pk)


def _statutes_form(w, r) -> dict:
    data = {
        "name": "Communauté Professionnelle Territoriale de Santé de la matrice",
        "short_name": "CPTS de la matrice",
        "seat_address": "1 place de la matrice",
        "purpose": "Objet",
        "territory": "Communes",
        "board_mandate_years": "3",
        "bureau_roles": ["president", "tresorier"],
        "ag_quorum_percent": "25",
        "ag_majority": "simple",
        "extraordinary_majority": "deux_tiers",
        "proxies_per_member": "2",
        "colleges-TOTAL_FORMS": "1",
        "colleges-INITIAL_FORMS": "0",
        "colleges-0-name": "Collège des libéraux",
        "colleges-0-kind": "liberal",
        "colleges-0-members_desc": "Libéraux",
        "colleges-0-voting": "deliberative",
        "colleges-0-board_seats": "5",
        "colleges-0-dues": "30",
    }
    return data


def _minutes_form(w, r) -> dict:
    data = {
        "chaired_by": "Fanny Fondatrice",
        "secretary_name": "Fabien Fondateur",
        "votes_for": "2",
        "votes_against": "0",
        "abstentions": "0",
    }
    for f in w.association.founders:
        data[f"att-{f.pk}"] = "present"
        data[f"board-{f.pk}"] = "on"
    data[f"role-{w.association.founders[0].pk}"] = "president"
    return data


@dataclass
class HealthPlanWorld:
    """The projet de santé of the member's draft project: a chapter written, a fiche-action to edit, one to
    delete, a planned expense to remove."""

    sheet: int
    sheet_to_delete: int
    expense_to_remove: int


def healthplan_world(cast, project) -> HealthPlanWorld:
    from healthplan import actions as healthplan

    healthplan.save_chapter(project, "contexte", "Matrice.", 0, cast.member)
    sheet = healthplan.create_sheet(project, cast.member, _healthplan_sheet())
    to_delete = healthplan.create_sheet(project, cast.member, _healthplan_sheet(title="Fiche à supprimer"))
    expense = healthplan.add_expense(
        project, cast.member, label="Dépense à retirer", category="staff", mission="", amount="1000"
    )
    return HealthPlanWorld(sheet.pk, to_delete.pk, expense.pk)


def _healthplan_sheet(**changes) -> dict:
    data = {"mission": "access", "title": "Fiche de la matrice", "objective": "Matrice", "indicators": []}
    return {**data, **changes}


def _healthplan_sheet_form(w, r) -> dict:
    return {
        **_healthplan_sheet(title="Fiche de la matrice modifiée"),
        "version": "1",
        "ind-TOTAL_FORMS": "1",
        "ind-INITIAL_FORMS": "0",
        "ind-0-name": "Indicateur de la matrice",
        "ind-0-unit": "count",
        "ind-0-direction": "higher",
        "ind-0-target": "10",
    }


def _plan(**extra):
    return lambda w: {"project_id": w.projects.draft.pk, **{k: f(w) for k, f in extra.items()}}


def acting_user(cast: Cast, role: str) -> User | None:
    return cast.by_role()[role]


@pytest.fixture
def client_as(client, world):
    """A client logged in (password + TOTP, the real way) as the role of the test; anonymous: not logged
    in."""

    def make(role: str):
        user = acting_user(world.cast, role)
        if user is not None:
            login(client, user)
        return client, user

    return make


# --- Database snapshot -------------------------------------------------------------------------------------

SNAPSHOT_APPS = (
    "cpts",
    "diagnostic",
    "coordination",
    "accounts",
    "directory",
    "territory",
    "aci",
    "audit",
    "otp_totp",
    "otp_static",
    "nomenclature",
    "notifications",
    "news",
    "agenda",
    "documents",
    "unscheduled",
    "gpmatching",
)
BIG_TABLE = 5000  # rows: big reference tables are fingerprinted per request, compared in full at the end


def _models():
    return [m for app in SNAPSHOT_APPS for m in apps.get_app_config(app).get_models()]


def snapshot(full: bool = False) -> dict:
    out = {}
    for model in _models():
        qs = model._default_manager.order_by("pk")
        count = qs.count()
        if full or count < BIG_TABLE:
            out[model._meta.label] = list(qs.values_list())
        else:
            last = qs.values_list("pk", flat=True).last()
            out[model._meta.label] = ("fingerprint", count, last)
    return out


def assert_unchanged(before: dict, after: dict, what: str):
    changed = [label for label in before if before[label] != after[label]]
    assert not changed, f"{what}: refused, yet it changed {changed}"


WRITE_SQL = re.compile(
    r'^\s*(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM|REPLACE\s+INTO)\s+"?(\w+)"?', re.IGNORECASE
)


@contextmanager
def no_write(what: str):
    """Fails when a statement writing to a table of SNAPSHOT_APPS runs inside the block (even if it changed no
    row or was rolled back): a refused request must not even try. Cheaper and stricter than comparing two
    snapshots of every table, which the end-of-test check (``reference_tables_unchanged``) and the token test
    still do."""
    tables = {
        m._meta.db_table
        for app in SNAPSHOT_APPS
        for m in apps.get_app_config(app).get_models(include_auto_created=True)
    }
    writes: list[str] = []

    def watch(execute, sql, params, many, context):
        match = WRITE_SQL.match(sql)
        if match and match.group(1) in tables:
            writes.append(sql[:150])
        return execute(sql, params, many, context)

    with connection.execute_wrapper(watch):
        yield
    assert not writes, f"{what}: refused, yet it wrote: {writes}"


def test_the_write_watcher_sees_a_refused_write_even_rolled_back(db, cast):
    from django.db import transaction

    with no_write("lecture"):
        assert CPTS.objects.filter(pk=cast.cpts.pk).exists()
    with pytest.raises(AssertionError, match="refused, yet it wrote"), no_write("écriture annulée"):
        with transaction.atomic():
            CPTS.objects.filter(pk=cast.cpts.pk).update(name="Changé")
            transaction.set_rollback(True)
    assert CPTS.objects.get(pk=cast.cpts.pk).name != "Changé"


@pytest.fixture
def reference_tables_unchanged(db, world):
    """Big reference tables (communes, postal codes...): compared in full once per test."""
    before = snapshot(full=True)
    yield
    after = snapshot(full=True)
    territory = [m._meta.label for m in apps.get_app_config("territory").get_models()]
    for label in territory:
        assert before[label] == after[label], f"{label} changed"


# --- The pages --------------------------------------------------------------------------------------------

Data = Callable[[World, str], dict]
Status = int | Callable[[str], int]


@dataclass
class Page:
    kwargs: Callable[[World], dict] = lambda w: {}
    query: dict | Callable[[World], dict] = field(default_factory=dict)  # GET parameters
    data: Data | None = None  # POST data
    ok: dict[str, Status] = field(default_factory=lambda: {"GET": 200, "POST": 302})
    refused: int = 403  # status for a logged-in user refused by the rule
    owner_only: Callable[[str], bool] | None = None  # POST allowed but acting on the user's own rows only
    # The view answers a user who is not the owner with a message and a redirect (no 403): it went through the
    # CPTS's page (User.last_cpts) but must write nothing else.
    refusal_redirects: bool = False
    order: int = 0  # > 0: changes who is logged in, so run at the end, in this order


def slug(w):
    return {"slug": w.slug}


def _failed_job():
    """A job that failed inline, to relaunch (the audit checkpoint: harmless to run again)."""
    return JobFailure.objects.create(
        task_name="audit.checkpoint",
        args={"timestamp": 0},
        error="Exception: essai",
        failed_at=timezone.now(),
    )


def _today():
    return timezone.localdate()


def _docx_upload():
    """docgen's test letter as an uploaded replacement of itself (valid, so an allowed POST stores it)."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    return {"file": SimpleUploadedFile("lettre.docx", test_letter.PATH.read_bytes())}


def _profile(w, role):
    return {
        "id_type": "8",
        "national_id": rpps_with_key("1000000123"),
        "civility": "DR",
        "last_name": "TEST",
        "first_name": "Prénom",
        "profession": "TRE_G15|10",
        "specialty_code": "",
        "mssante": "",
        "phone": "",
    }


def _newest_api_token() -> int:
    from accounts.models import APIToken

    return APIToken.objects.order_by("-pk").values_list("pk", flat=True).first() or 1


def _trusted_device(user, label):
    """A device ``user`` trusts (created once per test), as accounts.trust stores one."""
    import datetime as dt

    from accounts.models import TrustedDevice
    from accounts.trust import password_digest

    now = timezone.now()
    device, _ = TrustedDevice.objects.get_or_create(
        user=user,
        label=label,
        defaults={
            "digest": f"{label}-{user.pk}".ljust(64, "0")[:64],
            "password_digest": password_digest(user),
            "created_at": now,
            "expires_at": now + dt.timedelta(days=30),
        },
    )
    return device


def _trust_device_of(w, role, label) -> dict:
    user = acting_user(w.cast, role)
    if user is not None:
        _trusted_device(user, label)
    return {}


def _push_subscription(role, n) -> dict:
    """A browser's subscription as form fields: a known push service, a P-256 point, a 16-byte secret."""
    import base64

    point = base64.urlsafe_b64encode(b"\x04" + bytes(range(1, 65))).rstrip(b"=").decode()
    return {
        "endpoint": f"https://fcm.googleapis.com/fcm/send/matrice-{role}-{n}",
        "p256dh": point,
        "auth": base64.urlsafe_b64encode(bytes(16)).rstrip(b"=").decode(),
    }


def _subscribed(w, role, n) -> dict:
    from notifications import push

    data = _push_subscription(role, n)
    user = acting_user(w.cast, role)
    if user is not None:
        push.subscribe(user, data["endpoint"], data["p256dh"], data["auth"])
    return {"endpoint": data["endpoint"]}


def _logged_in_302(role):
    return 200 if role == "anonymous" else 302


# Group pages: the permission is not enough, the rules of coordination.access apply (active member of the
# group to read and post; initiator or coordinator to manage). Other roles get 403 and change nothing.
GROUP_READERS = {"member"}
GROUP_MANAGERS = {"member", "coordinator"}


def group_page(kwargs, data=None, who=GROUP_READERS) -> Page:
    if data is None:
        return Page(kwargs=kwargs, ok={"GET": lambda role: 200 if role in who else 403})
    return Page(
        kwargs=kwargs,
        data=data,
        ok={"POST": lambda role: 302 if role in who else 403},
        owner_only=lambda role: role in who,
    )


def _group(attr):
    return lambda w: {"slug": w.slug, "group_id": getattr(w.coordination, attr).pk}


def _message(attr):
    return lambda w: {
        "slug": w.slug,
        "group_id": w.coordination.circle.pk,
        "message_id": getattr(w.coordination, attr).pk,
    }


# News pages: the permission is not enough to edit or delete, the rules of news.access apply (the author; a
# coordinator moderates). Other roles holding the permission get 403 and change nothing.
NEWS_POST_AUTHOR = {"bureau"}
NEWS_POST_REMOVERS = {"bureau", "coordinator"}
NEWS_COMMENT_AUTHOR = {"member"}
NEWS_COMMENT_REMOVERS = {"member", "coordinator"}


def _news_post(attr):
    return lambda w: {"slug": w.slug, "post_id": getattr(w.news, attr).pk}


def _news_comment(attr):
    return lambda w: {"slug": w.slug, "post_id": w.news.post.pk, "comment_id": getattr(w.news, attr).pk}


def news_page(kwargs, data, who, get=False) -> Page:
    ok = {"POST": lambda role: 302 if role in who else 403}
    if get:
        ok["GET"] = lambda role: 200 if role in who else 403
    return Page(kwargs=kwargs, data=data, ok=ok, owner_only=lambda role: role in who)


# Calendar pages of a group: the rules of the group apply (agenda.access), as for the group's pages.
def _event(attr):
    return lambda w: {
        "slug": w.slug,
        "group_id": w.coordination.circle.pk,
        "event_id": getattr(w.agenda, attr).pk,
    }


def agenda_form_page(kwargs, data) -> Page:
    """A form page (GET and POST) of the circle's calendar: its active members only."""
    return Page(
        kwargs=kwargs,
        data=data,
        ok={
            "GET": lambda role: 200 if role in GROUP_READERS else 403,
            "POST": lambda role: 302 if role in GROUP_READERS else 403,
        },
        owner_only=lambda role: role in GROUP_READERS,
    )


def _event_data(title):
    import datetime as dt

    day = (_today() + dt.timedelta(days=2)).isoformat()
    return lambda w, r: {
        "kind": "home_visit",
        "title": title,
        "start_date": day,
        "start_time": "09:00",
        "end_date": "",
        "end_time": "10:00",
        "place": "Domicile",
        "description": "",
        "external_participants": "",
        "participants": [str(w.cast.member.pk)],
    }


def _days(n):
    import datetime as dt

    return dt.timedelta(days=n)


def _next_week(start):
    """The same Paris wall-clock time a week later (what "copier la semaine" does)."""
    import datetime as dt

    from agenda.timing import PARIS

    local = start.astimezone(PARIS)
    return dt.datetime.combine(local.date() + _days(7), local.time(), tzinfo=PARIS)


def snp_page(kwargs, data=None, who=SNP_MANAGERS) -> Page:
    """A page acting on the member's slots or on the partner's bookings: ``who`` only; others 403, nothing
    changed."""
    if data is None:
        return Page(kwargs=kwargs, ok={"GET": lambda role: 200 if role in who else 403})
    return Page(
        kwargs=kwargs,
        data=data,
        ok={"POST": lambda role: 302 if role in who else 403},
        owner_only=lambda role: role in who,
    )


def _snp_booking(attr):
    return lambda w: {"slug": w.slug, "booking_id": getattr(w.snp, attr).pk}


# Médecin traitant (gpmatching.access): the request proposed to the member is read by the coordination and by
# him only. The GP's own pages need a physician (my_capacity) or a professional profile (my_proposals): the
# member is a GP; the bureau and the coordinator hold cpts.take_gp_patients but have no profile yet (403), the
# coordinator edits a GP's capacity by naming him. Answering another's proposal: 302 with a message.
GP_PROPOSAL_READERS = {"coordinator", "member"}
GP_DOCTORS = {"member"}
GP_CAPACITY_EDITORS = {"coordinator", "member"}


def gp_page(kwargs, data=None, who=GP_DOCTORS, query=None) -> Page:
    """A page of a GP (or of the request proposed to him): ``who`` only, the others holding the permission
    403."""
    ok = {"GET": lambda role: 200 if role in who else 403}
    if data is not None:
        ok["POST"] = lambda role: 302 if role in who else 403
    return Page(
        kwargs=kwargs,
        query=query or {},
        data=data,
        ok=ok,
        owner_only=(lambda role: role in who) if data is not None else None,
    )


def _gp_request(attr):
    return lambda w: {"slug": w.slug, "request_id": getattr(w.gp, attr).pk}


def _gp_patient(last_name):
    return lambda w, r: {
        **GP_PATIENT,
        "last_name": last_name,
        "first_name": "Paul",
        "birth_date": "1948-05-06",
        "situations": ["ald", "home_visits"],
        "reason": "retirement",
        "consent": "on",
    }


def _gp_public_form(w, r):
    """The public form as a person sends it: the spam trap empty, shown a minute ago (signed stamp)."""
    import time

    from django.core import signing

    from gpmatching import spam

    return {
        **_gp_patient("FORMULAIRE")(w, r),
        "website": "",
        "stamp": signing.dumps(int(time.time()) - 60, salt=spam.SALT),
    }


def _gp_upload(w, r):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return {
        "file": SimpleUploadedFile(
            "matrice-import.csv", _gp_csv("CSVMATRICE", "Jean"), content_type="text/csv"
        ),
        "attest": "on",
    }


def _gp_policy(w, r):
    return {
        "base": "10",
        "ald": "35",
        "age_70": "25",
        "precarity": "25",
        "chronic": "10",
        "disability": "10",
        "pregnancy": "10",
        "home_visits": "5",
        "per_month_waiting": "2",
        "max_waiting_points": "24",
        "keep_after_placement_days": "30",
        "keep_waiting_months": "24",
        "remind_after_days": "5",
        "expire_after_days": "15",
    }


def _gp_capacity(w, r):
    # "professionnel" names the GP for the coordination; ignored for anybody else (their own capacity).
    return {
        "professionnel": w.cast.member.professional_id,
        "per_month": "4",
        "max_distance_km": "25",
        "min_age": "",
        "max_age": "",
        "place": "",
        "paused_until": "",
        "retirement_on": "",
        "patients": "900",
    }


def _member_or_404(role):
    return 200 if role == "member" else 404


def _member_302_or_404(role):
    return 302 if role == "member" else 404


def _member_or_referent_200(role):
    return 200 if role in ("member", "referent") else 404


def _member_302_referent_403(role):
    return {"member": 302, "referent": 403}.get(role, 404)


def _project(attr):
    return lambda w: {"project_id": getattr(w.projects, attr).pk}


def _referent_or_404(role):
    return 200 if role == "referent" else 404


def _referent_302_or_404(role):
    return 302 if role == "referent" else 404


def referent_page(kwargs=lambda w: {}, data=None, query=None) -> Page:
    """A « Suivi » page (oversight): the cast's referent, ARS / CPAM referent of the projects world's Bretagne
    and of cast.cpts's Ain, gets it; 404 for every other account, nothing written."""
    return Page(
        kwargs=kwargs,
        data=data,
        query=query or {},
        ok={"GET": _referent_or_404, "POST": _referent_302_or_404},
        owner_only=lambda role: role == "referent",
    )


def project_read_page(kwargs, data=None, query=None) -> Page:
    """A page of a project in Bretagne that its ARS referent (the cast's referent) reads too; writing it stays
    its members' (404 for the referent and everyone else)."""
    return Page(
        kwargs=kwargs,
        data=data,
        query=query or {},
        ok={"GET": _member_or_referent_200, "POST": _member_302_or_404},
        owner_only=lambda role: role == "member",
    )


def project_page(kwargs, data=None, query=None) -> Page:
    """A page of a project whose porteur is the member: 404 for every other account, nothing written."""
    return Page(
        kwargs=kwargs,
        data=data,
        query=query or {},
        ok={"GET": _member_or_404, "POST": _member_302_or_404},
        owner_only=lambda role: role == "member",
    )


def _letter_form(w) -> dict:
    data = {
        "acteurs-TOTAL_FORMS": "1",
        "acteurs-INITIAL_FORMS": "0",
        "acteurs-0-nom": "Marie Membre",
        "acteurs-0-qualite": "Médecin",
        "partenaires-TOTAL_FORMS": "0",
        "partenaires-INITIAL_FORMS": "0",
        "orientation_access": "Matrice",
    }
    letter = _project_letter()
    for key in ("problematique", "modalites", "moyens", "objectif_patients", "objectif_acteurs"):
        data[key] = letter[key]
    for key in ("territoire", "elements_diagnostic", "patients", "construction", "depot", "mise_en_oeuvre"):
        data[key] = letter[key]
    data.update(problematique="Problématique de la matrice", pta_dac="non")
    return data


def _ami_form(w) -> dict:
    return {
        "acteurs-TOTAL_FORMS": "1",
        "acteurs-INITIAL_FORMS": "0",
        "acteurs-0-nom": "Marie Membre",
        "acteurs-0-profession": "Médecin",
        "acteurs-0-lieu": "Fouesnant",
        "referents-TOTAL_FORMS": "1",
        "referents-INITIAL_FORMS": "0",
        "referents-0-nom": "Marie Membre",
        "referents-0-fonction": "Médecin",
        "referents-0-email": "member@cast.test",
        "referents-0-telephone": "0298000000",
        "objectifs": ["initiative"],
        "contexte": "Contexte de la matrice",
        "rencontre": (_today() + dt.timedelta(days=20)).isoformat(),
    }


# Who may import a dataset of the diagnostic (diagnostic/access.py): the instance administrator, and the
# cast's only account that proved (Pro Santé Connect) it holds a professional record: cast.member, who
# imported the world's dataset.
DIAGNOSTIC_IMPORTERS = {"instance_admin", "member"}


def _diagnostic_upload() -> dict:
    from django.core.files.uploadedfile import SimpleUploadedFile

    return {
        "file": SimpleUploadedFile("matrice.csv", b"code;valeur\n01034;12,5\n", content_type="text/csv"),
        "indicator": "Indicateur matrice",
        "unit": "%",
        "source": "Matrice",
        "vintage": "2025",
        "licence": "Licence Ouverte 2.0",
        "aggregation": "weighted",
    }


PAGES: dict[str, Page] = {
    "home": Page(ok={"GET": 302}),
    "healthz": Page(),
    "accounts:login": Page(
        data=lambda w, r: {"email": "nobody@cast.test", "password": "wrong"}, ok={"GET": 200, "POST": 200}
    ),
    "accounts:logout": Page(data=lambda w, r: {}, order=2),
    "accounts:register": Page(
        data=lambda w, r: {
            "first_name": "Nina",
            "last_name": "Nouvelle",
            "email": "new@cast.test",
            "password": "Une-Phrase-Longue-2026",
            "password2": "Une-Phrase-Longue-2026",
        },
        ok={"GET": _logged_in_302, "POST": 302},
        order=1,
    ),  # logs the anonymous client in
    # Pro Santé Connect is off here (no PSC_CLIENT_ID): 404 once the login rule passes
    # (accounts/tests/test_psc_flow.py runs it against a real provider).
    "accounts:psc_login": Page(ok={"GET": 404}),
    "accounts:psc_callback": Page(ok={"GET": 404}),
    "accounts:psc_confirm": Page(data=lambda w, r: {"email": "psc@cast.test"}, ok={"GET": 404, "POST": 404}),
    "accounts:psc_link": Page(data=lambda w, r: {}, ok={"POST": 404}),
    "accounts:psc_unlink": Page(data=lambda w, r: {}, ok={"POST": 404}),
    "accounts:otp_verify": Page(data=lambda w, r: {"code": "000000"}, ok={"GET": 302, "POST": 302}),
    "accounts:otp_setup": Page(data=lambda w, r: {"code": "000000"}, ok={"GET": 200, "POST": 200}),
    "accounts:recovery_codes": Page(data=lambda w, r: {}, ok={"POST": 200}),
    "accounts:security": Page(),
    "accounts:api_tokens": Page(
        data=lambda w, r: {"name": "Jeton matrice", "days": "365"}, ok={"GET": 200, "POST": 200}
    ),  # the token is shown once, no redirect
    # Just after the page above: the newest token is the one the role logged in there has just created.
    "accounts:revoke_api_token": Page(
        kwargs=lambda w: {"token_id": _newest_api_token()}, data=lambda w, r: {}
    ),
    # A device of the member (others: 404, nothing changes), then all the acting user's devices.
    "accounts:revoke_trusted_device": Page(
        kwargs=lambda w: {"device_id": _trusted_device(w.cast.member, "Matrice un").pk},
        data=lambda w, r: {},
        ok={"POST": lambda role: 302 if role == "member" else 404},
        owner_only=lambda role: role == "member",
    ),
    "accounts:revoke_all_trusted_devices": Page(data=lambda w, r: _trust_device_of(w, r, "Matrice tous")),
    "accounts:password_reset": Page(data=lambda w, r: {"email": "member@cast.test"}),
    "accounts:password_reset_done": Page(),
    "accounts:password_reset_confirm": Page(kwargs=lambda w: {"uidb64": "MQ", "token": "invalide-jeton"}),
    "accounts:password_reset_complete": Page(),
    # Médecin traitant, before directory:my_profile below gives every role a physician's profile: here only
    # the member is a GP. The form, then its "merci" page (the reference, once per session).
    "gpmatching:public_form": Page(kwargs=slug, data=_gp_public_form),
    "gpmatching:public_done": Page(kwargs=slug),
    "gpmatching:public_confirm": Page(
        kwargs=lambda w: {"token": w.gp.token}, data=lambda w, r: {}, ok={"GET": 200, "POST": 200}
    ),  # GET shows a button; POST confirms
    "gpmatching:waiting_list": Page(kwargs=slug, query={"etat": "attente", "critere": "ald"}),
    "gpmatching:request": gp_page(_gp_request("proposed"), who=GP_PROPOSAL_READERS),
    "gpmatching:request_action": Page(
        kwargs=_gp_request("to_withdraw"),
        data=lambda w, r: {"action": "withdraw", "reason": "Médecin trouvé par ailleurs"},
    ),
    "gpmatching:new_request": Page(kwargs=slug, data=_gp_patient("INSCRIT")),
    "gpmatching:import": Page(kwargs=slug, data=_gp_upload),
    "gpmatching:import_preview": Page(
        kwargs=lambda w: {"slug": w.slug, "batch_id": w.gp.batch.pk}, data=lambda w, r: {}
    ),
    # Sent before a new computation below, which discards the drafts.
    "gpmatching:send": Page(kwargs=slug, data=lambda w, r: {"proposal": [str(w.gp.draft.pk)]}),
    "gpmatching:matching": Page(kwargs=slug, data=lambda w, r: {}),
    "gpmatching:policy": Page(kwargs=slug, data=_gp_policy),
    "gpmatching:capacities": Page(kwargs=slug),
    "gpmatching:my_capacity": gp_page(
        slug,
        _gp_capacity,
        who=GP_CAPACITY_EDITORS,
        query=lambda w: {"professionnel": w.cast.member.professional_id},
    ),
    "gpmatching:my_proposals": gp_page(slug),
    # Another's proposal: a message and back to "mes propositions" (302), nothing answered.
    "gpmatching:answer": Page(
        kwargs=lambda w: {"slug": w.slug, "proposal_id": w.gp.sent.pk},
        data=lambda w, r: {"action": "accept"},
        owner_only=lambda role: role in GP_DOCTORS,
        refusal_redirects=True,
    ),
    "gpmatching:dashboard": Page(kwargs=slug),
    "aci:cockpit": Page(kwargs=slug),
    "aci:contract": Page(kwargs=slug),
    "aci:mission_dates": Page(
        kwargs=lambda w: {"slug": w.slug, "pk": w.aci.access_mission.pk},
        data=lambda w, r: {f"m{w.aci.access_mission.pk}-started_on": "2025-03-01"},
    ),
    "aci:amend": Page(
        kwargs=slug,
        data=lambda w, r: {"kind": "mission", "mission-mission": "quality", "mission-on": "2025-06-01"},
    ),
    "aci:schedule": Page(kwargs=slug),
    "aci:recompute": Page(kwargs=slug, data=lambda w, r: {"reason": "Recalcul matrice"}),
    "aci:payments": Page(
        kwargs=slug,
        ok={"GET": 302, "POST": 302},  # the list is on the schedule page
        data=lambda w, r: {"received_on": "2025-02-01", "amount": "1234", "label": "Versement matrice"},
    ),
    "aci:budget": Page(
        kwargs=slug, query={"annee": "1"}, data=lambda w, r: {"annee": "1", "b-fonctionnement-staff": "5000"}
    ),
    "aci:expenses": Page(
        kwargs=slug,
        data=lambda w, r: {
            "spent_on": "2025-02-02",
            "mission": "",
            "category": "events",
            "label": "Dépense matrice",
            "amount": "99",
        },
    ),
    "aci:expense_delete": Page(
        kwargs=lambda w: {"slug": w.slug, "pk": w.aci.expense_to_delete.pk}, data=lambda w, r: {}
    ),
    "aci:expenses_import": Page(kwargs=slug, data=_aci_import),
    "aci:indicators": Page(kwargs=slug, query={"annee": "1"}),
    "aci:indicator_new": Page(
        kwargs=slug,
        data=lambda w, r: {
            "mission": "access",
            "name": "Indicateur matrice",
            "source": "manual",
            "unit": "count",
            "direction": "higher",
        },
    ),
    "aci:indicator": Page(kwargs=lambda w: {"slug": w.slug, "pk": w.aci.computed.pk}, query={"annee": "1"}),
    "aci:indicator_edit": Page(
        kwargs=lambda w: {"slug": w.slug, "pk": w.aci.manual.pk},
        data=lambda w, r: {
            "mission": "prevention",
            "name": "Dépistage renommé",
            "source": "manual",
            "unit": "percent",
            "direction": "higher",
        },
    ),
    "aci:indicator_steps": Page(
        kwargs=lambda w: {"slug": w.slug, "pk": w.aci.manual.pk},
        data=lambda w, r: {"annee": "2", "label_0": "Socle", "threshold_0": "70", "amount_0": "900"},
    ),
    "aci:indicator_result": Page(
        kwargs=lambda w: {"slug": w.slug, "pk": w.aci.manual.pk},
        data=lambda w, r: {"annee": "1", "value": "71,5", "note": "matrice"},
    ),
    "aci:indicator_rows": Page(
        kwargs=lambda w: {"slug": w.slug, "pk": w.aci.computed.pk}, query={"annee": "1"}
    ),
    "aci:evidence_add": Page(kwargs=lambda w: {"slug": w.slug, "pk": w.aci.manual.pk}, data=_aci_evidence),
    "aci:evidence_download": Page(kwargs=lambda w: {"slug": w.slug, "pk": w.aci.evidence.pk}),
    "aci:evidence_delete": Page(
        kwargs=lambda w: {"slug": w.slug, "pk": w.aci.evidence_to_delete.pk}, data=lambda w, r: {}
    ),
    "aci:close_year": Page(kwargs=slug, data=lambda w, r: {"annee": "1"}),
    "aci:report": Page(kwargs=slug, query={"annee": "1"}),
    "aci:report_pdf": Page(kwargs=lambda w: {"slug": w.slug, "year": 1}),
    "aci:report_xlsx": Page(kwargs=lambda w: {"slug": w.slug, "year": 1}),
    # Last of the ACI pages: for the coordinator it replaces the world's contract by a new one.
    "aci:sign": Page(
        kwargs=slug, data=_aci_sign, order=0.5, ok={"GET": 302, "POST": 302}
    ),  # GET: already signed
    "gpmatching:map_data": Page(kwargs=slug),
    "diagnostic:cpts": Page(kwargs=slug),
    "diagnostic:cpts_typed": Page(
        kwargs=slug,
        data=lambda w, r: {
            "indicator": f"Indicateur saisi {r}",
            "unit": "%",
            "territory_value": "10",
            "vintage": "2024",
        },
    ),
    # Before « directory:my_profile », whose POST links every logged-in account to a professional record.
    # Importing: the instance administrator and accounts linked to their professional record (cast.member);
    # the others get the form back with the refusal (200) and nothing written.
    "diagnostic:datasets": Page(
        data=lambda w, r: _diagnostic_upload(),
        ok={"GET": 200, "POST": lambda role: 302 if role in DIAGNOSTIC_IMPORTERS else 200},
        owner_only=lambda role: role in DIAGNOSTIC_IMPORTERS,
    ),
    # Removing: the uploader (cast.member) or the administrator; the others are told so (redirect).
    "diagnostic:delete_dataset": Page(
        kwargs=lambda w: {"dataset_id": w.diagnostic_dataset.pk},
        data=lambda w, r: {},
        owner_only=lambda role: role in DIAGNOSTIC_IMPORTERS,
    ),
    "directory:my_profile": Page(data=_profile),
    "directory:add_place": Page(
        data=lambda w, r: {
            "place-label": "Cabinet 2",
            "place-address": "1 rue du Test",
            "place-postal_code": "01300",
            "place-phone": "",
            "place-commune_insee": "01034",
        }
    ),
    "directory:delete_place": Page(
        kwargs=lambda w: {"place_id": w.place.pk},
        data=lambda w, r: {},
        owner_only=lambda role: role == "member",
    ),
    "notifications:list": Page(),
    "notifications:open": Page(
        kwargs=lambda w: {"notification_id": w.notification.pk},
        ok={"GET": lambda role: 302 if role == "member" else 404},
    ),  # another's: 404
    "notifications:mark_read": Page(
        kwargs=lambda w: {"notification_id": w.notification.pk},
        data=lambda w, r: {},
        ok={"POST": lambda role: 302 if role == "member" else 404},
        owner_only=lambda role: role == "member",
    ),
    "notifications:mark_all_read": Page(data=lambda w, r: {}),
    "notifications:push_subscribe": Page(data=lambda w, r: _push_subscription(r, 1), ok={"POST": 201}),
    "notifications:push_unsubscribe": Page(data=lambda w, r: _subscribed(w, r, 2), ok={"POST": 200}),
    "notifications:manifest": Page(),
    "notifications:service_worker": Page(),
    "notifications:preferences": Page(
        data=lambda w, r: {
            "messages": "immediate",
            "mentions": "immediate",
            "invitations": "immediate",
            "groups": "immediate",
            "documents": "digest",
            "agenda": "digest",
            "news": "immediate",
            "proposals": "immediate",
            "quiet_start": "22:00",
            "quiet_end": "06:30",
            "digest_hour": "8",
        }
    ),
    "directory:search": Page(kwargs=slug),
    "directory:professional": Page(
        kwargs=lambda w: {"slug": w.slug, "professional_id": w.cast.member.professional_id}
    ),
    "directory:offer": Page(kwargs=slug),
    "cpts:list": Page(),
    "aci:simulator": Page(query={"taille": "3"}),
    "cpts:create": Page(
        data=lambda w, r: {
            "name": "CPTS Test Nouvelle",
            "stage": "projet",
            "dues_amount": "20",
            "coordinator_email": "",
        }
    ),
    "jobs:status": Page(data=lambda w, r: {"failure": _failed_job().pk}),
    "docgen:list": Page(),
    # Upload before reset: the administrator's upload is what the reset then takes back.
    "docgen:template": Page(kwargs=lambda w: {"key": test_letter.KEY}, data=lambda w, r: _docx_upload()),
    "docgen:download": Page(kwargs=lambda w: {"key": test_letter.KEY}),
    "docgen:download_default": Page(kwargs=lambda w: {"key": test_letter.KEY}),
    "docgen:reset": Page(kwargs=lambda w: {"key": test_letter.KEY}, data=lambda w, r: {}),
    "cpts:home": Page(kwargs=slug),
    "cpts:menu": Page(kwargs=slug),
    "cpts:join": Page(
        kwargs=slug,
        data=lambda w, r: {"message": "Je souhaite adhérer."},
        ok={"GET": 200, "POST": lambda role: 200 if role in CPTS_MEMBERS else 302},
    ),
    "cpts:territory": Page(kwargs=slug),
    "cpts:territory_geojson": Page(kwargs=slug),
    "cpts:territory_search": Page(kwargs=slug, query={"q": "Bourg"}),
    "cpts:territory_add": Page(kwargs=slug, data=lambda w, r: {"insee": w.free_commune}),
    "cpts:territory_remove": Page(
        kwargs=lambda w: {"slug": w.slug, "insee": w.cpts_commune}, data=lambda w, r: {}
    ),
    "cpts:members": Page(kwargs=slug, query={"q": "a"}),
    "cpts:member_role": Page(
        kwargs=lambda w: {"slug": w.slug, "membership_id": w.member_membership.pk},
        data=lambda w, r: {"role": Role.BUREAU},
    ),
    "cpts:requests": Page(kwargs=slug),
    "cpts:request_accept": Page(
        kwargs=lambda w: {"slug": w.slug, "request_id": w.request_to_accept.pk},
        data=lambda w, r: {"role": Role.MEMBER},
    ),
    "cpts:request_refuse": Page(
        kwargs=lambda w: {"slug": w.slug, "request_id": w.request_to_refuse.pk},
        data=lambda w, r: {"reason": "Exercice hors du territoire."},
    ),
    "cpts:dues": Page(
        kwargs=slug,
        data=lambda w, r: {
            "membership": w.member_membership.pk,
            "year": _today().year,
            "amount": "50.00",
            "paid": "on",
            "paid_on": _today().isoformat(),
        },
    ),
    "cpts:bureau": Page(
        kwargs=slug,
        data=lambda w, r: {"membership": w.member_membership.pk, "title": "tresorier", "since": "2025-01-15"},
    ),
    "cpts:structures": Page(
        kwargs=slug,
        data=lambda w, r: {
            "name": "MSP du Test",
            "kind": "msp",
            "finess": "",
            "siret": "",
            "address": "",
            "postal_code": "",
            "phone": "",
            "email": "",
            "commune_insee": "01034",
            "agreement": "Convention 2026",
        },
    ),
    "cpts:audit": Page(kwargs=slug),
    "cpts:audit_export": Page(kwargs=slug),
    "cpts:reports": Page(kwargs=slug),
    "cpts:settings": Page(
        kwargs=slug,
        data=lambda w, r: {
            "stage": "valide",
            "siret": "",
            "finess": "",
            "email": "contact@cast.test",
            "phone": "",
            "address": "",
            "founded_on": "2024-03-01",
            "dues_amount": "30",
        },
    ),
    "coordination:groups": Page(kwargs=slug),
    "coordination:new_patient": Page(
        kwargs=slug,
        data=lambda w, r: {
            "family_name": "NOUVEAU",
            "used_name": "",
            "given_names": "Patient",
            "birth_date": "1960-01-31",
            "sex": "U",
            "address": "",
            "postal_code": "",
            "phone": "",
            "nir": "",
        },
    ),
    "coordination:new_group": Page(
        kwargs=slug, data=lambda w, r: {"title": "Groupe matrice", "description": ""}
    ),
    "coordination:group": group_page(_group("circle")),
    "coordination:group_messages": group_page(_group("circle")),
    "coordination:members": group_page(_group("circle")),
    "coordination:consents": group_page(_group("circle")),
    "coordination:documents": group_page(_group("circle")),
    "coordination:informations": group_page(_group("circle")),
    "coordination:post_message": group_page(
        _group("circle"), lambda w, r: {"subject": "Matrice", "body": "Bonjour"}
    ),
    "coordination:edit_message": group_page(
        _message("to_edit"), lambda w, r: {"subject": "Sujet 1", "body": "Modifié"}
    ),
    "coordination:delete_message": group_page(_message("to_delete"), lambda w, r: {}),
    "coordination:invite": group_page(
        _group("circle"), lambda w, r: {"user": w.cast.bureau.pk, "function": ""}, who=GROUP_MANAGERS
    ),
    "coordination:answer_invitation": group_page(_group("invited_to"), lambda w, r: {"answer": "accept"}),
    "coordination:leave": group_page(_group("invited_to"), lambda w, r: {}),  # after accepting the invitation
    "coordination:remove_member": group_page(
        lambda w: {
            "slug": w.slug,
            "group_id": w.coordination.circle.pk,
            "user_id": w.coordination.colleague.pk,
        },
        lambda w, r: {},
        who=GROUP_MANAGERS,
    ),
    "coordination:close": group_page(_group("to_close"), lambda w, r: {}, who=GROUP_MANAGERS),
    "coordination:reopen": group_page(_group("to_reopen"), lambda w, r: {}, who=GROUP_MANAGERS),
    "coordination:record_consent": group_page(
        _group("circle"),
        lambda w, r: {
            "collected_on": _today().isoformat(),
            "method": "on_screen",
            "witness": "",
            "scope": "Consentement matrice",
            "expires_on": "",
        },
    ),
    # Before the consent's withdrawal below: scheduling in a care circle needs a valid consent.
    "agenda:mine": Page(kwargs=slug, query={"vue": "mois"}),
    "agenda:subscription": Page(
        kwargs=slug, data=lambda w, r: {}, ok={"GET": 200, "POST": 200}
    ),  # URL shown once
    "agenda:revoke_subscription": Page(kwargs=slug, data=lambda w, r: {}),  # after the subscription above
    "agenda:group": group_page(_group("circle")),
    "agenda:new_event": agenda_form_page(_group("circle"), _event_data("Visite matrice")),
    "agenda:event": group_page(_event("to_edit")),
    "agenda:edit_event": agenda_form_page(_event("to_edit"), _event_data("Visite modifiée")),
    "agenda:cancel_event": group_page(_event("to_cancel"), lambda w, r: {"reason": ""}),
    "agenda:timeline": group_page(_group("circle")),
    "agenda:ical": Page(
        kwargs=lambda w: {"token": w.agenda.feed_token}
    ),  # the token, not the session, decides
    "coordination:withdraw_consent": group_page(
        lambda w: {
            "slug": w.slug,
            "group_id": w.coordination.circle.pk,
            "consent_id": w.coordination.consent.pk,
        },
        lambda w, r: {},
    ),
    "coordination:edit_patient": Page(
        kwargs=_group("circle"),
        data=lambda w, r: {
            "family_name": "MATRICE",
            "given_names": "Paul",
            "used_name": "RECTIFIÉ",
            "birth_date": str(w.coordination.circle.patient.birth_date),
            "sex": "U",
        },
        ok={
            "GET": lambda role: 200 if role in GROUP_READERS else 403,
            "POST": lambda role: 302 if role in GROUP_READERS else 403,
        },
        owner_only=lambda role: role in GROUP_READERS,
    ),
    "coordination:edit_group": Page(
        kwargs=_group("to_edit_group"),
        data=lambda w, r: {"title": "Groupe renommé", "description": ""},
        ok={
            "GET": lambda role: 200 if role in GROUP_MANAGERS else 403,
            "POST": lambda role: 302 if role in GROUP_MANAGERS else 403,
        },
        owner_only=lambda role: role in GROUP_MANAGERS,
    ),
    "coordination:history": group_page(
        _group("circle"), who=GROUP_MANAGERS
    ),  # its active members and managers
    "coordination:search": Page(kwargs=slug, query={"q": "Sujet"}),
    "coordination:conversations": Page(kwargs=slug),
    "coordination:new_conversation": Page(
        kwargs=slug,
        data=lambda w, r: {
            "recipients": [str(w.coordination.colleague.pk)],
            "subject": "Conversation matrice",
            "body": "Bonjour",
        },
    ),
    "coordination:settings": Page(kwargs=slug, data=lambda w, r: {"closed_circle_retention_days": "730"}),
    "coordination:my_invitations": Page(),
    "privacy:notices": Page(),
    "privacy:notice_patients": Page(kwargs=slug),
    "privacy:notice_professionals": Page(kwargs=slug),
    "privacy:notice_public": Page(kwargs=slug),
    "privacy:contact": Page(
        kwargs=slug,
        data=lambda w, r: {
            "dpo_name": "DPO matrice",
            "dpo_email": "dpo@cast.test",
            "dpo_address": "1 rue, 01300 Belley",
        },
    ),
    "privacy:registre": Page(kwargs=slug),
    "privacy:registre_pdf": Page(kwargs=slug),
    "privacy:requests": Page(kwargs=slug),
    "privacy:new_request": Page(
        kwargs=slug,
        data=lambda w, r: {
            "kind": "access",
            "requester": "Demandeur matrice",
            "requester_is_patient": "1",
            "received_on": str(_today()),
        },
    ),
    "privacy:request": Page(kwargs=lambda w: {"slug": w.slug, "request_id": w.privacy.to_link.pk}),
    "privacy:request_link": Page(
        kwargs=lambda w: {"slug": w.slug, "request_id": w.privacy.to_link.pk},
        data=lambda w, r: {"patient": str(w.coordination.circle.patient_id)},
    ),
    "privacy:request_ask": Page(
        kwargs=lambda w: {"slug": w.slug, "request_id": w.privacy.linked.pk}, data=lambda w, r: {}
    ),
    "privacy:request_apply": Page(
        kwargs=lambda w: {"slug": w.slug, "request_id": w.privacy.to_apply.pk}, data=lambda w, r: {}
    ),
    "privacy:request_close": Page(
        kwargs=lambda w: {"slug": w.slug, "request_id": w.privacy.to_close.pk},
        data=lambda w, r: {"status": "answered", "outcome": "Réponse matrice"},
    ),
    "privacy:request_export": Page(
        kwargs=lambda w: {"slug": w.slug, "request_id": w.privacy.linked.pk}, query={"format": "json"}
    ),
    "privacy:tasks": Page(kwargs=slug),
    # the export of a circle: produced (a file, 200) by a member who reads the circle only
    "privacy:task": Page(
        kwargs=lambda w: {"slug": w.slug, "task_id": w.privacy.task.pk},
        data=lambda w, r: {"format": "json"},
        ok={
            "GET": lambda role: 200 if role in GROUP_READERS else 403,
            "POST": lambda role: 200 if role in GROUP_READERS else 403,
        },
        owner_only=lambda role: role in GROUP_READERS,
    ),
    # the e-mail's link: an anonymous visitor creates the invited account
    "coordination:email_invitation": Page(
        kwargs=lambda w: {"token": w.coordination.email_token},
        data=lambda w, r: {
            "first_name": "Émile",
            "last_name": "Externe",
            "password": "Une-Phrase-Longue-2026",
            "password2": "Une-Phrase-Longue-2026",
        },
        ok={"GET": 200, "POST": lambda role: 200 if role == "anonymous" else 403},
        owner_only=lambda role: role == "anonymous",
    ),
    # declined: accepting would make the outsider a guest mid-walk
    "coordination:answer_email_invitation": Page(
        kwargs=lambda w: {"invitation_id": w.coordination.outsider_invitation.pk},
        data=lambda w, r: {"answer": "decline"},
        ok={"POST": lambda role: 302 if role == "outsider" else 404},
        owner_only=lambda role: role == "outsider",
    ),
    "documents:section": group_page(_group("circle")),
    "documents:upload": group_page(
        _group("circle"), lambda w, r: {"file": _pdf("matrice.pdf"), "title": "Matrice"}
    ),
    "documents:detail": group_page(_document("document")),
    "documents:new_version": group_page(_document("document"), lambda w, r: {"file": _pdf("version-2.pdf")}),
    "documents:delete": group_page(_document("to_delete"), lambda w, r: {}),
    "documents:download": group_page(_document("document", number=1)),
    "documents:preview": group_page(_document("document", number=1)),
    "news:feed": Page(kwargs=slug, query={"type": "annonce"}),
    "news:create": Page(
        kwargs=slug, data=lambda w, r: {"kind": "annonce", "title": "Annonce matrice", "body": "Texte"}
    ),
    "news:post": Page(kwargs=_news_post("post")),
    "news:comments": Page(kwargs=_news_post("post")),
    "news:edit": news_page(
        _news_post("to_edit"),
        lambda w, r: {"kind": "annonce", "title": "Modifiée par la matrice", "body": "Texte"},
        NEWS_POST_AUTHOR,
        get=True,
    ),
    "news:pin": Page(kwargs=_news_post("to_pin"), data=lambda w, r: {}),
    "news:unpin": Page(kwargs=_news_post("to_unpin"), data=lambda w, r: {}),
    "news:delete": news_page(_news_post("to_delete"), lambda w, r: {}, NEWS_POST_REMOVERS),
    "news:comment": Page(kwargs=_news_post("post"), data=lambda w, r: {"body": "Commentaire matrice"}),
    "news:edit_comment": news_page(
        _news_comment("comment_to_edit"), lambda w, r: {"body": "Modifié par la matrice"}, NEWS_COMMENT_AUTHOR
    ),
    "news:delete_comment": news_page(
        _news_comment("comment_to_delete"), lambda w, r: {}, NEWS_COMMENT_REMOVERS
    ),
    # Soins non programmés: every role with cpts.use_snp searches and books; the member (the professional) and
    # the coordinator manage the slots; the partner booked the world's bookings (unscheduled.access).
    "unscheduled:mine": Page(kwargs=slug),
    "unscheduled:publish": Page(
        kwargs=slug,
        data=lambda w, r: {
            "professionnel": w.cast.member.professional_id,
            "repeat": "weekly",
            "weekdays": ["0", "3"],
            "start_time": "05:00",
            "end_time": "06:00",
            "slot_minutes": "30",
            "valid_from": _today().isoformat(),
            "valid_until": (_today() + _days(30)).isoformat(),
            "place": w.snp.place.pk,
            "modality": "AMB",
            "motifs": "Motif matrice",
            "visibility": ["SNP"],
            "choix": "publier",
        },
        ok={
            # The form: every role with cpts.use_snp manages some professional's slots in this world (their
            # own, a delegation); publishing for the member: the member and the coordination only.
            "GET": 200,
            "POST": lambda role: 302 if role in SNP_MANAGERS else 403,
        },
        owner_only=lambda role: role in SNP_MANAGERS,
    ),
    "unscheduled:pattern_pause": snp_page(
        lambda w: {"slug": w.slug, "pattern_id": w.snp.pattern.pk}, lambda w, r: {"paused": "1"}
    ),
    "unscheduled:bulk": snp_page(
        slug,
        lambda w, r: {
            "professionnel": w.cast.member.professional_id,
            "bulk-slots": [w.snp.to_pause.pk],
            "bulk-action": "pause",
        },
    ),
    "unscheduled:copy_week": snp_page(
        slug,
        lambda w, r: {
            "professionnel": w.cast.member.professional_id,
            "copy-source": w.snp.source_monday.isoformat(),
            "copy-target": w.snp.target_monday.isoformat(),
        },
    ),
    "unscheduled:outcome": snp_page(_snp_booking("to_mark"), lambda w, r: {"outcome": "honoured"}),
    "unscheduled:search": Page(kwargs=slug, query={"where": "Belley", "radius_km": "20", "window": "48h"}),
    "unscheduled:indicators": Page(kwargs=slug, query={"par": "profession"}),
    "unscheduled:book": Page(
        kwargs=lambda w: {"slug": w.slug, "slot_id": w.snp.to_book.pk},
        data=lambda w, r: {**SNP_PATIENT, "family_name": "Réservé par la matrice"},
    ),
    "unscheduled:booking": snp_page(_snp_booking("to_cancel"), who=SNP_BOOKING_SEERS),
    "unscheduled:cancel": snp_page(
        _snp_booking("to_cancel"), lambda w, r: {"reason": "Matrice"}, who=SNP_BOOKING_SEERS
    ),
    "unscheduled:reschedule": snp_page(
        _snp_booking("to_reschedule"), lambda w, r: {"slot": w.snp.target.pk}, who=SNP_BOOKING_SEERS
    ),
    "admin:index": Page(refused=302),  # the admin sends non-staff accounts to the login
    # Projects of CPTS: any account lists and creates them and answers its own invitations; a project's pages
    # answer its porteur (the member) and 404 to every other account (projects/access.py). Last: the
    # conversion makes the member coordinator of a new CPTS.
    "projects:list": Page(),
    # Every account reaches the form; here each holds the entry typed in by « directory:my_profile » (by hand,
    # not checked in the directory): the project is refused with the form shown again, nothing created
    # (starting one with a checked entry: projects/tests/test_pages.py, tests/test_creation_path.py).
    "projects:create": Page(
        data=lambda w, r: {"name": "Projet créé par la matrice"},
        ok={"GET": 200, "POST": 200},
        owner_only=lambda role: False,
    ),
    "projects:answer_invitation": Page(
        kwargs=lambda w: {"invitation_id": w.projects.invitation_to_member.pk},
        data=lambda w, r: {"answer": "accept"},
        owner_only=lambda role: role == "member",
    ),  # another account: « cette invitation n'existe pas », nothing written
    "projects:detail": project_page(_project("sent")),
    "projects:stage": project_page(
        _project("draft"), lambda w, r: {"stage": "lettre", "reached_on": _today().isoformat(), "note": ""}
    ),
    "projects:territory": project_page(_project("draft")),
    "projects:territory_geojson": project_page(_project("draft")),
    "projects:territory_search": project_page(_project("draft"), query={"q": "Fouesnant"}),
    "projects:territory_add": project_page(
        _project("draft"), lambda w, r: {"insee": w.projects.commune_to_add}
    ),
    "projects:territory_remove": project_page(
        lambda w: {"project_id": w.projects.draft.pk, "insee": w.projects.commune_to_remove}, lambda w, r: {}
    ),
    "projects:porteurs": project_page(
        _project("draft"), lambda w, r: {"email": "bureau@cast.test"}, query={"q": "Membre"}
    ),
    "projects:invitation_cancel": project_page(
        lambda w: {"project_id": w.projects.sent.pk, "invitation_id": w.projects.invitation_to_cancel.pk},
        lambda w, r: {},
    ),
    "projects:partners": project_page(
        _project("draft"), lambda w, r: {"name": "EHPAD de la matrice", "kind": "ehpad", "finess": ""}
    ),
    "projects:partner_remove": project_page(
        lambda w: {"project_id": w.projects.sent.pk, "partner_id": w.projects.partner_to_remove},
        lambda w, r: {},
    ),
    "projects:ami": project_page(_project("draft"), lambda w, r: _ami_form(w)),
    "projects:ami_send": project_page(_project("draft"), lambda w, r: {}),
    "projects:ami_document": project_page(_project("draft"), query={"format": "docx"}),
    "projects:letter": project_page(_project("draft"), lambda w, r: _letter_form(w)),
    "projects:letter_send": project_page(_project("draft"), lambda w, r: {}),
    "projects:letter_document": project_page(_project("draft"), query={"format": "docx"}),
    # Read by the project's members and, read-only, by the ARS and CPAM referents of its territory (Bretagne).
    "projects:diagnostic": Page(kwargs=_project("sent"), ok={"GET": _member_or_referent_200}),
    "projects:diagnostic_typed": Page(
        kwargs=_project("draft"),
        data=lambda w, r: {
            "indicator": f"Indicateur {r}",
            "unit": "%",
            "territory_value": "10",
            "vintage": "2024",
        },
        ok={"GET": _member_or_referent_200, "POST": _member_302_referent_403},
        owner_only=lambda role: role == "member",
    ),
    "projects:submission_file": project_page(
        lambda w: {"project_id": w.projects.sent.pk, "submission_id": w.projects.submission.pk}
    ),
    "projects:convert": project_page(
        _project("sent"), lambda w, r: {"name": "CPTS issue de la matrice", "confirm": "on"}
    ),
    # « Suivi » of the ARS and CPAM referents (oversight): the cast's referent only; designating them: the
    # instance administrator.
    "oversight:home": referent_page(query={"etape": "ami"}),
    "oversight:map": referent_page(),
    "oversight:project": referent_page(_project("sent")),
    "oversight:project_diagnostic": referent_page(_project("sent")),
    "oversight:submission_file": referent_page(
        lambda w: {"project_id": w.projects.sent.pk, "submission_id": w.projects.submission.pk}
    ),
    "oversight:comment": referent_page(
        _project("sent"),
        lambda w, r: {"commentaire-dossier": "ami", "commentaire-text": "Commentaire matrice"},
    ),
    "oversight:decide": referent_page(
        _project("sent"),
        lambda w, r: {
            "decision-dossier": "ami",
            "decision-outcome": "changes_requested",
            "decision-text": "Décision matrice",
        },
    ),
    "oversight:cpts": referent_page(slug),
    "oversight:referents": Page(
        data=lambda w, r: {
            "email": "referent.nouveau@cast.test",
            "body": "ARS",
            "region": "84",
            "departement": "",
        }
    ),
    "oversight:revoke": Page(
        kwargs=lambda w: {"referent_id": w.projects.referent_to_revoke}, data=lambda w, r: {}
    ),
    # The association of a project: the same readers and writers as the project's pages.
    "association:overview": project_read_page(_project("draft")),
    "association:statutes": project_read_page(_project("draft"), _statutes_form),
    "association:reglement": project_read_page(
        _project("draft"),
        lambda w, r: {
            "items-TOTAL_FORMS": "1",
            "items-INITIAL_FORMS": "0",
            "items-0-title": "Article de la matrice",
            "items-0-text": "Texte",
        },
    ),
    "association:founders": project_read_page(
        _project("draft"), lambda w, r: {"name": "Fondateur de la matrice", "profession": "Infirmier"}
    ),
    "association:founders_from_porteurs": project_read_page(_project("draft"), lambda w, r: {}),
    "association:founder_remove": project_read_page(
        lambda w: {"project_id": w.projects.draft.pk, "founder_id": w.association.founder_to_remove},
        lambda w, r: {},
    ),
    "association:documents": project_read_page(_project("draft")),
    "association:document": project_read_page(
        lambda w: {"project_id": w.projects.draft.pk, "kind": "statuts"}, query={"format": "docx"}
    ),
    "association:convocation": project_read_page(
        _project("draft"),
        lambda w, r: {
            "held_on": (_today() - dt.timedelta(days=10)).isoformat(),
            "held_at": "20:00",
            "place": "Salle de la matrice",
            "agenda": "Statuts",
        },
    ),
    "association:minutes": project_read_page(_project("draft"), _minutes_form),
    # The project sent, converted above: its history is read-only (projects/access.py:lock_open), the form
    # comes back with the refusal to its member and nothing is recorded; the CPTS's SIRET is its settings'.
    "association:identifiers": Page(
        kwargs=_project("sent"),
        data=lambda w, r: {
            "rna": "W294001234",
            "siret": "73282932000074",
            "published_on": _today().isoformat(),
        },
        ok={"GET": _member_or_referent_200, "POST": _member_or_404},
        owner_only=lambda role: False,
    ),
    # The projet de santé of a project: the same rule as the project's pages (healthplan/views.py).
    "healthplan:overview": project_read_page(_plan()),
    "healthplan:document": project_read_page(_plan(), query={"format": "docx"}),
    "healthplan:chapter": project_page(
        _plan(key=lambda w: "contexte"), lambda w, r: {"text": "Matrice modifiée.", "version": "1"}
    ),
    "healthplan:chapter_history": project_read_page(_plan(key=lambda w: "contexte")),
    "healthplan:sheet_new": project_page(
        _plan(), lambda w, r: {**_healthplan_sheet_form(w, r), "version": ""}
    ),
    "healthplan:sheet": project_page(_plan(sheet_id=lambda w: w.healthplan.sheet), _healthplan_sheet_form),
    "healthplan:sheet_history": project_read_page(_plan(sheet_id=lambda w: w.healthplan.sheet)),
    "healthplan:sheet_delete": project_page(
        _plan(sheet_id=lambda w: w.healthplan.sheet_to_delete), lambda w, r: {}
    ),
    "healthplan:budget": project_read_page(
        _plan(), lambda w, r: {"label": "Dépense de la matrice", "category": "tools", "amount": "500"}
    ),
    "healthplan:expense_remove": project_page(
        _plan(expense_id=lambda w: w.healthplan.expense_to_remove), lambda w, r: {}
    ),
}


def test_every_page_is_in_the_matrix():
    routes = set(page_routes())
    assert not routes - set(PAGE_ACCESS), "URL sans règle dans cpts.roles.PAGE_ACCESS (la déclarer)"
    assert not set(PAGE_ACCESS) - routes, "PAGE_ACCESS nomme une URL qui n'existe plus"
    assert not routes - set(PAGES), "URL absente de la table des requêtes de ce test (l'ajouter à PAGES)"
    assert not set(PAGES) - routes


def expected_page_status(name: str, page: Page, method: str, role: str) -> tuple[str, int | None]:
    access = PAGE_ACCESS[name]
    if method in access:
        rule = access[method]
    else:  # a method the view does not accept: 405 once the rule of the accepted method(s) passes
        (rule,) = set(access.values())
    v = verdict(rule, role)
    if v == LOGIN:
        return LOGIN, 302
    if v == FORBIDDEN:
        return FORBIDDEN, page.refused
    if method not in access:
        return OK, 405
    status = page.ok[method]
    return OK, status(role) if callable(status) else status


def _assert_status(response, expected_kind, expected_status, what):
    assert response.status_code == expected_status, (
        f"{what}: attendu {expected_status} ({expected_kind}), obtenu {response.status_code} "
        f"{response.get('Location', '')}"
    )
    location = response.get("Location", "")
    login_url = reverse("accounts:login")
    if expected_kind == LOGIN:
        assert location.startswith((login_url, "/admin/login/")), (
            f"{what}: redirige vers {location}, pas vers la connexion"
        )
    elif expected_kind == OK and expected_status == 302 and not what.endswith("accounts:logout"):
        assert not location.startswith(
            (login_url, "/admin/login/", reverse("accounts:otp_verify"), reverse("accounts:otp_setup"))
        ), f"{what}: autorisé mais redirigé vers {location}"


@pytest.mark.parametrize("role", ROLES)
def test_pages(role, world, client_as, reference_tables_unchanged):
    client, user = client_as(role)
    ordered = sorted(PAGES.items(), key=lambda item: item[1].order)
    for name, page in ordered:
        url = reverse(name, kwargs=page.kwargs(world))
        methods = ["GET"] + (["POST"] if page.data is not None else [])
        for method in methods:
            kind, status = expected_page_status(name, page, method, role)
            what = f"{role} {method} {name}"
            if method == "GET":
                response = client.get(url, page.query(world) if callable(page.query) else page.query)
                if getattr(response, "streaming", False):
                    b"".join(response.streaming_content)
            else:
                watch = kind != OK or (page.owner_only is not None and not page.owner_only(role))
                if user is not None:  # so that any write by a refused request shows in the snapshot
                    visited = world.cast.cpts if watch and kind == OK and page.refusal_redirects else None
                    User.objects.filter(pk=user.pk).update(last_cpts=visited)
                data = page.data(world, role)  # before watching: building the data may prepare the world
                with no_write(what) if watch else nullcontext():
                    response = client.post(url, data)
            _assert_status(response, kind, status, what)
    assert_writes(role, world)


def _readers(role):
    return role in GROUP_READERS


def _managers(role):
    return role in GROUP_MANAGERS


def _snp_managers(role):
    return role in SNP_MANAGERS


# What each allowed POST must have done (so that "302" cannot hide a rejected form), and a refused one not.
EFFECTS: dict[str, tuple[Callable[[World, User | None], bool], Callable[[str], bool] | None]] = {
    "accounts:api_tokens": (
        lambda w, u: u is not None and u.api_tokens.filter(name="Jeton matrice").exists(),
        None,
    ),
    "accounts:revoke_api_token": (
        lambda w, u: u is not None and u.api_tokens.filter(name="Jeton matrice", revoked=True).exists(),
        None,
    ),
    "accounts:revoke_trusted_device": (
        lambda w, u: w.cast.member.trusted_devices.filter(
            label="Matrice un", revoked_at__isnull=False
        ).exists(),
        lambda role: role == "member",
    ),
    "accounts:revoke_all_trusted_devices": (
        lambda w, u: u is not None
        and u.trusted_devices.filter(label="Matrice tous").exists()
        and not u.trusted_devices.filter(revoked_at__isnull=True).exists(),
        None,
    ),
    "notifications:push_subscribe": (
        lambda w, u: u is not None and u.push_subscriptions.filter(endpoint__endswith="-1").exists(),
        None,
    ),
    "notifications:push_unsubscribe": (
        lambda w, u: u is not None
        and u.push_subscriptions.filter(endpoint__endswith="-1").exists()
        and not u.push_subscriptions.filter(endpoint__endswith="-2").exists(),
        None,
    ),
    "accounts:register": (
        lambda w, u: User.objects.filter(email="new@cast.test").exists(),
        lambda role: role == "anonymous",
    ),  # a logged-in user is sent home
    "directory:my_profile": (
        lambda w, u: u is not None
        and User.objects.get(pk=u.pk).professional is not None
        and User.objects.get(pk=u.pk).professional.national_id == rpps_with_key("1000000123"),
        None,
    ),
    "directory:add_place": (lambda w, u: PracticePlace.objects.filter(label="Cabinet 2").exists(), None),
    "directory:delete_place": (
        lambda w, u: not PracticePlace.objects.filter(pk=w.place.pk).exists(),
        lambda role: role == "member",
    ),
    "notifications:mark_read": (
        lambda w, u: Notification.objects.get(pk=w.notification.pk).read_at is not None,
        lambda role: role == "member",
    ),
    "notifications:mark_all_read": (
        lambda w, u: u is not None
        and Notification.objects.filter(user=u).exists()
        and not Notification.objects.filter(user=u, read_at__isnull=True).exists(),
        None,
    ),
    "notifications:preferences": (
        lambda w, u: NotificationPreference.objects.filter(user=u, news="immediate", digest_hour=8).exists(),
        None,
    ),
    "cpts:create": (lambda w, u: CPTS.objects.filter(name="CPTS Test Nouvelle").exists(), None),
    "diagnostic:datasets": (
        lambda w, u: u is not None
        and ImportedDataset.objects.filter(indicator="Indicateur matrice", imported_by=u).exists(),
        lambda role: role in DIAGNOSTIC_IMPORTERS,
    ),
    "diagnostic:delete_dataset": (
        lambda w, u: not ImportedDataset.objects.filter(pk=w.diagnostic_dataset.pk).exists(),
        lambda role: role in DIAGNOSTIC_IMPORTERS,
    ),
    "jobs:status": (lambda w, u: u is not None and JobFailure.objects.filter(resolved_by=u).exists(), None),
    "docgen:template": (
        lambda w, u: u is not None and TemplateOverride.objects.filter(uploaded_by=u).exists(),
        None,
    ),
    "docgen:reset": (
        lambda w, u: u is not None and TemplateOverride.objects.filter(ended_by=u, active=False).exists(),
        None,
    ),
    "cpts:join": (
        lambda w, u: u is not None
        and MembershipRequest.objects.filter(cpts=w.cast.cpts, user=u, status="pending").exists(),
        lambda role: role not in CPTS_MEMBERS,
    ),
    "diagnostic:cpts_typed": (
        lambda w, u: u is not None
        and TypedFigure.objects.filter(typed_by=u, owner_id=w.cast.cpts.pk).exists(),
        None,
    ),
    "cpts:territory_add": (
        lambda w, u: TerritoryCommune.objects.filter(cpts=w.cast.cpts, commune_id=w.free_commune).exists(),
        None,
    ),
    "cpts:territory_remove": (
        lambda w, u: not TerritoryCommune.objects.filter(
            cpts=w.cast.cpts, commune_id=w.cpts_commune
        ).exists(),
        None,
    ),
    "cpts:member_role": (
        lambda w, u: Membership.objects.get(pk=w.member_membership.pk).role == Role.BUREAU,
        None,
    ),
    "cpts:request_accept": (
        lambda w, u: MembershipRequest.objects.get(pk=w.request_to_accept.pk).status == "accepted",
        None,
    ),
    "cpts:request_refuse": (
        lambda w, u: MembershipRequest.objects.get(pk=w.request_to_refuse.pk).status == "refused",
        None,
    ),
    "cpts:dues": (
        lambda w, u: Dues.objects.filter(membership=w.member_membership, year=_today().year).exists(),
        None,
    ),
    "cpts:bureau": (
        lambda w, u: BureauPosition.objects.filter(cpts=w.cast.cpts, title="tresorier").exists(),
        None,
    ),
    "cpts:structures": (
        lambda w, u: PartnerStructure.objects.filter(
            cpts=w.cast.cpts, structure__name="MSP du Test"
        ).exists(),
        None,
    ),
    "cpts:settings": (lambda w, u: CPTS.objects.get(pk=w.cast.cpts.pk).stage == "valide", None),
    "coordination:new_patient": (
        lambda w, u: Patient.objects.filter(family_name="NOUVEAU", groups__isnull=False).exists(),
        None,
    ),
    "coordination:new_group": (lambda w, u: Group.objects.filter(title="Groupe matrice").exists(), None),
    "coordination:post_message": (lambda w, u: Message.objects.filter(subject="Matrice").exists(), _readers),
    "coordination:edit_message": (
        lambda w, u: Message.objects.get(pk=w.coordination.to_edit.pk).body == "Modifié",
        _readers,
    ),
    "coordination:delete_message": (
        lambda w, u: Message.objects.get(pk=w.coordination.to_delete.pk).deleted_at is not None,
        _readers,
    ),
    "coordination:invite": (
        lambda w, u: GroupMember.objects.filter(
            group=w.coordination.circle, user=w.cast.bureau, status="invited"
        ).exists(),
        _managers,
    ),
    "coordination:answer_invitation": (
        lambda w, u: GroupMember.objects.get(group=w.coordination.invited_to, user=w.cast.member).joined_at
        is not None,
        _readers,
    ),
    "coordination:leave": (
        lambda w, u: GroupMember.objects.get(group=w.coordination.invited_to, user=w.cast.member).status
        == "left",
        _readers,
    ),
    "coordination:remove_member": (
        lambda w, u: GroupMember.objects.get(
            group=w.coordination.circle, user=w.coordination.colleague
        ).status
        == "removed",
        _managers,
    ),
    "coordination:close": (
        lambda w, u: Group.objects.get(pk=w.coordination.to_close.pk).status == "closed",
        _managers,
    ),
    "coordination:reopen": (
        lambda w, u: Group.objects.get(pk=w.coordination.to_reopen.pk).status == "open",
        _managers,
    ),
    "coordination:record_consent": (
        lambda w, u: Consent.objects.filter(scope="Consentement matrice").exists(),
        _readers,
    ),
    "coordination:withdraw_consent": (
        lambda w, u: Consent.objects.get(pk=w.coordination.consent.pk).withdrawn_at is not None,
        _readers,
    ),
    "coordination:edit_patient": (
        lambda w, u: Patient.objects.get(pk=w.coordination.circle.patient_id).used_name == "RECTIFIÉ",
        _readers,
    ),
    "coordination:edit_group": (
        lambda w, u: Group.objects.get(pk=w.coordination.to_edit_group.pk).title == "Groupe renommé",
        _managers,
    ),
    "coordination:new_conversation": (
        lambda w, u: Message.objects.filter(
            subject="Conversation matrice", author=u, group__kind=Group.Kind.CONVERSATION
        ).exists(),
        None,
    ),
    "coordination:settings": (
        lambda w, u: CoordinationSettings.objects.filter(
            cpts=w.cast.cpts, closed_circle_retention_days=730
        ).exists(),
        None,
    ),
    "privacy:contact": (
        lambda w, u: PrivacyContact.objects.filter(cpts=w.cast.cpts, dpo_email="dpo@cast.test").exists(),
        None,
    ),
    "privacy:new_request": (
        lambda w, u: RightsRequest.objects.filter(requester="Demandeur matrice", created_by=u).exists(),
        None,
    ),
    "privacy:request_link": (
        lambda w, u: RightsRequest.objects.get(pk=w.privacy.to_link.pk).patient_id
        == w.coordination.circle.patient_id,
        None,
    ),
    "privacy:request_ask": (
        lambda w, u: CircleTask.objects.filter(request=w.privacy.linked, asked_by=u).exists(),
        None,
    ),
    "privacy:request_apply": (
        lambda w, u: Group.objects.get(pk=w.privacy.circle_to_close.pk).status == "closed",
        None,
    ),
    "privacy:request_close": (
        lambda w, u: RightsRequest.objects.get(pk=w.privacy.to_close.pk).status == "answered",
        None,
    ),
    "privacy:task": (
        lambda w, u: CircleTask.objects.get(pk=w.privacy.task.pk).status == CircleTask.Status.DONE,
        _readers,
    ),
    "coordination:email_invitation": (
        lambda w, u: GroupMember.objects.filter(
            group=w.coordination.circle, user__email="externe@cast.test", status="active"
        ).exists(),
        lambda role: role == "anonymous",
    ),
    "coordination:answer_email_invitation": (
        lambda w, u: EmailInvitation.objects.get(pk=w.coordination.outsider_invitation.pk).status
        == EmailInvitation.Status.DECLINED,
        lambda role: role == "outsider",
    ),
    "documents:upload": (lambda w, u: Document.objects.filter(title="Matrice").exists(), _readers),
    "documents:new_version": (lambda w, u: w.documents.document.versions.count() == 2, _readers),
    "documents:delete": (
        lambda w, u: Document.objects.get(pk=w.documents.to_delete.pk).deleted_at is not None,
        _readers,
    ),
    "agenda:subscription": (
        lambda w, u: u is not None and CalendarToken.objects.filter(user=u).exists(),
        None,
    ),
    "agenda:revoke_subscription": (
        lambda w, u: u is not None
        and CalendarToken.objects.filter(user=u).exists()
        and not CalendarToken.objects.filter(user=u, revoked_at__isnull=True).exists(),
        None,
    ),
    "agenda:new_event": (lambda w, u: Event.objects.filter(title="Visite matrice").exists(), _readers),
    "agenda:edit_event": (
        lambda w, u: Event.objects.get(pk=w.agenda.to_edit.pk).title == "Visite modifiée",
        _readers,
    ),
    "agenda:cancel_event": (
        lambda w, u: Event.objects.get(pk=w.agenda.to_cancel.pk).cancelled_at is not None,
        _readers,
    ),
    "unscheduled:publish": (
        lambda w, u: AvailabilityPattern.objects.filter(motifs="Motif matrice").exists(),
        _snp_managers,
    ),
    "unscheduled:pattern_pause": (
        lambda w, u: AvailabilityPattern.objects.get(pk=w.snp.pattern.pk).paused,
        _snp_managers,
    ),
    "unscheduled:bulk": (lambda w, u: Slot.objects.get(pk=w.snp.to_pause.pk).paused, _snp_managers),
    "unscheduled:copy_week": (
        lambda w, u: Slot.objects.filter(
            start=_next_week(w.snp.to_book.start), professional_id=w.cast.member.professional_id
        ).exists(),
        _snp_managers,
    ),
    "unscheduled:outcome": (
        lambda w, u: Booking.objects.get(pk=w.snp.to_mark.pk).status == "honoured",
        _snp_managers,
    ),
    "unscheduled:book": (
        lambda w, u: Booking.objects.filter(slot=w.snp.to_book, status="booked").exists(),
        None,
    ),
    "unscheduled:cancel": (
        lambda w, u: Booking.objects.get(pk=w.snp.to_cancel.pk).status == "cancelled",
        lambda role: role in SNP_BOOKING_SEERS,
    ),
    "unscheduled:reschedule": (
        lambda w, u: Booking.objects.filter(slot=w.snp.target, status="booked").exists(),
        lambda role: role in SNP_BOOKING_SEERS,
    ),
    "news:create": (lambda w, u: Post.objects.filter(title="Annonce matrice").exists(), None),
    "news:edit": (
        lambda w, u: Post.objects.get(pk=w.news.to_edit.pk).title == "Modifiée par la matrice",
        lambda role: role in NEWS_POST_AUTHOR,
    ),
    "news:pin": (lambda w, u: Post.objects.get(pk=w.news.to_pin.pk).pinned, None),
    "news:unpin": (lambda w, u: not Post.objects.get(pk=w.news.to_unpin.pk).pinned, None),
    "news:delete": (
        lambda w, u: Post.objects.get(pk=w.news.to_delete.pk).deleted_at is not None,
        lambda role: role in NEWS_POST_REMOVERS,
    ),
    "news:comment": (lambda w, u: Comment.objects.filter(body="Commentaire matrice").exists(), None),
    "news:edit_comment": (
        lambda w, u: Comment.objects.get(pk=w.news.comment_to_edit.pk).body == "Modifié par la matrice",
        lambda role: role in NEWS_COMMENT_AUTHOR,
    ),
    "news:delete_comment": (
        lambda w, u: Comment.objects.get(pk=w.news.comment_to_delete.pk).deleted_at is not None,
        lambda role: role in NEWS_COMMENT_REMOVERS,
    ),
    "gpmatching:public_form": (
        lambda w, u: GPRequest.objects.filter(
            cpts=w.cast.cpts, last_name="FORMULAIRE", status=GPRequest.Status.UNCONFIRMED
        ).exists(),
        None,
    ),
    "gpmatching:public_confirm": (
        lambda w, u: GPRequest.objects.get(pk=w.gp.public.pk).status == GPRequest.Status.WAITING,
        None,
    ),
    "gpmatching:request_action": (
        lambda w, u: GPRequest.objects.get(pk=w.gp.to_withdraw.pk).status == GPRequest.Status.WITHDRAWN,
        None,
    ),
    "gpmatching:new_request": (
        lambda w, u: GPRequest.objects.filter(
            cpts=w.cast.cpts, last_name="INSCRIT", created_by=u, status=GPRequest.Status.WAITING
        ).exists(),
        None,
    ),
    "gpmatching:import": (
        lambda w, u: ImportBatch.objects.filter(
            cpts=w.cast.cpts, filename="matrice-import.csv", status=ImportBatch.Status.PREVIEW
        ).exists(),
        None,
    ),
    "gpmatching:import_preview": (
        lambda w, u: ImportBatch.objects.get(pk=w.gp.batch.pk).status == ImportBatch.Status.APPLIED
        and GPRequest.objects.filter(last_name="IMPORTE").exists(),
        None,
    ),
    "gpmatching:send": (
        lambda w, u: Proposal.objects.get(pk=w.gp.draft.pk).status == Proposal.Status.SENT,
        None,
    ),
    "aci:sign": (
        lambda w, u: _aci_model("Contract").objects.filter(cpts=w.cast.cpts, population=41000).exists(),
        None,
    ),
    "aci:mission_dates": (
        lambda w, u: _aci_model("ContractMission")
        .objects.filter(pk=w.aci.access_mission.pk, started_on="2025-03-01")
        .exists(),
        None,
    ),
    "aci:amend": (
        lambda w, u: _aci_model("Amendment").objects.filter(after={"mission": "quality"}).exists(),
        None,
    ),
    "aci:recompute": (
        lambda w, u: _aci_model("Schedule").objects.filter(reason="Recalcul matrice").exists(),
        None,
    ),
    "aci:payments": (
        lambda w, u: _aci_model("ReceivedPayment").objects.filter(label="Versement matrice").exists(),
        None,
    ),
    "aci:budget": (
        lambda w, u: _aci_model("BudgetLine").objects.filter(category="staff", amount=5000).exists(),
        None,
    ),
    "aci:expenses": (
        lambda w, u: _aci_model("Expense").objects.filter(label="Dépense matrice").exists(),
        None,
    ),
    "aci:expense_delete": (
        lambda w, u: not _aci_model("Expense").objects.filter(pk=w.aci.expense_to_delete.pk).exists(),
        None,
    ),
    "aci:expenses_import": (
        lambda w, u: _aci_model("Expense").objects.filter(label="Import matrice").exists(),
        None,
    ),
    "aci:indicator_new": (
        lambda w, u: _aci_model("Indicator").objects.filter(name="Indicateur matrice").exists(),
        None,
    ),
    "aci:indicator_edit": (
        lambda w, u: _aci_model("Indicator").objects.filter(name="Dépistage renommé").exists(),
        None,
    ),
    "aci:indicator_steps": (
        lambda w, u: _aci_model("IndicatorStep")
        .objects.filter(indicator=w.aci.manual, contract_year=2)
        .exists(),
        None,
    ),
    "aci:indicator_result": (
        lambda w, u: _aci_model("IndicatorResult")
        .objects.filter(indicator=w.aci.manual, contract_year=1, value="71.5")
        .exists(),
        None,
    ),
    "aci:evidence_add": (
        lambda w, u: _aci_model("Evidence").objects.filter(title="Preuve matrice").exists(),
        None,
    ),
    "aci:evidence_delete": (
        lambda w, u: not _aci_model("Evidence").objects.filter(pk=w.aci.evidence_to_delete.pk).exists(),
        None,
    ),
    "aci:close_year": (
        lambda w, u: _aci_model("IndicatorResult")
        .objects.filter(indicator=w.aci.computed, contract_year=1, computed=True)
        .exists(),
        None,
    ),
    "gpmatching:matching": (
        lambda w, u: MatchingRun.objects.filter(cpts=w.cast.cpts, started_by=u).exists(),
        None,
    ),
    "projects:create": (
        lambda w, u: Project.objects.filter(name="Projet créé par la matrice").exists(),
        lambda role: False,
    ),
    "projects:answer_invitation": (
        lambda w, u: w.projects.inviting.porteurs.filter(user=w.cast.member).exists(),
        lambda role: role == "member",
    ),
    "projects:stage": (
        lambda w, u: Project.objects.get(pk=w.projects.draft.pk).stage == "lettre",
        lambda role: role == "member",
    ),
    "projects:territory_add": (
        lambda w, u: w.projects.draft.communes.filter(commune_id=w.projects.commune_to_add).exists(),
        lambda role: role == "member",
    ),
    "projects:territory_remove": (
        lambda w, u: not w.projects.draft.communes.filter(commune_id=w.projects.commune_to_remove).exists(),
        lambda role: role == "member",
    ),
    "projects:porteurs": (
        lambda w, u: w.projects.draft.invitations.filter(user=w.cast.bureau).exists(),
        lambda role: role == "member",
    ),
    "projects:invitation_cancel": (
        lambda w, u: ProjectInvitation.objects.get(pk=w.projects.invitation_to_cancel.pk).status
        == "cancelled",
        lambda role: role == "member",
    ),
    "projects:partners": (
        lambda w, u: Partner.objects.filter(project=w.projects.draft, name="EHPAD de la matrice").exists(),
        lambda role: role == "member",
    ),
    "projects:partner_remove": (
        lambda w, u: not Partner.objects.filter(pk=w.projects.partner_to_remove).exists(),
        lambda role: role == "member",
    ),
    "projects:diagnostic_typed": (
        lambda w, u: u is not None
        and TypedFigure.objects.filter(
            typed_by=u, owner_id=w.projects.draft.pk, indicator__startswith="Indic"
        ).exists(),
        lambda role: role == "member",
    ),
    "projects:ami": (
        lambda w, u: AmiDossier.objects.get(project=w.projects.draft).data["contexte"]
        == "Contexte de la matrice",
        lambda role: role == "member",
    ),
    "projects:ami_send": (
        lambda w, u: ProjectSubmission.objects.filter(project=w.projects.draft, kind="ami").exists(),
        lambda role: role == "member",
    ),
    "projects:letter": (
        lambda w, u: LetterDossier.objects.get(project=w.projects.draft).data["problematique"]
        == "Problématique de la matrice",
        lambda role: role == "member",
    ),
    "projects:letter_send": (
        lambda w, u: ProjectSubmission.objects.filter(project=w.projects.draft, kind="lettre").exists(),
        lambda role: role == "member",
    ),
    "projects:convert": (
        lambda w, u: Project.objects.get(pk=w.projects.sent.pk).cpts_id is not None,
        lambda role: role == "member",
    ),
    "oversight:comment": (
        lambda w, u: Review.objects.filter(text="Commentaire matrice", kind="comment").exists(),
        lambda role: role == "referent",
    ),
    "oversight:decide": (
        lambda w, u: Review.objects.filter(text="Décision matrice", outcome="changes_requested").exists(),
        lambda role: role == "referent",
    ),
    "oversight:referents": (
        lambda w, u: Referent.objects.filter(user__email="referent.nouveau@cast.test", active=True).exists(),
        None,
    ),
    "oversight:revoke": (
        lambda w, u: not Referent.objects.get(pk=w.projects.referent_to_revoke).active,
        None,
    ),
    "association:statutes": (
        lambda w, u: Statutes.objects.get(project=w.projects.draft).seat_address == "1 place de la matrice",
        lambda role: role == "member",
    ),
    "association:reglement": (
        lambda w, u: RuleItem.objects.filter(title="Article de la matrice").exists(),
        lambda role: role == "member",
    ),
    "association:founders": (
        lambda w, u: FoundingMember.objects.filter(name="Fondateur de la matrice").exists(),
        lambda role: role == "member",
    ),
    "association:founders_from_porteurs": (
        lambda w, u: FoundingMember.objects.filter(project=w.projects.draft, user=w.cast.member).exists(),
        lambda role: role == "member",
    ),
    "association:founder_remove": (
        lambda w, u: not FoundingMember.objects.filter(pk=w.association.founder_to_remove).exists(),
        lambda role: role == "member",
    ),
    "association:convocation": (
        lambda w, u: ConstitutiveAssembly.objects.get(project=w.projects.draft).place
        == "Salle de la matrice",
        lambda role: role == "member",
    ),
    "association:minutes": (
        lambda w, u: ConstitutiveAssembly.objects.get(project=w.projects.draft).minutes_recorded_at
        is not None,
        lambda role: role == "member",
    ),
    "association:identifiers": (
        lambda w, u: LegalEntity.objects.filter(project=w.projects.sent).exists(),
        lambda role: False,
    ),
    "healthplan:chapter": (
        lambda w, u: _healthplan_model("Chapter")
        .objects.get(plan__project=w.projects.draft, key="contexte")
        .text
        == "Matrice modifiée.",
        lambda role: role == "member",
    ),
    "healthplan:sheet_new": (
        lambda w, u: _healthplan_model("ActionSheet")
        .objects.filter(plan__project=w.projects.draft, title="Fiche de la matrice modifiée")
        .exclude(pk=w.healthplan.sheet)
        .exists(),
        lambda role: role == "member",
    ),
    "healthplan:sheet": (
        lambda w, u: _healthplan_model("ActionSheet").objects.get(pk=w.healthplan.sheet).title
        == "Fiche de la matrice modifiée",
        lambda role: role == "member",
    ),
    "healthplan:sheet_delete": (
        lambda w, u: not _healthplan_model("ActionSheet")
        .objects.filter(pk=w.healthplan.sheet_to_delete)
        .exists(),
        lambda role: role == "member",
    ),
    "healthplan:budget": (
        lambda w, u: _healthplan_model("PlannedExpense")
        .objects.filter(label="Dépense de la matrice")
        .exists(),
        lambda role: role == "member",
    ),
    "healthplan:expense_remove": (
        lambda w, u: not _healthplan_model("PlannedExpense")
        .objects.filter(pk=w.healthplan.expense_to_remove)
        .exists(),
        lambda role: role == "member",
    ),
    "gpmatching:policy": (lambda w, u: Policy.objects.filter(cpts=w.cast.cpts, ald=35).exists(), None),
    "gpmatching:my_capacity": (
        lambda w, u: Capacity.objects.get(pk=w.gp.capacity.pk).patients == 900,
        lambda role: role in GP_CAPACITY_EDITORS,
    ),
    "gpmatching:answer": (
        lambda w, u: Proposal.objects.get(pk=w.gp.sent.pk).status == Proposal.Status.ACCEPTED,
        lambda role: role in GP_DOCTORS,
    ),
}


def _aci_model(name):
    return apps.get_model("aci", name)


def _healthplan_model(name):
    return apps.get_model("healthplan", name)


def assert_writes(role: str, world: World):
    user = acting_user(world.cast, role)
    for name, (done, applies) in EFFECTS.items():
        allowed = verdict(PAGE_ACCESS[name]["POST"], role) == OK and (applies is None or applies(role))
        assert done(world, user) == allowed, f"{role} POST {name}: " + (
            "autorisé mais sans effet (données refusées ?)" if allowed else "refusé mais effectué"
        )


def test_every_page_write_has_an_effect_check():
    posts = {name for name, access in PAGE_ACCESS.items() if "POST" in access}
    no_lasting_effect = {
        "accounts:login",
        "accounts:logout",
        "accounts:otp_verify",
        "accounts:otp_setup",
        "accounts:recovery_codes",
        "accounts:password_reset",
        # Pro Santé Connect is off in this test (404); accounts/tests/test_psc_flow.py checks their effects.
        "accounts:psc_confirm",
        "accounts:psc_link",
        "accounts:psc_unlink",
    }
    assert posts - no_lasting_effect == set(EFFECTS)


# --- The JSON API -------------------------------------------------------------------------------------------

TECHNICAL_API_ROUTES = {"api:api-root": 404}  # django-ninja's root: only there to build the other paths


@dataclass
class Call:
    path: Callable[[World], str]
    body: Callable[[World, str], dict] | None = None
    query: dict = field(default_factory=dict)
    ok: Status = 200


def _cpts_path(suffix=""):
    return lambda w: f"/api/cpts/{w.slug}{suffix}"


API_CALLS: dict[str, Call] = {
    "api:openapi-json": Call(lambda w: "/api/openapi.json"),
    "api:openapi-view": Call(lambda w: "/api/docs"),
    "api:search_communes": Call(lambda w: "/api/communes", query={"q": "Bourg"}),
    "api:aci_grid": Call(lambda w: "/api/aci/grid", query={"on": "2026-01-01"}),
    "api:aci_simulation": Call(lambda w: "/api/aci/simulation", query={"tier": "2"}),
    "api:list_cpts": Call(lambda w: "/api/cpts"),
    "api:get_cpts": Call(_cpts_path()),
    "api:get_territory": Call(_cpts_path("/territory")),
    "api:list_members": Call(_cpts_path("/members")),
    "api:members_stats": Call(_cpts_path("/members/by-profession")),
    "api:list_structures": Call(_cpts_path("/structures")),
    "api:list_requests": Call(_cpts_path("/membership-requests"), query={"status": "all"}),
    "api:add_commune": Call(_cpts_path("/territory/communes"), body=lambda w, r: {"insee": w.free_commune}),
    "api:add_epci": Call(_cpts_path("/territory/epci"), body=lambda w, r: {"siren": w.free_epci}),
    "api:remove_commune": Call(lambda w: f"/api/cpts/{w.slug}/territory/communes/{w.cpts_commune}"),
    "api:add_structure": Call(
        _cpts_path("/structures"), body=lambda w, r: {"name": "MSP API", "kind": "msp"}, ok=201
    ),
    "api:create_request": Call(
        _cpts_path("/membership-requests"),
        body=lambda w, r: {"message": "Bonjour"},
        ok=lambda role: 400 if role in CPTS_MEMBERS else 201,
    ),  # 400: déjà membre
    "api:accept_request": Call(
        lambda w: f"/api/cpts/{w.slug}/membership-requests/{w.request_to_accept.pk}/accept",
        body=lambda w, r: {"role": "member"},
    ),
    "api:refuse_request": Call(
        lambda w: f"/api/cpts/{w.slug}/membership-requests/{w.request_to_refuse.pk}/refuse",
        body=lambda w, r: {"reason": "Hors territoire."},
    ),
    "api:search_directory": Call(_cpts_path("/directory/search")),
    "api:get_professional": Call(
        lambda w: f"/api/cpts/{w.slug}/directory/professionals/{w.cast.member.professional_id}"
    ),
    "api:offer": Call(_cpts_path("/offer")),
    "api:nearest": Call(
        _cpts_path("/directory/nearest"), query={"lat": "45.76", "lon": "5.69", "profession": "10"}
    ),
    "api:list_news": Call(_cpts_path("/news")),
    "api:get_news_post": Call(lambda w: f"/api/cpts/{w.slug}/news/{w.news.post.pk}"),
    "api:add_news_comment": Call(
        lambda w: f"/api/cpts/{w.slug}/news/{w.news.post.pk}/comments",
        body=lambda w, r: {"body": "Commentaire par l'API"},
        ok=201,
    ),
    "api:list_snp_slots": Call(
        _cpts_path("/snp/slots"), query={"window": "48h", "lat": "45.76", "lon": "5.69"}
    ),
    "api:book_snp_slot": Call(
        lambda w: f"/api/cpts/{w.slug}/snp/slots/{w.snp.api_slot.pk}/bookings",
        body=lambda w, r: SNP_PATIENT,
        ok=201,
    ),
    "api:cancel_snp_booking": Call(
        lambda w: f"/api/cpts/{w.slug}/snp/bookings/{w.snp.api_to_cancel.pk}/cancel",
        body=lambda w, r: {"reason": "Matrice"},
        ok=lambda role: 200 if role in SNP_BOOKING_SEERS else 403,
    ),
    "api:gp_indicators": Call(_cpts_path("/gp/indicators")),  # figures without identity
    "api:aci_contract": Call(_cpts_path("/aci/contract")),
    "api:aci_schedule": Call(_cpts_path("/aci/schedule")),
    "api:aci_indicators": Call(_cpts_path("/aci/indicators"), query={"year": "1"}),
    "api:api-root": Call(lambda w: "/api/", ok=404),
}


def test_every_api_route_is_in_the_matrix():
    routes = set(api_routes())
    assert not routes - set(API_ACCESS) - set(TECHNICAL_API_ROUTES), "opération sans règle dans API_ACCESS"
    assert not set(API_ACCESS) - routes
    assert routes == set(API_CALLS), "opération absente de API_CALLS (l'ajouter)"


@pytest.mark.parametrize("role", ROLES)
def test_api(role, world, client_as, reference_tables_unchanged):
    client, user = client_as(role)
    for name, call in API_CALLS.items():
        path = call.path(world)
        if name in TECHNICAL_API_ROUTES:
            method, kind, status = "GET", OK, TECHNICAL_API_ROUTES[name]
        else:
            method, rule = API_ACCESS[name]
            kind = verdict(rule, role)
            status = {LOGIN: 401, FORBIDDEN: 403}.get(kind) or (
                call.ok(role) if callable(call.ok) else call.ok
            )
        what = f"{role} {method} {name}"
        writes = method != "GET"
        watch = writes and kind != OK
        body = json.dumps(call.body(world, role)) if method == "POST" else None
        with no_write(what) if watch else nullcontext():
            if method == "GET":
                response = client.get(path, call.query)
            elif method == "DELETE":
                response = client.delete(path)
            else:
                response = client.post(path, body, content_type="application/json")
        assert response.status_code == status, (
            f"{what}: attendu {status}, obtenu {response.status_code} {response.content[:300]!r}"
        )
        if kind == OK and status < 300 and method != "GET" or name in ("api:get_cpts", "api:list_members"):
            assert response["Content-Type"].startswith("application/json")


def test_refused_api_write_with_token_changes_nothing(world, client):
    """A bearer token gives no more than the session: a member's token cannot edit the territory."""
    from accounts.models import APIToken

    _, raw = APIToken.issue(world.cast.member)
    # A first use stores the token's last use (then at most once a minute): before the snapshot.
    assert client.get("/api/cpts", HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 200
    before = snapshot()
    response = client.post(
        f"/api/cpts/{world.slug}/territory/communes",
        json.dumps({"insee": world.free_commune}),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {raw}",
    )
    assert response.status_code == 403
    assert_unchanged(before, snapshot(), "member token POST territory")
