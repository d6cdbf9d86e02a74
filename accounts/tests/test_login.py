"""First step of the login: password, messages, audit-free behaviour of the login page itself."""

from django.urls import reverse

from accounts.tests.helpers import post_password, text_of
from tests.cast import PASSWORD


def test_right_password_for_a_patient_data_role_leads_to_the_totp_page(client, cast):
    response = post_password(client, cast.coordinator.email, follow=True)

    final_url, _ = response.redirect_chain[-1]
    assert final_url.startswith(reverse("accounts:otp_verify"))
    assert response.status_code == 200
    assert response.templates[0].name == "accounts/otp_verify.html"


def test_right_password_logs_the_user_in_but_not_yet_verified(client, cast):
    response = post_password(client, cast.coordinator.email)

    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(cast.coordinator.pk)
    assert "otp_device_id" not in client.session


def test_wrong_password_shows_the_french_message_and_logs_nobody_in(client, cast):
    response = post_password(client, cast.coordinator.email, "Mauvais-mot-de-passe-1")

    assert response.status_code == 200
    assert "Adresse e-mail ou mot de passe incorrect." in text_of(response)
    assert "_auth_user_id" not in client.session


def test_unknown_email_gets_the_same_message_as_a_wrong_password(client, cast):
    response = post_password(client, "personne@cast.test", PASSWORD)

    assert response.status_code == 200
    assert "Adresse e-mail ou mot de passe incorrect." in text_of(response)


def test_login_accepts_the_email_in_another_case(client, cast):
    response = post_password(client, cast.coordinator.email.upper())

    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(cast.coordinator.pk)


def test_admin_login_page_redirects_to_our_login_page(client, db):
    response = client.get("/admin/login/")

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login") + "?next=")
    assert "/admin/login/" in response["Location"]


def test_admin_index_for_an_anonymous_visitor_ends_on_our_login_page(client, db):
    response = client.get("/admin/", follow=True)

    assert response.redirect_chain[-1][0].startswith(reverse("accounts:login"))
    assert response.templates[0].name == "accounts/login.html"
