"""Data-protection duties: the registre follows the settings, the notices show the DPO, the rights of a
person are handled by the coordination without reading a care circle, whose copy its members produce."""

import datetime as dt
import io
import json

import pytest
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from audit.models import AuditEntry
from coordination import actions as coordination
from coordination import retention
from coordination.models import Group, Patient
from coordination.tests.helpers import circle_with_consent
from privacy import actions, registry
from privacy.models import CircleTask, PrivacyContact, RightsRequest
from tests.cast import login


def url(name, cast, **kwargs):
    return reverse(f"privacy:{name}", kwargs={"slug": cast.cpts.slug, **kwargs})


def pdf_text(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def _text(reg: registry.Registre) -> str:
    parts = reg.security + reg.transfers + reg.erasure_limits
    for p in reg.processings:
        parts += p.purposes + p.recipients + p.retention
    return "\n".join(parts)


# --- The registre follows what the platform does ---


def test_changing_a_setting_changes_the_registre(cast):
    with override_settings(
        OPENCPTS_TRUSTED_DEVICES=True,
        NOTIFICATION_EMAIL_RECIPIENT="account",
        OPENCPTS_DOCUMENT_STORE="database",
    ):
        before = _text(registry.build(cast.cpts))
    with override_settings(
        OPENCPTS_TRUSTED_DEVICES=False, NOTIFICATION_EMAIL_RECIPIENT="mssante", OPENCPTS_DOCUMENT_STORE="s3"
    ):
        after = _text(registry.build(cast.cpts))
    assert "Appareils de confiance activés" in before and "Appareils de confiance désactivés" in after
    assert "MSSanté" not in before and "espace de confiance MSSanté" in after
    assert "stockage objet S3" not in before and "objet S3" in after


def test_the_cpts_retention_setting_is_the_registre_retention(cast):
    assert "365 jours après la clôture" in _text(registry.build(cast.cpts))
    retention.set_retention(cast.cpts, cast.coordinator, 730)
    text = _text(registry.build(cast.cpts))
    assert "730 jours après la clôture" in text and "365 jours après la clôture" not in text


def test_registre_page_and_pdf(client, cast):
    actions.set_contact(
        cast.cpts,
        cast.coordinator,
        dpo_name="Dora Délégué",
        dpo_email="dpo@cpts.test",
        dpo_address="1 rue A, 01300 Belley",
    )
    login(client, cast.coordinator)
    page = client.get(url("registre", cast))
    assert page.status_code == 200
    assert "Registre des traitements" in page.content.decode() and "dpo@cpts.test" in page.content.decode()
    response = client.get(url("registre_pdf", cast))
    assert response["Content-Type"] == "application/pdf"
    text = pdf_text(response.content)
    assert "Registre des activités de traitement" in text and "dpo@cpts.test" in text
    assert "365" in text  # the CPTS's retention of closed circles


# --- Notices and the DPO ---


def test_notices_are_public_and_carry_the_dpo_and_the_rights(client, cast):
    actions.set_contact(
        cast.cpts,
        cast.coordinator,
        dpo_name="Dora Délégué",
        dpo_email="dpo@cpts.test",
        dpo_address="1 rue A, 01300 Belley",
    )
    for name, must in (
        ("notice_patients", "cercles de soins"),
        ("notice_professionals", "Comptes, adhésions"),
        ("notice_public", "médecin traitant"),
    ):
        body = client.get(url(name, cast)).content.decode()
        assert "dpo@cpts.test" in body and "CNIL" in body and must in body, name
    patients = client.get(url("notice_patients", cast)).content.decode()
    assert "9-2-h" in patients and "Consentement du patient" in patients
    assert client.get(reverse("privacy:notices")).status_code == 200


def test_notices_are_linked_where_data_is_given(client, cast):
    public = client.get(reverse("gpmatching:public_form", kwargs={"slug": cast.cpts.slug})).content.decode()
    assert url("notice_public", cast) in public
    assert reverse("privacy:notices") in client.get(reverse("accounts:register")).content.decode()
    circle = circle_with_consent(cast)
    login(client, cast.member)
    consents = client.get(
        reverse("coordination:consents", kwargs={"slug": cast.cpts.slug, "group_id": circle.pk})
    ).content.decode()
    assert url("notice_patients", cast) in consents


@pytest.mark.parametrize(
    "data, field",
    [
        ({"dpo_name": "", "dpo_email": "dpo@cpts.test", "dpo_address": "1 rue A, 01300 Belley"}, "dpo_name"),
        (
            {"dpo_name": "Dora", "dpo_email": "pas-une-adresse", "dpo_address": "1 rue A, 01300 Belley"},
            "dpo_email",
        ),
        ({"dpo_name": "Dora", "dpo_email": "dpo@cpts.test", "dpo_address": "1 rue A, Belley"}, "dpo_address"),
    ],
)
def test_a_bad_dpo_contact_is_refused_and_nothing_is_stored(client, cast, data, field):
    login(client, cast.coordinator)
    response = client.post(url("contact", cast), data)
    assert response.status_code == 200
    assert f'id="id_{field}_error"' in response.content.decode()
    assert not PrivacyContact.objects.exists()


def test_only_the_coordination_sets_the_dpo_and_handles_requests(client, cast):
    for user in (cast.member, cast.bureau, cast.referent):
        login(client, user)
        for name in ("contact", "registre", "requests", "new_request"):
            assert client.get(url(name, cast)).status_code == 403, (user, name)
        response = client.post(
            url("contact", cast), {"dpo_name": "X", "dpo_email": "x@x.test", "dpo_address": "01300"}
        )
        assert response.status_code == 403
        client.logout()
    assert not PrivacyContact.objects.exists()


# --- Right of access: the coordination asks, a circle member produces the copy ---


@pytest.fixture
def two_patients(cast):
    mine = circle_with_consent(cast, family_name="DUPONT", given_names="Jeanne")
    coordination.post_message(mine, cast.member, "Tension 14/9 ce matin", subject="Suivi")
    other = circle_with_consent(cast, family_name="AUTRE", given_names="Hervé")
    coordination.post_message(other, cast.member, "Message sur un autre patient", subject="Autre")
    return mine, other


def _request(cast, kind="access", **extra):
    return actions.open_request(
        cast.cpts,
        cast.coordinator,
        kind=kind,
        requester="Jeanne Dupont",
        received_on=timezone.localdate(),
        **extra,
    )


def test_access_request_end_to_end(client, cast, two_patients):
    mine, other = two_patients
    login(client, cast.coordinator)
    response = client.post(
        url("new_request", cast),
        {
            "kind": "access",
            "requester": "Jeanne Dupont",
            "requester_is_patient": "1",
            "received_on": "2026-01-31",
            "channel": "courrier",
        },
    )
    req = RightsRequest.objects.get()
    assert response.status_code == 302 and req.due_on == dt.date(2026, 2, 28)  # one month, the last day
    # Find the person by identity: number and count of circles, no content.
    page = client.get(url("request", cast, request_id=req.pk), {"nom": "dupont", "naissance": "1938-05-06"})
    body = page.content.decode()
    assert f"Patient n° {mine.patient_id}" in body and "1 cercle de soins" in body
    assert "Tension" not in body and f"Patient n° {other.patient_id}" not in body
    assert AuditEntry.objects.filter(action="view", details__page="privacy.find_patients").exists()
    client.post(url("request_link", cast, request_id=req.pk), {"patient": mine.patient_id})
    req.refresh_from_db()
    assert req.patient_id == mine.patient_id
    # The coordination's copy: identity, circles, members, counts; no message text.
    copy = json.loads(client.get(url("request_export", cast, request_id=req.pk), {"format": "json"}).content)
    assert copy["patient"]["nom_de_naissance"] == "DUPONT"
    assert copy["cercles_de_soins"][0]["messages"]["nombre"] == 1
    assert "Tension" not in json.dumps(copy, ensure_ascii=False) and "AUTRE" not in json.dumps(copy)
    # Ask the circle; the coordinator cannot produce it.
    client.post(url("request_ask", cast, request_id=req.pk))
    task = CircleTask.objects.get()
    assert task.group_id == mine.pk and task.status == "pending"
    assert client.get(url("task", cast, task_id=task.pk)).status_code == 403
    assert client.post(url("task", cast, task_id=task.pk), {"format": "json"}).status_code == 403
    client.logout()
    # A member of the circle sees it in the list and produces the full copy.
    login(client, cast.member)
    assert url("task", cast, task_id=task.pk) in client.get(url("tasks", cast)).content.decode()
    response = client.post(url("task", cast, task_id=task.pk), {"format": "json"})
    full = json.loads(response.content)
    text = json.dumps(full, ensure_ascii=False)
    assert "Tension 14/9 ce matin" in text and full["patient"]["prenoms"] == "Jeanne"
    assert "Partage dans le cercle" in text  # the consent's scope, in full
    assert "AUTRE" not in text and "Message sur un autre patient" not in text and "Hervé" not in text
    pdf = client.post(url("task", cast, task_id=task.pk), {"format": "pdf"})
    assert pdf["Content-Type"] == "application/pdf"
    pdf_body = pdf_text(pdf.content)
    assert "Tension 14/9 ce matin" in pdf_body and "Message sur un autre patient" not in pdf_body
    task.refresh_from_db()
    assert task.status == "done" and task.done_by == cast.member and set(task.digests) == {"json", "pdf"}
    exports = AuditEntry.objects.filter(action="export", details__rights_request=req.pk)
    assert exports.filter(object_type="coordination.group", object_id=str(mine.pk)).count() == 2
    assert exports.filter(object_type="coordination.patient").count() == 1
    assert all(e.details["sha256"] for e in exports)


def test_a_member_of_another_circle_cannot_produce_the_copy(client, cast, two_patients):
    mine, other = two_patients
    req = _request(cast)
    actions.link_patient(req, cast.coordinator, mine.patient_id)
    actions.ask_exports(req, cast.coordinator)
    task = CircleTask.objects.get()
    login(client, cast.partner)  # in the CPTS, uses the messaging, not in the circle
    assert client.get(url("task", cast, task_id=task.pk)).status_code == 403
    assert client.post(url("task", cast, task_id=task.pk), {"format": "json"}).status_code == 403
    assert url("task", cast, task_id=task.pk) not in client.get(url("tasks", cast)).content.decode()
    task.refresh_from_db()
    assert task.status == "pending" and not AuditEntry.objects.filter(action="export").exists()


# --- Opposition and erasure, within the retention rules ---


def test_erasure_closes_open_circles_and_purges_expired_ones_through_the_rules(client, cast, two_patients):
    mine, other = two_patients
    patient = mine.patient
    old = Group.objects.get(pk=mine.pk)
    coordination.close_group(old, cast.member)
    Group.objects.filter(pk=old.pk).update(closed_at=timezone.now() - dt.timedelta(days=400))  # test setup
    current = coordination.open_care_circle(cast.cpts, cast.member, patient)
    req = _request(cast, kind="erasure")
    actions.link_patient(req, cast.coordinator, patient.pk)
    login(client, cast.coordinator)
    page = client.get(url("request", cast, request_id=req.pk)).content.decode()
    assert "17-3-c" in page and "chaîne signée" in page  # what cannot be erased, and why
    client.post(url("request_apply", cast, request_id=req.pk))
    assert not Group.objects.filter(pk=old.pk).exists()  # past its retention: purged
    current.refresh_from_db()
    assert current.status == "closed"  # closed now, kept for the retention period
    assert Patient.objects.filter(pk=patient.pk).exists()  # still in the closed circle
    assert Group.objects.get(pk=other.pk).status == "open"  # another patient: untouched
    req.refresh_from_db()
    assert "1 cercle de soins supprimé" in req.outcome and f"n° {current.pk} conservé jusqu'au" in req.outcome
    assert AuditEntry.objects.filter(action="purge", object_id=str(old.pk)).exists()
    decision = AuditEntry.objects.get(action="decision", details__decision="rights_erasure")
    assert decision.details["purged"] == [old.pk] and decision.details["closed"] == [current.pk]
    # Once the retention period is over, the purge rule removes the last circle and the patient.
    retention.purge_circle(current.pk, timezone.now() + dt.timedelta(days=400))
    assert not Patient.objects.filter(pk=patient.pk).exists()
    req.refresh_from_db()
    assert req.patient_id is None and req.patient_number == patient.pk


def test_opposition_closes_without_purging(cast, two_patients):
    mine, _ = two_patients
    req = _request(cast, kind="opposition")
    actions.link_patient(req, cast.coordinator, mine.patient_id)
    summary = actions.apply_request(req, cast.coordinator)
    assert Group.objects.get(pk=mine.pk).status == "closed" and "1 cercle de soins clôturé" in summary
    assert not AuditEntry.objects.filter(action="purge").exists()


def test_closing_a_request(client, cast):
    req = _request(cast, kind="rectification")
    login(client, cast.coordinator)
    client.post(url("request_close", cast, request_id=req.pk), {"status": "refused", "outcome": ""})
    req.refresh_from_db()
    assert req.status == "open"  # a refusal needs its reason
    client.post(
        url("request_close", cast, request_id=req.pk),
        {"status": "answered", "outcome": "Identité corrigée par le médecin du cercle, patiente prévenue."},
    )
    req.refresh_from_db()
    assert req.status == "answered" and req.closed_by == cast.coordinator
    assert AuditEntry.objects.filter(action="decision", details__decision="rights_request_answered").exists()
    assert client.get(url("requests", cast)).status_code == 200


def test_bad_requests_are_refused_with_a_message(cast):
    from opencpts.errors import ActionError

    with pytest.raises(ActionError, match="futur"):
        _request_on(cast, timezone.localdate() + dt.timedelta(days=1))
    with pytest.raises(ActionError, match="obligatoire"):
        actions.open_request(
            cast.cpts, cast.coordinator, kind="access", requester=" ", received_on=timezone.localdate()
        )
    req = _request(cast)
    with pytest.raises(ActionError, match="Retrouvez d'abord"):
        actions.ask_exports(req, cast.coordinator)
    with pytest.raises(ActionError, match="introuvable"):
        actions.link_patient(req, cast.coordinator, 999999)
    assert RightsRequest.objects.count() == 1


def _request_on(cast, day):
    return actions.open_request(cast.cpts, cast.coordinator, kind="access", requester="X", received_on=day)


def test_rectification_by_a_member_of_the_circle(client, cast, two_patients):
    mine, _ = two_patients
    edit = reverse("coordination:edit_patient", kwargs={"slug": cast.cpts.slug, "group_id": mine.pk})
    identity = {"family_name": "DUPONT", "given_names": "Jeanne", "birth_date": "1938-05-06", "sex": "F"}
    login(client, cast.coordinator)  # manages circles, does not read them
    assert client.post(edit, {**identity, "used_name": "MARTIN"}).status_code == 403
    client.logout()
    login(client, cast.member)
    bad = client.post(edit, {**identity, "nir": "123"})
    assert bad.status_code == 200 and "NIR invalide" in bad.content.decode()
    assert client.post(edit, {**identity, "used_name": "MARTIN"}).status_code == 302
    patient = Patient.objects.get(pk=mine.patient_id)
    assert patient.used_name == "MARTIN" and patient.nir == ""
    entry = AuditEntry.objects.filter(action="update", object_type="coordination.patient").latest("seq")
    assert "used_name" in str(entry.details) and "MARTIN" not in str(entry.details)
