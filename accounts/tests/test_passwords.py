"""Password strength at registration, and password reset by e-mail."""

import re

import pytest
from django.core import mail
from django.urls import reverse

from accounts.models import User
from accounts.tests.helpers import post_password, text_of

STRONG = "Lune-Rousse-2026!"


def _register(client, password, email="nouveau@cast.test"):
    return client.post(
        reverse("accounts:register"),
        {
            "first_name": "Nina",
            "last_name": "Nouvelle",
            "email": email,
            "password": password,
            "password2": password,
        },
    )


@pytest.mark.parametrize(
    "password, message",
    [
        ("Ab1!xyz", "Ce mot de passe est trop court. Il doit contenir au minimum 12 caractères."),
        ("tournesolmaisonbleue", "Le mot de passe doit mêler au moins trois types de caractères"),
        ("pe#5gz29ptzmse", "Ce mot de passe est trop courant."),
    ],
)
def test_weak_password_is_refused_on_the_register_form_with_a_french_message(client, db, password, message):
    response = _register(client, password)

    assert response.status_code == 200
    assert message in text_of(response)
    assert message in " ".join(response.context["form"].errors["password"])


@pytest.mark.parametrize("password", ["Ab1!xyz", "tournesolmaisonbleue", "pe#5gz29ptzmse"])
def test_weak_password_creates_no_account(client, db, password):
    _register(client, password)

    assert not User.objects.filter(email="nouveau@cast.test").exists()
    assert "_auth_user_id" not in client.session


def test_strong_password_creates_the_account_and_leads_to_the_profile(client, db):
    response = _register(client, STRONG)

    assert response.status_code == 302
    assert response["Location"] == reverse("directory:my_profile")
    assert User.objects.get(email="nouveau@cast.test").check_password(STRONG)


def test_password_reset_sends_an_email_with_a_reset_link(client, cast):
    response = client.post(reverse("accounts:password_reset"), {"email": cast.member.email})

    assert response.status_code == 302
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [cast.member.email]
    assert re.search(r"http://testserver/mot-de-passe/nouveau/[\w-]+/[\w-]+/", message.body)


def test_password_reset_for_an_unknown_address_sends_nothing(client, cast):
    response = client.post(reverse("accounts:password_reset"), {"email": "personne@cast.test"})

    assert response.status_code == 302
    assert mail.outbox == []


def test_password_reset_link_sets_a_new_password(client, cast):
    client.post(reverse("accounts:password_reset"), {"email": cast.member.email})
    link = re.search(r"http://testserver(/mot-de-passe/nouveau/\S+)", mail.outbox[0].body).group(1)

    form_page = client.get(link, follow=True)  # Django swaps the token for a session marker
    set_url = form_page.redirect_chain[-1][0]
    response = client.post(set_url, {"new_password1": STRONG, "new_password2": STRONG})

    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:password_reset_complete")
    cast.member.refresh_from_db()
    assert cast.member.check_password(STRONG)


def test_password_reset_link_works_only_once(client, cast):
    client.post(reverse("accounts:password_reset"), {"email": cast.member.email})
    link = re.search(r"http://testserver(/mot-de-passe/nouveau/\S+)", mail.outbox[0].body).group(1)
    set_url = client.get(link, follow=True).redirect_chain[-1][0]
    client.post(set_url, {"new_password1": STRONG, "new_password2": STRONG})

    response = client.get(link, follow=True)

    assert response.context["validlink"] is False


def test_password_reset_refuses_a_weak_new_password(client, cast):
    client.post(reverse("accounts:password_reset"), {"email": cast.member.email})
    link = re.search(r"http://testserver(/mot-de-passe/nouveau/\S+)", mail.outbox[0].body).group(1)
    set_url = client.get(link, follow=True).redirect_chain[-1][0]

    response = client.post(set_url, {"new_password1": "Ab1!xyz", "new_password2": "Ab1!xyz"})

    assert response.status_code == 200
    assert "trop court" in text_of(response)
    cast.member.refresh_from_db()
    assert not cast.member.check_password("Ab1!xyz")


def test_new_password_from_reset_logs_in(client, cast):
    client.post(reverse("accounts:password_reset"), {"email": cast.member.email})
    link = re.search(r"http://testserver(/mot-de-passe/nouveau/\S+)", mail.outbox[0].body).group(1)
    set_url = client.get(link, follow=True).redirect_chain[-1][0]
    client.post(set_url, {"new_password1": STRONG, "new_password2": STRONG})
    client.logout()

    response = post_password(client, cast.member.email, STRONG)

    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(cast.member.pk)
