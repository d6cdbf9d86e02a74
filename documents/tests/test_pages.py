"""The documents pages: upload, list, versions, preview and download (headers, audit), deletion, the rules
of the group for everyone else, attachments of messages and the signed consent's scan."""

import datetime as dt
import html

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEntry
from coordination import actions as coordination
from coordination.models import Consent, Message
from documents import actions
from documents.models import Document, DocumentBlob, DocumentVersion
from documents.tests import samples
from tests.cast import login

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()


def logged(user) -> Client:
    client = Client()
    login(client, user)
    return client


def stored() -> tuple[int, int, int]:
    return Document.objects.count(), DocumentVersion.objects.count(), DocumentBlob.objects.count()


def upload_page(client, circle, name, data, title=""):
    return client.post(
        circle.url("documents:upload"), {"file": samples.upload(name, data), "title": title}, follow=True
    )


def test_upload_through_the_page_then_listed_with_its_details(circle):
    client = logged(circle.cast.member)
    response = upload_page(client, circle, "Compte rendu.pdf", samples.pdf(), title="CR de sortie")
    assert "Document « CR de sortie » déposé." in response.content.decode()
    document = Document.objects.get()
    assert document.title == "CR de sortie" and document.created_by == circle.cast.member
    version = document.versions.get()
    assert (version.filename, version.content_type, version.number) == (
        "Compte rendu.pdf",
        "application/pdf",
        1,
    )
    page = client.get(circle.url("coordination:documents")).content.decode()
    # The Documents tab, on its own URL, linked from the group's tab bar.
    assert f'href="{circle.url("coordination:documents")}"' in page and 'id="documents"' in page
    for text in (
        "CR de sortie",
        "PDF",
        "Marie Membre",
        circle.url("documents:preview", document_id=document.pk, number=1),
    ):
        assert text in page
    assert 'enctype="multipart/form-data"' in page


@pytest.mark.parametrize(
    ("name", "data", "reason"),
    [
        ("facture.pdf", samples.pe_executable(), "exécutable"),
        ("image.svg", samples.SVG_WITH_SCRIPT, "SVG"),
        ("page.pdf", samples.HTML, "HTML"),
        ("rapport.docx", samples.zip_bomb_docx(), "bombe"),
    ],
)
def test_a_refused_file_says_why_in_french_and_stores_nothing(circle, name, data, reason):
    client = logged(circle.cast.member)
    before = AuditEntry.objects.count()
    response = upload_page(client, circle, name, data)
    assert reason in response.content.decode()
    assert stored() == (0, 0, 0)
    assert not AuditEntry.objects.filter(pk__gt=before, object_type__startswith="documents.").exists()


def test_an_oversized_file_is_refused_through_the_page(circle, settings):
    settings.OPENCPTS_DOCUMENT_MAX_BYTES = 2000
    big = samples.pdf("x" * 50) + b"%" + b" " * 3000 + b"\n%%EOF\n"
    response = upload_page(logged(circle.cast.member), circle, "gros.pdf", big)
    assert (
        "fichier trop volumineux" in response.content.decode()
        and "0,0 Mo au plus" in response.content.decode()
    )
    assert stored() == (0, 0, 0)


def test_the_upload_handler_keeps_nothing_of_an_oversized_file(circle, settings):
    from documents.uploads import OversizedUpload

    settings.OPENCPTS_DOCUMENT_MAX_BYTES = 1000
    seen = {}

    def spy(group, by, upload, title=""):
        seen.update(kind=type(upload), size=upload.size, content=upload.read())
        raise actions.ActionError("stop")

    original, actions.add_document = actions.add_document, spy
    try:
        logged(circle.cast.member).post(
            circle.url("documents:upload"), {"file": samples.upload("gros.pdf", b"%PDF-1.4" + b" " * 5000)}
        )
    finally:
        actions.add_document = original
    assert seen == {"kind": OversizedUpload, "size": 5008, "content": b""}


def test_versions_each_downloadable(circle):
    client = logged(circle.cast.member)
    upload_page(client, circle, "bilan.pdf", samples.pdf("v1"))
    document = Document.objects.get()
    detail = circle.url("documents:detail", document_id=document.pk)
    response = client.post(
        circle.url("documents:new_version", document_id=document.pk),
        {"file": samples.upload("bilan-corrigé.docx", samples.docx())},
        follow=True,
    )
    assert "Version 2 déposée." in response.content.decode()
    page = client.get(detail).content.decode()
    assert "bilan.pdf" in page and "bilan-corrigé.docx" in page and "Document Word" in page
    v1 = client.get(circle.url("documents:download", document_id=document.pk, number=1))
    v2 = client.get(circle.url("documents:download", document_id=document.pk, number=2))
    assert v1.content == samples.pdf("v1") and v2.content == samples.docx()
    assert client.get(circle.url("documents:download", document_id=document.pk, number=3)).status_code == 404
    listed = client.get(circle.url("coordination:documents")).content.decode()
    assert (
        circle.url("documents:download", document_id=document.pk, number=2) in listed
    )  # the current version


def test_a_refused_new_version_leaves_the_document_as_it_was(circle):
    document = actions.add_document(circle.group, circle.cast.member, samples.upload("a.pdf", samples.pdf()))
    response = logged(circle.cast.bureau).post(
        circle.url("documents:new_version", document_id=document.pk),
        {"file": samples.upload("b.pdf", samples.elf_executable())},
        follow=True,
    )
    assert "exécutable" in response.content.decode()
    assert document.versions.count() == 1 and DocumentBlob.objects.count() == 1


def test_preview_is_inline_sandboxed_and_audited(circle):
    document = actions.add_document(
        circle.group, circle.cast.member, samples.upload("scan.pdf", samples.pdf())
    )
    client = logged(circle.cast.bureau)
    response = client.get(circle.url("documents:preview", document_id=document.pk, number=1))
    assert response.status_code == 200 and response.content == samples.pdf()
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'inline; filename="scan.pdf"'
    assert response["X-Content-Type-Options"] == "nosniff"
    policy = response["Content-Security-Policy"]
    assert policy.startswith("sandbox;") and "default-src 'none'" in policy and "script-src" not in policy
    assert response["Cache-Control"] == "private, no-store"
    entry = AuditEntry.objects.filter(object_type="documents.documentversion").last()
    assert (entry.action, entry.actor_id, entry.object_id) == (
        "view",
        circle.cast.bureau.pk,
        str(document.versions.get().pk),
    )
    assert entry.details == {
        "document_id": document.pk,
        "version": 1,
        "group_id": circle.group.pk,
        "disposition": "inline",
    }


def test_download_is_an_attachment_and_audited_as_an_export(circle):
    document = actions.add_document(
        circle.group, circle.cast.member, samples.upload("Synthèse RCP.docx", samples.docx())
    )
    client = logged(circle.cast.partner)
    response = client.get(circle.url("documents:download", document_id=document.pk, number=1))
    assert response["Content-Disposition"] == "attachment; filename*=utf-8''Synth%C3%A8se%20RCP.docx"
    assert response["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.wordprocessingml"
    )
    entry = AuditEntry.objects.filter(object_type="documents.documentversion").last()
    assert (entry.action, entry.actor_id, entry.details["disposition"]) == (
        "export",
        circle.cast.partner.pk,
        "attachment",
    )
    # An office file is never shown inline, even through the preview address.
    preview = client.get(circle.url("documents:preview", document_id=document.pk, number=1))
    assert preview["Content-Disposition"].startswith("attachment;")


def test_viewing_the_detail_page_is_audited(circle):
    document = actions.add_document(circle.group, circle.cast.member, samples.upload("a.pdf", samples.pdf()))
    logged(circle.cast.bureau).get(circle.url("documents:detail", document_id=document.pk))
    entry = AuditEntry.objects.filter(object_type="documents.document", action="view").get()
    assert entry.actor_id == circle.cast.bureau.pk and entry.object_id == str(document.pk)


def test_a_tampered_document_gets_a_french_error_page(circle):
    document = actions.add_document(circle.group, circle.cast.member, samples.upload("a.pdf", samples.pdf()))
    DocumentBlob.objects.update(ciphertext=b"\x00" * 100)
    response = logged(circle.cast.member).get(
        circle.url("documents:download", document_id=document.pk, number=1)
    )
    assert response.status_code == 500 and "contrôle d'intégrité" in response.content.decode()
    assert b"%PDF" not in response.content


# --- who may see and do what ---------------------------------------------------------------------------


def document_urls(circle, document):
    return [
        circle.url("documents:section"),
        circle.url("documents:detail", document_id=document.pk),
        circle.url("documents:preview", document_id=document.pk, number=1),
        circle.url("documents:download", document_id=document.pk, number=1),
    ]


@pytest.mark.parametrize(
    "who", ["coordinator", "referent", "other_coordinator", "outsider", "removed", "left"]
)
def test_nobody_outside_the_circle_reads_its_documents(circle, who):
    cast = circle.cast
    document = actions.add_document(circle.group, cast.member, samples.upload("a.pdf", samples.pdf()))
    if who == "removed":
        coordination.remove_member(circle.group, cast.member, cast.bureau)
        user = cast.bureau
    elif who == "left":
        coordination.leave(circle.group, cast.partner)
        user = cast.partner
    else:
        user = getattr(cast, who)
    client = logged(user)
    for url in document_urls(circle, document):
        response = client.get(url)
        assert response.status_code == 403, (who, url)
        assert b"%PDF" not in response.content
    before = stored()
    client.post(circle.url("documents:upload"), {"file": samples.upload("b.pdf", samples.pdf())})
    client.post(
        circle.url("documents:new_version", document_id=document.pk),
        {"file": samples.upload("b.pdf", samples.pdf())},
    )
    client.post(circle.url("documents:delete", document_id=document.pk))
    assert stored() == before and Document.objects.get().deleted_at is None
    assert not AuditEntry.objects.filter(
        action__in=["view", "export"], actor_id=user.pk, object_type__startswith="documents."
    ).exists()


def test_anonymous_is_sent_to_the_login(circle, client):
    document = actions.add_document(circle.group, circle.cast.member, samples.upload("a.pdf", samples.pdf()))
    for url in document_urls(circle, document):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:login"))


def test_a_document_of_another_group_is_not_found_through_this_one(circle):
    cast = circle.cast
    other = coordination.create_working_group(cast.cpts, cast.bureau, "Autre groupe")
    document = actions.add_document(other, cast.bureau, samples.upload("a.pdf", samples.pdf()))
    response = logged(cast.member).get(circle.url("documents:download", document_id=document.pk, number=1))
    assert response.status_code == 404


def test_closed_group_and_withdrawn_consent_refuse_uploads(circle):
    client = logged(circle.cast.member)
    coordination.withdraw_consent(circle.consent, circle.cast.member)
    response = upload_page(client, circle, "a.pdf", samples.pdf())
    assert "Aucun consentement valide du patient" in response.content.decode()
    assert (
        "aucun document ne peut être déposé"
        in client.get(circle.url("coordination:documents")).content.decode()
    )
    coordination.record_consent(
        circle.group,
        circle.cast.member,
        collected_on=TODAY,
        method=Consent.Method.ON_SCREEN,
        scope="Nouveau consentement",
    )
    upload_page(client, circle, "a.pdf", samples.pdf())
    document = Document.objects.get()
    coordination.close_group(circle.group, circle.cast.member)
    response = upload_page(client, circle, "b.pdf", samples.pdf())
    assert "clôturé" in response.content.decode()
    response = client.post(
        circle.url("documents:new_version", document_id=document.pk),
        {"file": samples.upload("c.pdf", samples.pdf())},
        follow=True,
    )
    assert "clôturé" in response.content.decode()
    assert stored() == (1, 1, 1)
    # The archive stays readable.
    assert client.get(circle.url("documents:download", document_id=document.pk, number=1)).status_code == 200


def test_working_groups_need_no_consent(cast):
    group = coordination.create_working_group(cast.cpts, cast.partner, "Parcours BPCO")
    document = actions.add_document(group, cast.partner, samples.upload("protocole.odt", samples.odt()))
    assert document.versions.get().content_type == "application/vnd.oasis.opendocument.text"


def test_soft_delete_by_the_author_keeps_the_history(circle):
    client = logged(circle.cast.bureau)
    document = actions.add_document(circle.group, circle.cast.bureau, samples.upload("a.pdf", samples.pdf()))
    actions.add_version(document, circle.cast.bureau, samples.upload("b.pdf", samples.pdf("b")))
    response = client.post(circle.url("documents:delete", document_id=document.pk), follow=True)
    assert "supprimé (son historique reste tracé)" in response.content.decode()
    document.refresh_from_db()
    assert document.deleted_at is not None and document.deleted_by == circle.cast.bureau
    assert stored() == (1, 2, 2)  # versions and contents kept
    assert client.get(circle.url("documents:download", document_id=document.pk, number=1)).status_code == 404
    assert "a.pdf" not in client.get(circle.url("documents:section")).content.decode()
    decision = AuditEntry.objects.get(action="decision", object_type="documents.document")
    assert decision.details == {"decision": "document_deleted", "group_id": circle.group.pk}


def test_only_the_author_or_a_manager_deletes(circle):
    document = actions.add_document(circle.group, circle.cast.bureau, samples.upload("a.pdf", samples.pdf()))
    assert (
        logged(circle.cast.partner).post(circle.url("documents:delete", document_id=document.pk)).status_code
        == 403
    )
    assert Document.objects.get().deleted_at is None
    logged(circle.cast.member).post(circle.url("documents:delete", document_id=document.pk))  # the initiator
    assert Document.objects.get().deleted_at is not None


# --- messages ----------------------------------------------------------------------------------------------


def test_a_subject_with_attachments(circle):
    client = logged(circle.cast.member)
    response = client.post(
        circle.url("coordination:post_message"),
        {
            "subject": "Sortie",
            "body": "Voir le compte rendu et la photo.",
            "attachments": [
                samples.upload("cr.pdf", samples.pdf()),
                samples.upload("plaie.jpg", samples.jpeg()),
            ],
        },
        follow=True,
    )
    assert "Message envoyé." in response.content.decode()
    message = Message.objects.get()
    attached = list(Document.objects.filter(message=message).order_by("pk"))
    assert [d.title for d in attached] == ["cr.pdf", "plaie.jpg"]
    page = client.get(circle.url("coordination:group")).content.decode()
    assert "Pièces jointes" in page
    assert circle.url("documents:download", document_id=attached[1].pk, number=1) in page
    fragment = client.get(circle.url("coordination:group_messages")).content.decode()
    assert circle.url("documents:preview", document_id=attached[0].pk, number=1) in fragment


def test_a_reply_with_an_attachment(circle):
    subject = coordination.post_message(circle.group, circle.cast.member, "Question", subject="Sujet")
    client = logged(circle.cast.bureau)
    client.post(
        circle.url("coordination:post_message"),
        {
            "parent": subject.pk,
            "body": "Voici l'ordonnance",
            "attachments": samples.upload("ordo.png", samples.png()),
        },
    )
    reply = Message.objects.get(parent=subject)
    assert Document.objects.get(message=reply).created_by == circle.cast.bureau


def test_a_refused_attachment_refuses_the_whole_message(circle):
    client = logged(circle.cast.member)
    response = client.post(
        circle.url("coordination:post_message"),
        {
            "subject": "Sortie",
            "body": "Texte",
            "attachments": [
                samples.upload("cr.pdf", samples.pdf()),
                samples.upload("cr2.pdf", samples.pe_executable()),
            ],
        },
        follow=True,
    )
    assert "« cr2.pdf » : c'est un programme exécutable" in html.unescape(response.content.decode())
    assert not Message.objects.exists() and stored() == (0, 0, 0)


def test_attachments_without_consent_refuse_the_message_too(circle):
    coordination.withdraw_consent(circle.consent, circle.cast.member)
    logged(circle.cast.member).post(
        circle.url("coordination:post_message"),
        {"subject": "Sortie", "body": "Texte", "attachments": samples.upload("cr.pdf", samples.pdf())},
    )
    assert not Message.objects.exists() and stored() == (0, 0, 0)


def test_too_many_attachments(circle):
    files = [samples.upload(f"{i}.png", samples.png()) for i in range(actions.MAX_ATTACHMENTS + 1)]
    response = logged(circle.cast.member).post(
        circle.url("coordination:post_message"),
        {"subject": "S", "body": "B", "attachments": files},
        follow=True,
    )
    assert "10 pièces jointes au plus" in response.content.decode()
    assert not Message.objects.exists() and stored() == (0, 0, 0)


def test_a_deleted_message_no_longer_shows_its_attachments(circle):
    client = logged(circle.cast.member)
    client.post(
        circle.url("coordination:post_message"),
        {"subject": "S", "body": "B", "attachments": samples.upload("cr.pdf", samples.pdf())},
    )
    coordination.delete_message(Message.objects.get(), circle.cast.member)
    fragment = client.get(circle.url("coordination:group_messages")).content.decode()
    assert "cr.pdf" not in fragment and "Message supprimé" in fragment


# --- consent ------------------------------------------------------------------------------------------------

CONSENT = {
    "collected_on": TODAY.isoformat(),
    "method": Consent.Method.SIGNED_PAPER,
    "witness": "",
    "scope": "Partage dans le cercle (papier)",
    "expires_on": "",
}


def test_a_paper_consent_requires_its_scan(circle):
    response = logged(circle.cast.member).post(
        circle.url("coordination:record_consent"), CONSENT, follow=True
    )
    assert "joignez le scan du document signé" in response.content.decode()
    assert circle.group.consents.count() == 1 and stored() == (0, 0, 0)


def test_a_paper_consent_with_its_scan_shows_the_signed_document(circle):
    client = logged(circle.cast.member)
    response = client.post(
        circle.url("coordination:record_consent"),
        {**CONSENT, "document": samples.upload("consentement.pdf", samples.pdf("signé"))},
        follow=True,
    )
    assert "Consentement enregistré." in response.content.decode()
    consent = circle.group.consents.get(scope="Partage dans le cercle (papier)")
    document = Document.objects.get(consent=consent)
    assert document.kind == Document.Kind.CONSENT_FORM
    page = client.get(circle.url("coordination:consents")).content.decode()
    assert (
        "Le document signé" in page
        and circle.url("documents:preview", document_id=document.pk, number=1) in page
    )
    # The scan is the proof of the consent: it is neither replaced nor deleted.
    client.post(circle.url("documents:delete", document_id=document.pk))
    client.post(
        circle.url("documents:new_version", document_id=document.pk),
        {"file": samples.upload("autre.pdf", samples.pdf())},
    )
    assert Document.objects.get(pk=document.pk).deleted_at is None and document.versions.count() == 1


def test_a_consent_scan_must_be_a_pdf_or_an_image(circle):
    response = logged(circle.cast.member).post(
        circle.url("coordination:record_consent"),
        {**CONSENT, "document": samples.upload("c.docx", samples.docx())},
        follow=True,
    )
    assert "en PDF ou en image" in response.content.decode()
    assert circle.group.consents.count() == 1 and stored() == (0, 0, 0)


def test_the_first_consent_can_come_with_its_scan(cast):
    """No valid consent yet: the signed form is precisely what makes sharing possible."""
    patient = coordination.create_patient(
        cast.cpts, cast.member, family_name="NEUF", given_names="Nadia", birth_date=dt.date(1950, 1, 1)
    )
    group = coordination.open_care_circle(cast.cpts, cast.member, patient)
    consent = actions.record_consent(
        group,
        cast.member,
        document=samples.upload("scan.jpg", samples.jpeg()),
        collected_on=TODAY,
        method=Consent.Method.SIGNED_PAPER,
        scope="Partage",
    )
    assert Document.objects.get().consent == consent


def test_other_consent_methods_need_no_scan(circle):
    logged(circle.cast.member).post(
        circle.url("coordination:record_consent"),
        {**CONSENT, "method": Consent.Method.ORAL_WITNESS, "witness": "Fille"},
    )
    assert circle.group.consents.count() == 2 and stored() == (0, 0, 0)


# --- events -------------------------------------------------------------------------------------------------


def test_document_added_is_emitted_after_the_commit(circle, django_capture_on_commit_callbacks):
    from coordination.events import group_event

    received = []

    def listener(sender, event, **kwargs):
        received.append(event)

    group_event.connect(listener)
    try:
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            document = actions.add_document(
                circle.group, circle.cast.member, samples.upload("a.pdf", samples.pdf())
            )
        assert received == []  # nothing before the commit
        for callback in callbacks:
            callback()
    finally:
        group_event.disconnect(listener)
    (event,) = [e for e in received if e.kind == "document.added"]
    assert (event.group_id, event.actor_id, event.object_id, event.data) == (
        circle.group.pk,
        circle.cast.member.pk,
        document.pk,
        {"version": 1},
    )
