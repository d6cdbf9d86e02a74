"""The composer of a care circle's conversation, given bad input: sent empty, sent twice (double tap), an
attachment refused mid-send. Each gets a clear French message, keeps the typed text and stores nothing
(never a message without its attachment); as an HTML form (without script) and as the script's JSON."""

import html

import pytest
from django.test import Client

from coordination.models import Message
from documents.models import Document
from documents.tests import samples
from tests.cast import login

pytestmark = pytest.mark.django_db
JSON = {"HTTP_ACCEPT": "application/json", "HTTP_X_REQUESTED_WITH": "fetch"}
TOKEN = "jeton-composeur-double-tap-01"


def logged(user) -> Client:
    client = Client()
    login(client, user)
    return client


def page_text(response) -> str:
    return html.unescape(response.content.decode())


@pytest.mark.parametrize("body", ["", "   \n  "])
def test_an_empty_message_is_refused_in_french_and_nothing_is_stored(circle, body):
    client = logged(circle.cast.member)
    response = client.post(circle.url("coordination:post_message"), {"body": body, "subject": "Titre gardé"})
    assert response.status_code == 400
    text = page_text(response)
    assert "Le message est vide : écrivez votre texte avant d'envoyer." in text
    assert 'value="Titre gardé"' in text  # the typed subject is kept
    response = client.post(circle.url("coordination:post_message"), {"body": body}, **JSON)
    assert response.status_code == 400 and response.json() == {
        "ok": False,
        "error": "Le message est vide : écrivez votre texte avant d'envoyer.",
        "field": "body",
    }
    assert not Message.objects.exists()


def test_a_double_tap_sends_one_message(circle):
    client = logged(circle.cast.member)
    data = {"body": "Passage demain 9 h", "token": TOKEN}
    first = client.post(circle.url("coordination:post_message"), data, **JSON)
    second = client.post(circle.url("coordination:post_message"), data, **JSON)
    assert first.json()["ok"] and not first.json()["duplicate"]
    assert second.json()["ok"] and second.json()["duplicate"]
    assert second.json()["message_id"] == first.json()["message_id"]
    assert first.json()["token"] != TOKEN  # the composer gets a fresh token for the next message
    # Without script: the browser posts the form twice, the second answer says so.
    third = client.post(circle.url("coordination:post_message"), data, follow=True)
    assert "Message déjà envoyé." in page_text(third)
    assert Message.objects.filter(body="Passage demain 9 h").count() == 1


def test_a_double_tap_with_an_attachment_stores_it_once(circle):
    client = logged(circle.cast.member)
    for _ in range(2):
        client.post(
            circle.url("coordination:post_message"),
            {"body": "Photo", "token": TOKEN, "attachments": samples.upload("plaie.png", samples.png())},
            **JSON,
        )
    assert Message.objects.count() == 1 and Document.objects.count() == 1


@pytest.mark.parametrize(
    ("name", "data", "expected"),
    [
        ("programme.pdf", samples.pe_executable(), "« programme.pdf » : c'est un programme exécutable"),
        ("enorme.pdf", samples.pdf("x" * 3000), "« enorme.pdf » : fichier trop volumineux"),
    ],
)
def test_a_refused_attachment_keeps_the_text_and_stores_nothing(circle, settings, name, data, expected):
    settings.OPENCPTS_DOCUMENT_MAX_BYTES = 2000
    client = logged(circle.cast.member)
    typed = "Compte rendu du passage de ce matin, voir la pièce jointe"
    files = [samples.upload("ok.png", samples.png()), samples.upload(name, data)]
    response = client.post(
        circle.url("coordination:post_message"), {"body": typed, "subject": "Passage", "attachments": files}
    )
    assert response.status_code == 400
    text = page_text(response)
    assert expected in text and f">{typed}</textarea>" in text  # said beside the composer, text kept
    assert 'role="alert"' in text and 'aria-describedby="composer-target composer-status' in text
    files = [samples.upload(name, data)]
    response = client.post(
        circle.url("coordination:post_message"), {"body": typed, "attachments": files}, **JSON
    )
    assert response.status_code == 400
    assert expected in response.json()["error"] and response.json()["field"] == "attachments"
    assert not Message.objects.exists() and not Document.objects.exists()


def test_a_message_without_subject_continues_the_last_one_through_the_page(circle):
    client = logged(circle.cast.member)
    client.post(circle.url("coordination:post_message"), {"body": "Premier", "subject": "Pansements"})
    subject = Message.objects.get()
    page = client.get(circle.url("coordination:group")).content.decode()
    assert "Suite du sujet « Pansements »" in page
    response = client.post(circle.url("coordination:post_message"), {"body": "Suite"}, **JSON)
    assert response.json()["ok"] and Message.objects.get(body="Suite").parent == subject
    # « Répondre » without script: the composer answers the chosen subject.
    page = client.get(circle.url("coordination:group"), {"repondre": subject.pk}).content.decode()
    assert "Réponse au sujet « Pansements »" in page and f'name="parent" value="{subject.pk}"' in page
