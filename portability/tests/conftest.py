"""A CPTS with something in every kind of content an export carries: a care circle with messages (a reply:
a self-link), a document in two versions attached to a message, a news post, an event, a GP capacity over
two communes (a many-to-many), audit entries."""

import datetime as dt
from dataclasses import dataclass

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from agenda import actions as agenda
from agenda.timing import When
from coordination import actions as coordination
from coordination.models import Consent, Group
from cpts.models import CPTS
from documents import actions as documents
from documents.models import Document
from documents.tests import samples
from gpmatching.models import Capacity
from news import actions as news
from territory.models import Commune
from tests.cast import Cast


@dataclass
class Filled:
    cast: Cast
    cpts: CPTS
    group: Group
    document: Document
    files: dict[str, bytes]


def fill(cast: Cast) -> Filled:
    patient = coordination.create_patient(
        cast.cpts,
        cast.member,
        family_name="PORTABLE",
        given_names="Paule",
        birth_date=dt.date(1950, 5, 6),
        sex="F",
    )
    group = coordination.open_care_circle(cast.cpts, cast.member, patient)
    coordination.invite(group, cast.member, cast.bureau)
    coordination.answer_invitation(group, cast.bureau, accept=True)
    coordination.record_consent(
        group,
        cast.member,
        collected_on=timezone.localdate(),
        method=Consent.Method.ON_SCREEN,
        scope="Partage",
    )
    first = documents.post_message(
        group,
        cast.member,
        "Compte rendu de sortie joint.",
        subject="Sortie d'hospitalisation",
        files=[SimpleUploadedFile("sortie.pdf", samples.pdf("Sortie v1"), "application/pdf")],
    )
    coordination.post_message(group, cast.bureau, "Bien reçu, je passe jeudi.", parent=first)
    coordination.mark_read(first, cast.bureau)
    document = Document.objects.get(message=first)
    second = samples.pdf("Sortie v2, corrigée")
    documents.add_version(
        document, cast.member, SimpleUploadedFile("sortie-v2.pdf", second, "application/pdf")
    )
    news.publish_post(
        cast.cpts, cast.coordinator, kind="information", title="Réunion plénière", body="Jeudi à 20 h."
    )
    start = timezone.now().replace(microsecond=0) + dt.timedelta(days=3)
    agenda.create_event(
        group, cast.member, kind="home_visit", title="Visite", when=When(start, start + dt.timedelta(hours=1))
    )
    capacity = Capacity.objects.create(cpts=cast.cpts, professional=cast.member.professional, per_month=4)
    capacity.communes.set(Commune.objects.filter(insee__in=["01034", "01004"]))
    return Filled(cast, cast.cpts, group, document, {"v1": samples.pdf("Sortie v1"), "v2": second})


@pytest.fixture
def filled(cast) -> Filled:
    return fill(cast)
