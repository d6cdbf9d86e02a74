"""Client addresses behind reverse proxies (opencpts/clientip.py): the address the trusted proxy appended to
X-Forwarded-For counts, never the values a client writes to its left. Checked through the real pages that
use it (login throttle, public médecin-traitant form, audit trail) with spoofed headers."""

import pytest
from django.conf import settings as django_settings
from django.test import RequestFactory
from django.urls import reverse

from accounts.tests.helpers import post_password, text_of
from audit.models import AuditEntry
from gpmatching import spam
from gpmatching.models import Request
from gpmatching.tests.test_pages import public_data
from opencpts.clientip import client_ip, from_trusted_proxy

PROXY = "10.0.0.2"  # the reverse proxy, as the application sees it (REMOTE_ADDR)
CLIENT = "203.0.113.50"  # the address the proxy appended: the real client


@pytest.fixture
def behind_proxy(settings):
    """What BEHIND_PROXY=1 sets (opencpts/settings.py)."""
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    settings.TRUSTED_PROXY_HOPS = 1
    settings.TRUSTED_PROXIES = []
    return settings


def spoofed(i: int, client: str = CLIENT) -> dict:
    """A client that writes a new address of its own at each request; the proxy appends the real one."""
    return {"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_FOR": f"198.51.100.{i}, {client}"}


def test_login_ip_lockout_holds_when_the_client_rotates_a_spoofed_forwarded_address(
    client, cast, behind_proxy
):
    for i in range(django_settings.LOGIN_MAX_FAILURES_PER_IP):
        response = post_password(client, f"inconnu{i}@cast.test", "Mauvais-mot-de-passe-1", **spoofed(i))
        assert response.status_code == 200

    response = post_password(client, cast.bureau.email, **spoofed(99))

    assert response.status_code == 429
    assert "Trop de tentatives de connexion échouées depuis votre adresse." in text_of(response)
    assert "_auth_user_id" not in client.session
    # Another real client behind the same proxy is not affected.
    assert post_password(client, cast.bureau.email, **spoofed(1, client="203.0.113.51")).status_code == 302


def test_public_form_limit_holds_when_the_client_rotates_a_spoofed_forwarded_address(
    client, cast, behind_proxy
):
    form = reverse("gpmatching:public_form", args=[cast.cpts.slug])
    for k in range(spam.PER_IP_PER_HOUR):
        assert client.post(form, public_data(first_name=f"Paul{k}"), **spoofed(k)).status_code == 302
    response = client.post(form, public_data(first_name="Sixième"), **spoofed(77))
    assert response.status_code == 200
    assert "Trop de demandes envoyées depuis votre connexion" in response.content.decode()
    assert Request.objects.count() == spam.PER_IP_PER_HOUR


def test_the_audit_trail_records_the_address_the_proxy_appended(client, cast, behind_proxy):
    post_password(client, cast.member.email, "Mauvais-mot-de-passe-1", **spoofed(5))
    entry = AuditEntry.objects.filter(action="login.failure", object_label=cast.member.email).get()
    assert entry.ip == CLIENT


def _ip(meta: dict) -> str | None:
    return client_ip(RequestFactory().get("/", **meta))


@pytest.mark.parametrize(
    "hops, proxies, meta, expected",
    [
        # Not behind a proxy: the header is the client's own words.
        (0, [], {"REMOTE_ADDR": "192.0.2.1", "HTTP_X_FORWARDED_FOR": "198.51.100.9"}, "192.0.2.1"),
        # One proxy: the rightmost value; several header lines arrive joined with commas.
        (1, [], {"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_FOR": "1.1.1.1,8.8.8.8, 203.0.113.50"}, CLIENT),
        (1, [], {"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_FOR": " 203.0.113.50 "}, CLIENT),
        # Two proxies (a CDN then nginx): the second value from the right.
        (2, [], {"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_FOR": "6.6.6.6, 203.0.113.50, 172.16.0.9"}, CLIENT),
        # Fewer values than hops, no header, empty values, invalid values: the peer, never a client's choice.
        (2, [], {"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_FOR": "203.0.113.50"}, PROXY),
        (1, [], {"REMOTE_ADDR": PROXY}, PROXY),
        (1, [], {"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_FOR": " , ,"}, PROXY),
        (1, [], {"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_FOR": "203.0.113.50, unknown"}, PROXY),
        (1, [], {"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_FOR": "203.0.113.50, 999.1.1.1"}, PROXY),
        (1, [], {"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_FOR": "203.0.113.50, fe80::1%eth0"}, PROXY),
        (1, [], {"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_FOR": "x" * 5000}, PROXY),
        # Forms some proxies write: with a port, IPv6 in brackets, IPv4-mapped IPv6.
        (1, [], {"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_FOR": "203.0.113.50:52100"}, CLIENT),
        (1, [], {"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_FOR": "[2001:db8::7]:443"}, "2001:db8::7"),
        (1, [], {"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_FOR": "2001:DB8::7"}, "2001:db8::7"),
        (1, [], {"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_FOR": "::ffff:203.0.113.50"}, CLIENT),
        # With TRUSTED_PROXIES: read only from a listed peer; a direct client's header is ignored.
        (1, ["10.0.0.0/24"], {"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_FOR": "203.0.113.50"}, CLIENT),
        (
            1,
            ["10.0.0.0/24"],
            {"REMOTE_ADDR": "192.0.2.66", "HTTP_X_FORWARDED_FOR": "198.51.100.1"},
            "192.0.2.66",
        ),
        (
            1,
            ["::ffff:10.0.0.2"],
            {"REMOTE_ADDR": "::ffff:10.0.0.2", "HTTP_X_FORWARDED_FOR": "203.0.113.50"},
            CLIENT,
        ),
        (1, ["10.0.0.2"], {"REMOTE_ADDR": "::ffff:10.0.0.2", "HTTP_X_FORWARDED_FOR": "203.0.113.50"}, CLIENT),
        (
            1,
            ["not-a-network", "10.0.0.2/32"],
            {"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_FOR": "203.0.113.50"},
            CLIENT,
        ),
    ],
)
def test_which_address_is_the_client(settings, hops, proxies, meta, expected):
    settings.TRUSTED_PROXY_HOPS = hops
    settings.TRUSTED_PROXIES = proxies
    assert _ip(meta) == expected


def test_trusted_proxy_needs_a_listed_peer(settings):
    factory = RequestFactory()
    settings.TRUSTED_PROXIES = []
    assert not from_trusted_proxy(factory.get("/", REMOTE_ADDR=PROXY))
    settings.TRUSTED_PROXIES = ["10.0.0.0/8", "2001:db8::/32"]
    assert from_trusted_proxy(factory.get("/", REMOTE_ADDR=PROXY))
    assert from_trusted_proxy(factory.get("/", REMOTE_ADDR="2001:db8::1"))
    assert not from_trusted_proxy(factory.get("/", REMOTE_ADDR="192.0.2.1", HTTP_X_FORWARDED_FOR=PROXY))
    assert not from_trusted_proxy(factory.get("/", REMOTE_ADDR=""))
