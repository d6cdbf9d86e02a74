"""Pages of the coordination network: patient and care circle creation, consent, messages, refusals."""

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEntry
from coordination import actions
from coordination.models import Consent, Group, GroupMember, Message, Patient
from tests.cast import login

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()

PATIENT = {
    "family_name": "DURAND",
    "used_name": "",
    "given_names": "Jeanne",
    "birth_date": "1940-03-02",
    "sex": "F",
    "address": "1 rue de la Paix",
    "postal_code": "01300",
    "phone": "0479000000",
    "nir": "",
}


def url(name, cast, **kwargs):
    return reverse(f"coordination:{name}", kwargs={"slug": cast.cpts.slug, **kwargs})


@pytest.fixture
def circle(cast):
    patient = actions.create_patient(
        cast.cpts,
        cast.member,
        family_name="MARTIN",
        given_names="Paulette",
        birth_date=dt.date(1938, 5, 6),
        sex="F",
    )
    return actions.open_care_circle(cast.cpts, cast.member, patient)


def test_create_patient_and_circle_through_the_page(client, cast):
    login(client, cast.member)
    assert client.get(url("groups", cast)).status_code == 200
    assert client.get(url("new_patient", cast)).status_code == 200
    response = client.post(url("new_patient", cast), PATIENT)
    group = Group.objects.get(patient__family_name="DURAND")
    # The new circle opens on its Consents tab: nothing can be shared before the patient's consent.
    assert response.status_code == 302 and response["Location"] == url("consents", cast, group_id=group.pk)
    assert group.kind == Group.Kind.CARE_CIRCLE and group.initiator == cast.member
    assert group.members.get().user == cast.member
    page = client.get(url("groups", cast)).content.decode()
    assert group.title in page


def test_bad_nir_shows_the_french_message_and_saves_nothing(client, cast):
    login(client, cast.member)
    response = client.post(url("new_patient", cast), {**PATIENT, "nir": "1 84 12 76 451 089 45"})
    assert response.status_code == 200
    assert "NIR invalide" in response.content.decode()
    assert not Patient.objects.exists() and not Group.objects.exists()


def test_working_group_through_the_page(client, cast):
    login(client, cast.partner)
    response = client.post(
        url("new_group", cast), {"title": "Parcours insuffisance cardiaque", "description": ""}
    )
    group = Group.objects.get(title="Parcours insuffisance cardiaque")
    assert response.status_code == 302 and group.kind == Group.Kind.WORKING_GROUP


def test_posting_without_consent_shows_the_notice_and_saves_nothing(client, cast, circle):
    login(client, cast.member)
    page = client.get(url("group", cast, group_id=circle.pk)).content.decode()
    assert "Aucun consentement valide du patient" in page
    assert 'name="subject"' not in page  # no form to post a subject
    response = client.post(
        url("post_message", cast, group_id=circle.pk), {"subject": "Bilan", "body": "Résultats"}, follow=True
    )
    assert "consentement" in response.content.decode()
    assert not Message.objects.exists()


def test_consent_then_subject_and_reply_escaped(client, cast, circle):
    actions.invite(circle, cast.member, cast.bureau)
    login(client, cast.member)
    response = client.post(
        url("record_consent", cast, group_id=circle.pk),
        {
            "collected_on": TODAY.isoformat(),
            "method": Consent.Method.ON_SCREEN,
            "witness": "",
            "scope": "Partage entre les professionnels du cercle",
            "expires_on": "",
        },
    )
    assert response.status_code == 302 and circle.consents.count() == 1
    client.post(
        url("post_message", cast, group_id=circle.pk),
        {"subject": "Soins", "body": "<script>alert(1)</script> Passage infirmier ?"},
    )
    subject = Message.objects.get(subject="Soins")
    client.post(
        url("post_message", cast, group_id=circle.pk), {"parent": subject.pk, "body": "Réponse : demain"}
    )
    reply = Message.objects.get(parent=subject)
    client.post(
        url("edit_message", cast, group_id=circle.pk, message_id=reply.pk), {"body": "Réponse : lundi"}
    )
    page = client.get(url("group", cast, group_id=circle.pk)).content.decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "<script>alert(1)" not in page
    assert "Réponse : lundi" in page and "modifié" in page
    assert f"Réponse de {cast.member}" in page  # the reply's heading
    page = client.get(url("consents", cast, group_id=circle.pk)).content.decode()
    assert "recueilli le" in page.lower() and str(cast.member) in page
    client.post(url("delete_message", cast, group_id=circle.pk, message_id=reply.pk))
    page = client.get(url("group", cast, group_id=circle.pk)).content.decode()
    assert "Message supprimé" in page and "Réponse : lundi" not in page
    # the bureau accepts the invitation, reads the page: receipts
    other = Client()  # a second browser: the member's TOTP code cannot be replayed
    login(other, cast.bureau)
    assert other.get(url("groups", cast)).content.decode().count(circle.title) == 1
    other.post(url("answer_invitation", cast, group_id=circle.pk), {"answer": "accept"})
    assert other.get(url("group", cast, group_id=circle.pk)).status_code == 200
    page = client.get(url("group", cast, group_id=circle.pk)).content.decode()
    # Discreet: « Lu par 1 membre » under the last message (its author not counted), the names on tap.
    assert "Lu par 1 membre" in page
    receipts = page.split('<details class="receipts">', 1)[1].split("</details>", 1)[0]
    assert str(cast.bureau) in receipts and str(cast.member) not in receipts


def test_withdraw_consent_and_close(client, cast, circle):
    actions.record_consent(
        circle, cast.member, collected_on=TODAY, method=Consent.Method.ON_SCREEN, scope="Tout"
    )
    consent = circle.consents.get()
    login(client, cast.member)
    client.post(url("withdraw_consent", cast, group_id=circle.pk, consent_id=consent.pk))
    consent.refresh_from_db()
    assert consent.withdrawn_at is not None
    client.post(url("close", cast, group_id=circle.pk))
    circle.refresh_from_db()
    assert circle.status == Group.Status.CLOSED
    page = client.get(url("group", cast, group_id=circle.pk)).content.decode()
    assert "lecture seule" in page


@pytest.mark.parametrize("role", ["partner", "coordinator", "other_coordinator", "referent"])
def test_non_members_get_403_and_nothing_leaks(client, cast, circle, role):
    login(client, cast.by_role()[role])
    response = client.get(url("group", cast, group_id=circle.pk))
    assert response.status_code == 403
    assert "MARTIN" not in response.content.decode() and "Paulette" not in response.content.decode()
    response = client.post(url("post_message", cast, group_id=circle.pk), {"subject": "X", "body": "Y"})
    assert response.status_code == 403 and not Message.objects.exists()


def test_the_group_page_writes_a_view_entry(client, cast, circle):
    login(client, cast.member)
    client.get(url("group", cast, group_id=circle.pk))
    assert AuditEntry.objects.filter(
        action="view", object_type="coordination.group", object_id=str(circle.pk), cpts_id=cast.cpts.pk
    ).exists()


def test_invite_through_the_page(client, cast, circle):
    login(client, cast.member)
    page = client.get(url("members", cast, group_id=circle.pk)).content.decode()
    assert str(cast.bureau) in page and str(cast.referent) not in page  # patient-data roles only
    client.post(url("invite", cast, group_id=circle.pk), {"user": cast.bureau.pk, "function": "Infirmier"})
    assert GroupMember.objects.get(group=circle, user=cast.bureau).status == GroupMember.Status.INVITED
