"""Web Push: subscribing a browser (French 400 on anything malformed, nothing stored), what is pushed after
a real action (encrypted for the browser, VAPID-signed, the e-mail's neutral words only), a subscription the
push service says is gone, the channel off without keys, the manifest and the service worker.

Only the HTTP POST to the push service is replaced (``requests.post``); the browser's side is played by a real
P-256 key pair and auth secret, so that the test decrypts what was sent."""

import base64
import datetime as dt
import json
import os

import http_ece
import pytest
import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from django.test import Client
from django.urls import reverse

from coordination import actions as coordination
from notifications import push
from notifications.models import Notification, PushSubscription
from notifications.views import BAD_BODY
from tests.cast import login

from .conftest import PATIENT_FAMILY_NAME, PATIENT_GIVEN_NAME, set_prefs

pytestmark = pytest.mark.django_db

ENDPOINT = "https://fcm.googleapis.com/fcm/send/abc123:def456"
MESSAGE_TEXT = "Tension de Jeanne à surveiller"


def b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


class Browser:
    """The browser's side of a subscription: its key pair and auth secret."""

    def __init__(self, endpoint=ENDPOINT):
        self.key = ec.generate_private_key(ec.SECP256R1())
        self.auth = os.urandom(16)
        self.endpoint = endpoint

    def subscription(self) -> dict:
        point = self.key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
        return {"endpoint": self.endpoint, "keys": {"p256dh": b64(point), "auth": b64(self.auth)}}

    def decrypt(self, data: bytes) -> dict:
        return json.loads(
            http_ece.decrypt(data, private_key=self.key, auth_secret=self.auth, version="aes128gcm")
        )


class FakeResponse:
    def __init__(self, status):
        self.status_code, self.reason, self.text, self.headers = status, "", "", {}


@pytest.fixture
def vapid(settings):
    private, public = push.new_key_pair()
    settings.VAPID_PRIVATE_KEY, settings.VAPID_PUBLIC_KEY = private, public
    settings.VAPID_SUBJECT = "mailto:contact@cpts.example.fr"
    settings.VAPID_DEV_KEYS = False
    return public


@pytest.fixture
def posts(monkeypatch):
    """Every POST to a push service: (url, data, headers); answers with ``posts.status`` (201)."""

    class Sent(list):
        fake = None

    sent = Sent()

    def fake_post(url, data=None, headers=None, timeout=None, **kwargs):
        sent.append((url, data, {k.lower(): v for k, v in (headers or {}).items()}))
        return FakeResponse(fake_post.status)

    fake_post.status = 201
    monkeypatch.setattr(requests, "post", fake_post)
    sent.fake = fake_post
    return sent


def subscribe(client, body, **extra):
    return client.post(
        reverse("notifications:push_subscribe"),
        json.dumps(body) if not isinstance(body, str) else body,
        content_type="application/json",
        **extra,
    )


# --- Subscribing -------------------------------------------------------------------------------------------


def test_a_browser_subscribes_and_the_row_keeps_its_keys(client, cast, vapid):
    login(client, cast.member)
    browser = Browser()

    response = subscribe(
        client, browser.subscription(), HTTP_USER_AGENT="Mozilla/5.0 (Android 14) Chrome/131"
    )

    assert (
        response.status_code == 201
        and response.json()["detail"] == "Notifications activées sur cet appareil."
    )
    row = PushSubscription.objects.get()
    assert (row.user, row.endpoint, row.label) == (cast.member, ENDPOINT, "Chrome sur Android")
    assert row.auth == browser.subscription()["keys"]["auth"]


def _with(**changes):
    body = Browser().subscription()
    for key, value in changes.items():
        if key in ("p256dh", "auth"):
            body["keys"][key] = value
        elif value is None:
            body.pop(key, None)
        else:
            body[key] = value
    return body


@pytest.mark.parametrize(
    "body, message",
    [
        ("pas du json", BAD_BODY),
        ("[1, 2]", BAD_BODY),
        (_with(endpoint=None), push.ENDPOINT_MESSAGE),
        (_with(endpoint="http://fcm.googleapis.com/fcm/send/x"), push.ENDPOINT_MESSAGE),
        (_with(endpoint="https://127.0.0.1/fcm/send/x"), push.ENDPOINT_MESSAGE),
        (_with(endpoint="https://intranet.local/push/x"), push.ENDPOINT_MESSAGE),
        (_with(endpoint="https://fcm.googleapis.com.evil.example/x"), push.ENDPOINT_MESSAGE),
        (_with(endpoint="https://user:pw@fcm.googleapis.com/x"), push.ENDPOINT_MESSAGE),
        (_with(endpoint="https://fcm.googleapis.com:8443/x"), push.ENDPOINT_MESSAGE),
        (_with(endpoint="https://fcm.googleapis.com/" + "x" * 1000), push.ENDPOINT_MESSAGE),
        (_with(endpoint=["https://fcm.googleapis.com/x"]), push.ENDPOINT_MESSAGE),
        (_with(p256dh="pas une clé!"), push.P256DH_MESSAGE),
        (_with(p256dh=b64(os.urandom(32))), push.P256DH_MESSAGE),
        (_with(p256dh=None), push.P256DH_MESSAGE),
        (_with(auth=b64(os.urandom(8))), push.AUTH_MESSAGE),
        (_with(auth=12), push.AUTH_MESSAGE),
    ],
)
def test_a_malformed_subscription_is_refused_in_french_and_nothing_is_stored(
    client, cast, vapid, body, message
):
    login(client, cast.member)

    response = subscribe(client, body)

    assert response.status_code == 400
    assert response.json()["detail"] == message
    assert not PushSubscription.objects.exists()


def test_subscribing_needs_a_login_and_the_csrf_token(cast, vapid):
    anonymous = Client()
    assert subscribe(anonymous, Browser().subscription()).status_code == 302
    logged = Client()
    login(logged, cast.member)
    strict = Client(enforce_csrf_checks=True)
    strict.cookies = logged.cookies
    assert subscribe(strict, Browser().subscription()).status_code == 403
    assert not PushSubscription.objects.exists()


def test_unsubscribing_removes_only_ones_own_browser(client, cast, vapid):
    push.subscribe(cast.bureau, ENDPOINT, **Browser().subscription()["keys"])
    login(client, cast.member)

    response = client.post(
        reverse("notifications:push_unsubscribe"), {"endpoint": ENDPOINT}, content_type="application/json"
    )

    assert response.status_code == 200 and PushSubscription.objects.filter(user=cast.bureau).exists()
    login(client, cast.bureau)
    client.post(
        reverse("notifications:push_unsubscribe"), {"endpoint": ENDPOINT}, content_type="application/json"
    )
    assert not PushSubscription.objects.exists()


# --- Sending ------------------------------------------------------------------------------------------------


def _post_message(circle, capture):
    with capture(execute=True):
        coordination.post_message(circle.group, circle.cast.member, MESSAGE_TEXT, subject="Suivi tension")


def test_a_new_message_is_pushed_encrypted_signed_and_neutral(
    circle, vapid, posts, django_capture_on_commit_callbacks
):
    browser = Browser()
    push.subscribe(circle.cast.bureau, ENDPOINT, **browser.subscription()["keys"])
    set_prefs(circle.cast.bureau)

    _post_message(circle, django_capture_on_commit_callbacks)

    ((url, data, headers),) = posts
    notification = Notification.objects.get(user=circle.cast.bureau)
    assert url == ENDPOINT
    assert headers["content-encoding"] == "aes128gcm" and int(headers["ttl"]) == push.TTL_SECONDS
    assert headers["authorization"].startswith("vapid t=") and f"k={vapid}" in headers["authorization"]
    assert b"concertation" not in data and PATIENT_FAMILY_NAME.encode() not in data  # encrypted
    shown = browser.decrypt(data)
    assert shown == {
        "title": "OpenCPTS",
        "body": notification.email_text,
        "url": reverse("notifications:open", args=[notification.pk]),
        "tag": f"opencpts-message-{notification.topic}",
    }
    text = json.dumps(shown, ensure_ascii=False)
    for secret in (PATIENT_FAMILY_NAME, PATIENT_GIVEN_NAME, MESSAGE_TEXT, "Suivi tension", "Jeanne"):
        assert secret not in text
    assert PushSubscription.objects.get().last_success_at is not None


def test_nothing_is_pushed_for_a_category_off_nor_in_quiet_hours(
    circle, vapid, posts, django_capture_on_commit_callbacks
):
    push.subscribe(circle.cast.bureau, ENDPOINT, **Browser().subscription()["keys"])
    set_prefs(circle.cast.bureau, messages="off")
    _post_message(circle, django_capture_on_commit_callbacks)
    assert posts == []
    Notification.objects.all().delete()
    set_prefs(circle.cast.bureau, quiet_start=dt.time(0, 0), quiet_end=dt.time(23, 59, 59))  # always quiet
    _post_message(circle, django_capture_on_commit_callbacks)
    assert posts == []


@pytest.mark.parametrize("status, kept", [(410, False), (404, False), (500, True)])
def test_a_subscription_the_push_service_says_is_gone_is_deleted(
    circle, vapid, posts, django_capture_on_commit_callbacks, status, kept
):
    push.subscribe(circle.cast.bureau, ENDPOINT, **Browser().subscription()["keys"])
    set_prefs(circle.cast.bureau)
    posts.fake.status = status

    _post_message(circle, django_capture_on_commit_callbacks)  # the action never fails

    assert len(posts) == 1
    assert PushSubscription.objects.exists() is kept
    assert Notification.objects.filter(user=circle.cast.bureau).exists()


def test_without_keys_the_channel_is_off_and_the_page_says_so(
    client, circle, settings, posts, django_capture_on_commit_callbacks
):
    settings.VAPID_PRIVATE_KEY = settings.VAPID_PUBLIC_KEY = ""
    settings.VAPID_DEV_KEYS = False
    PushSubscription.objects.create(
        user=circle.cast.bureau, endpoint=ENDPOINT, p256dh="x", auth="y", created_at="2026-01-01T00:00Z"
    )
    login(client, circle.cast.bureau)

    page = client.get(reverse("notifications:preferences")).content.decode()
    response = subscribe(client, Browser("https://fcm.googleapis.com/fcm/send/other").subscription())
    _post_message(circle, django_capture_on_commit_callbacks)

    assert "ne sont pas activées sur cette plateforme" in page and 'id="push-toggle"' not in page
    assert response.status_code == 400 and PushSubscription.objects.count() == 1
    assert posts == []


def test_the_preferences_page_offers_the_toggle_with_the_public_key(client, cast, vapid):
    login(client, cast.member)

    page = client.get(reverse("notifications:preferences")).content.decode()

    assert 'id="push-toggle"' in page and f'data-public-key="{vapid}"' in page
    assert "Activer sur cet appareil" in page and "Activées sur aucun appareil." in page


def test_development_generates_a_key_pair_once_in_var(settings, tmp_path):
    settings.VAPID_PRIVATE_KEY = settings.VAPID_PUBLIC_KEY = ""
    settings.VAPID_DEV_KEYS, settings.VAR_DIR = True, tmp_path

    first, second = push.keys(), push.keys()

    assert first == second and (tmp_path / "vapid_keys").stat().st_mode & 0o777 == 0o600
    assert len(base64.urlsafe_b64decode(first.public + "==")) == 65


# --- Manifest and service worker ----------------------------------------------------------------------------


def test_the_manifest_lets_the_platform_be_added_to_the_home_screen(client, db):
    response = client.get("/manifest.webmanifest")

    assert response.status_code == 200 and response["Content-Type"] == "application/manifest+json"
    data = response.json()
    assert (data["name"], data["start_url"], data["display"], data["theme_color"]) == (
        "OpenCPTS",
        "/",
        "standalone",
        "#0b4f8a",
    )
    sizes = {icon["sizes"] for icon in data["icons"]}
    assert {"192x192", "512x512", "any"} <= sizes
    for icon in data["icons"]:
        assert client.get(icon["src"]).status_code == 200


def test_the_service_worker_is_served_at_the_root_and_caches_nothing(client, db):
    response = client.get("/sw.js")

    body = response.content.decode()
    assert response.status_code == 200 and response["Content-Type"].startswith("application/javascript")
    assert response["Service-Worker-Allowed"] == "/"
    assert 'addEventListener("push"' in body and 'addEventListener("notificationclick"' in body
    assert '"fetch"' not in body and "caches." not in body


def test_every_page_links_the_manifest_and_the_push_script(client, cast):
    login(client, cast.member)
    page = client.get(reverse("notifications:preferences")).content.decode()
    assert 'rel="manifest" href="/manifest.webmanifest"' in page
    assert '<meta name="theme-color" content="#0b4f8a">' in page and "js/push.js" in page


def test_the_manifest_is_reachable_before_the_second_factor(client, cast):
    client.post(reverse("accounts:login"), {"email": cast.member.email, "password": "Cast-Password-2026!"})
    assert client.get("/manifest.webmanifest").status_code == 200
    assert client.get("/sw.js").status_code == 200
