"""Pro Santé Connect against a real OpenID Connect provider (npm oidc-provider run by node on 127.0.0.1,
accounts/psc_provider.py): the real code flow, no mock of mozilla-django-oidc.

The Django test client plays the browser on OpenCPTS's side, ``requests`` on the provider's (its login and
consent pages); OpenCPTS's backend calls the provider's token, JWKS and userinfo endpoints over HTTP. The
provider misbehaves on purpose for the identities flagged ``tamper`` (ID token re-signed with a wrong
audience, expired, or by another key) and gives the ``acr`` each identity says.
"""

import re
import socket
from urllib.parse import parse_qs, urljoin, urlsplit

import pytest
import requests
from django.urls import reverse

from accounts import psc_provider
from accounts.models import ProSanteConnectDevice, User
from audit.models import AuditEntry
from directory.identifiers import rpps_with_key
from directory.models import PracticePlace, Professional
from tests.cast import PASSWORD

pytestmark = [pytest.mark.once, pytest.mark.django_db]

APP = "http://testserver"
CLIENT_ID = "opencpts-test"
SECRET = "secret-de-test-du-client-opencpts-0123456789"


def idnat(n: int) -> str:
    return "8" + rpps_with_key(f"{1000000700 + n}")


IDENTITIES = {
    "nouvelle": {"SubjectNameID": idnat(1), "given_name": "Nina", "family_name": "Nouvelle", "acr": "eidas1"},
    "liee": {"SubjectNameID": idnat(2), "given_name": "Lise", "family_name": "Liée", "acr": "eidas1"},
    "fiche": {"SubjectNameID": idnat(3), "given_name": "Fabien", "family_name": "Fiche", "acr": "eidas1"},
    "inconnu": {"SubjectNameID": idnat(4), "given_name": "Ivan", "family_name": "Inconnu", "acr": "eidas1"},
    "lien": {"SubjectNameID": idnat(5), "given_name": "Léa", "family_name": "Lien", "acr": "eidas2"},
    "audience": {
        "SubjectNameID": idnat(6),
        "given_name": "A",
        "family_name": "A",
        "acr": "eidas1",
        "tamper": "audience",
    },
    "expire": {
        "SubjectNameID": idnat(7),
        "given_name": "E",
        "family_name": "E",
        "acr": "eidas1",
        "tamper": "expired",
    },
    "signature": {
        "SubjectNameID": idnat(8),
        "given_name": "S",
        "family_name": "S",
        "acr": "eidas1",
        "tamper": "signature",
    },
    "faible": {"SubjectNameID": idnat(9), "given_name": "F", "family_name": "F", "acr": "eidas0"},
    "sans-acr": {"SubjectNameID": idnat(10), "given_name": "N", "family_name": "N"},
}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def provider():
    running = psc_provider.start(_free_port(), CLIENT_ID, SECRET, APP, IDENTITIES)
    yield running
    running.stop()


@pytest.fixture(autouse=True)
def psc_settings(settings, provider):
    env = provider.settings()
    settings.PSC_CLIENT_ID = settings.OIDC_RP_CLIENT_ID = CLIENT_ID
    settings.OIDC_RP_CLIENT_SECRET = SECRET
    settings.PSC_ISSUER = env["PSC_ISSUER"]
    settings.OIDC_OP_AUTHORIZATION_ENDPOINT = env["PSC_AUTHORIZATION_ENDPOINT"]
    settings.OIDC_OP_TOKEN_ENDPOINT = env["PSC_TOKEN_ENDPOINT"]
    settings.OIDC_OP_USER_ENDPOINT = env["PSC_USERINFO_ENDPOINT"]
    settings.OIDC_OP_JWKS_ENDPOINT = env["PSC_JWKS_ENDPOINT"]
    settings.OIDC_OP_LOGOUT_ENDPOINT = env["PSC_LOGOUT_ENDPOINT"]


def professional(key: str, **extra) -> Professional:
    claims = IDENTITIES[key]
    number = claims["SubjectNameID"]
    return Professional.objects.create(
        id_type="8",
        national_id=number[1:],
        idnat=number,
        civility="DR",
        last_name=claims["family_name"].upper(),
        first_name=claims["given_name"],
        profession_code="10",
        **extra,
    )


def at_provider(client, login: str, start: str | None = None):
    """Start at OpenCPTS (``start``: a POST already answered with the redirect), go through the provider's
    login and consent pages as ``login``, and come back to OpenCPTS's callback: its response."""
    response = start or client.get(reverse("accounts:psc_login"))
    assert response.status_code == 302
    location = response["Location"]
    browser = requests.Session()
    for _ in range(12):
        if location.startswith((APP, "/")):  # OpenCPTS: its callback ends the trip
            response = client.get(location)
            if urlsplit(location).path == reverse("accounts:psc_callback"):
                return response
            location = response["Location"]
            continue
        answer = browser.get(location, allow_redirects=False, timeout=10)
        if answer.status_code == 200:  # the provider's login or consent page
            action = re.search(r'action="([^"]+)"', answer.text).group(1)
            data = {"login": login} if 'name="login"' in answer.text else {}
            answer = browser.post(urljoin(location, action), data=data, allow_redirects=False, timeout=10)
        assert answer.status_code in (302, 303), answer.text
        location = urljoin(location, answer.headers["Location"])
    raise AssertionError("the provider never sent the browser back")


def messages_of(client, response) -> str:
    page = client.get(response["Location"]) if response.status_code == 302 else response
    return page.content.decode()


def refusals(reason: str) -> int:
    return AuditEntry.objects.filter(action="login.psc_refused", details__reason=reason).count()


def test_the_authorization_request_carries_what_psc_expects(client):
    response = client.get(reverse("accounts:psc_login"))

    query = parse_qs(urlsplit(response["Location"]).query)
    assert query["scope"] == ["openid scope_all"]
    assert query["acr_values"] == ["eidas1"]
    assert query["code_challenge_method"] == ["S256"]
    assert len(query["nonce"][0]) >= 32 and len(query["state"][0]) >= 32
    assert query["redirect_uri"] == [f"{APP}/connexion/psc/retour/"]


def test_a_professional_without_account_confirms_then_is_logged_in_verified_and_logs_out_at_psc(
    client, settings
):
    pro = professional("nouvelle")
    PracticePlace.objects.create(professional=pro, label="Cabinet des Tilleuls", address="3 rue des Tilleuls")

    response = at_provider(client, "nouvelle")

    assert response["Location"] == reverse("accounts:psc_confirm")
    assert not User.objects.filter(external_idnat=pro.idnat).exists()  # nothing before the confirmation
    page = client.get(response["Location"]).content.decode()
    assert "Créer mon compte" in page and "NOUVELLE" in page and "Cabinet des Tilleuls" in page
    assert "Médecin" in page  # the profession, from the directory

    created = client.post(reverse("accounts:psc_confirm"), {"email": "nina.nouvelle@exemple.fr"})

    user = User.objects.get(external_idnat=pro.idnat)
    assert created["Location"] == reverse("directory:my_profile")
    assert (user.email, user.professional, user.has_usable_password()) == (
        "nina.nouvelle@exemple.fr",
        pro,
        False,
    )
    request_user = client.get(reverse("accounts:security")).wsgi_request.user
    assert request_user == user and request_user.is_verified()
    assert isinstance(request_user.otp_device, ProSanteConnectDevice)
    assert AuditEntry.objects.filter(action="psc.account_created", object_id=str(user.pk)).exists()

    logout = client.post(reverse("accounts:logout"))

    end_session = urlsplit(logout["Location"])
    query = parse_qs(end_session.query)
    assert logout["Location"].startswith(settings.OIDC_OP_LOGOUT_ENDPOINT)
    assert query["post_logout_redirect_uri"] == [f"{APP}/connexion/"] and query["id_token_hint"]
    assert "_auth_user_id" not in client.session
    # The provider accepts the hint and the registered return address (it answers its logout page).
    assert requests.get(logout["Location"], timeout=10).status_code == 200

    again = at_provider(client, "nouvelle")  # the link is explicit now: straight in

    assert again["Location"] == reverse("home")
    assert client.session["_auth_user_id"] == str(user.pk)


def test_a_linked_account_with_a_patient_data_role_passes_the_second_factor_by_psc(client, cast):
    cast.coordinator.external_idnat = IDENTITIES["liee"]["SubjectNameID"]
    cast.coordinator.save()
    home = reverse("cpts:home", kwargs={"slug": cast.cpts.slug})

    response = at_provider(client, "liee", start=client.get(reverse("accounts:psc_login"), {"next": home}))

    assert response["Location"] == home
    page = client.get(home)
    assert page.status_code == 200  # no TOTP page in between
    assert page.wsgi_request.user == cast.coordinator and page.wsgi_request.user.is_verified()
    entry = AuditEntry.objects.filter(action="login.success", object_id=str(cast.coordinator.pk)).last()
    assert entry.details == {"method": "psc"}


def test_an_account_holding_the_directory_entry_is_linked_only_with_its_password(client):
    pro = professional("fiche")
    owner = User.objects.create_user("fabien@exemple.fr", PASSWORD, professional=pro)

    response = at_provider(client, "fiche")

    assert response["Location"] == reverse("accounts:psc_confirm")
    assert "f•••@exemple.fr" in client.get(response["Location"]).content.decode()
    wrong = client.post(reverse("accounts:psc_confirm"), {"password": "pas-le-bon-mot-de-passe"})
    assert wrong.status_code == 400 and "Mot de passe incorrect." in wrong.content.decode()
    owner.refresh_from_db()
    assert owner.external_idnat is None and "_auth_user_id" not in client.session

    right = client.post(reverse("accounts:psc_confirm"), {"password": PASSWORD})

    owner.refresh_from_db()
    assert right.status_code == 302 and owner.external_idnat == pro.idnat
    assert client.session["_auth_user_id"] == str(owner.pk)


def test_a_logged_in_user_links_then_unlinks_psc_from_the_security_page(client):
    user = User.objects.create_user("lea@exemple.fr", PASSWORD)
    pro = professional("lien")
    client.force_login(user)
    assert "Associer Pro Santé Connect" in client.get(reverse("accounts:security")).content.decode()

    response = at_provider(client, "lien", start=client.post(reverse("accounts:psc_link")))

    user.refresh_from_db()
    assert response["Location"] == reverse("accounts:security")
    assert (user.external_idnat, user.professional) == (pro.idnat, pro)
    assert "maintenant associé" in messages_of(client, response)

    client.post(reverse("accounts:psc_unlink"))

    user.refresh_from_db()
    assert user.external_idnat is None


@pytest.mark.parametrize(
    ("login", "reason"),
    [
        ("audience", "wrong_audience"),
        ("expire", "expired"),
        ("signature", "bad_signature"),
        ("faible", "acr_too_low"),
        ("sans-acr", "acr_missing"),
    ],
)
def test_a_token_that_fails_a_check_opens_nothing_and_is_audited(client, login, reason):
    pro = professional(login)
    user = User.objects.create_user(
        f"{login}@exemple.fr", PASSWORD, professional=pro, external_idnat=pro.idnat
    )

    response = at_provider(client, login)

    assert response["Location"] == reverse("accounts:login")
    assert "_auth_user_id" not in client.session
    assert refusals(reason) == 1
    page = messages_of(client, response)
    if reason.startswith("acr"):
        assert "niveau d&#x27;authentification suffisant" in page
    else:
        assert "n&#x27;a pas pu être vérifiée" in page
    assert User.objects.get(pk=user.pk).last_login is None


def test_an_identity_absent_from_the_directory_gets_a_clear_message_and_no_account(client):
    accounts_before = User.objects.count()

    response = at_provider(client, "inconnu")

    assert response["Location"] == reverse("accounts:login")
    page = messages_of(client, response)
    assert "ne figure pas dans l&#x27;annuaire" in page and "aucun compte n&#x27;a été créé" in page
    assert User.objects.count() == accounts_before and refusals("not_in_directory") == 1
    assert "_auth_user_id" not in client.session


def test_without_a_client_id_the_button_is_hidden_and_the_pages_answer_404(client, settings):
    settings.PSC_CLIENT_ID = ""

    assert "Pro Santé Connect" not in client.get(reverse("accounts:login")).content.decode()
    assert client.get(reverse("accounts:psc_login")).status_code == 404
    assert client.get(reverse("accounts:psc_callback"), {"code": "x", "state": "y"}).status_code == 404
