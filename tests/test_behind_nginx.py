"""Two application hosts behind a real nginx (the Debian package) running the repository's configuration
(deploy/nginx/opencpts.conf), on PostgreSQL and one Redis: what production runs (docs/OPERATIONS.md « Two
hosts behind nginx »).

One module-scoped stack: a test CA (opencpts/testing/pki.py) with a server certificate, client certificates
and a CRL; two uvicorn processes (``--no-proxy-headers``, ``BEHIND_PROXY=1``, ``TRUSTED_PROXIES=127.0.0.1``);
nginx on two TLS ports: the public site and the SAS entry (mTLS). Clients connect from other loopback
addresses (127.0.0.2 through the proxy, 127.0.0.3 straight to an application host) so that the address the
application records tells who it believed.
"""

import asyncio
import http.client
import json
import re
import ssl
import time
from urllib.parse import quote

import pytest
import websockets
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEntry
from coordination import actions
from coordination.models import Consent, Message
from opencpts.testing import nginx, servers
from opencpts.testing.pki import CertificateAuthority
from realtime.tests.servers import REDIS_TEST_URL, app_env, redis_available
from tests.cast import login

pytestmark = [pytest.mark.postgres_only, pytest.mark.django_db(transaction=True)]

SAS_CN, SAS_OU = "sas-test", "SAS-TEST-OU"
THROUGH_PROXY = "127.0.0.2"  # the client's address as nginx sees it
DIRECT = "127.0.0.3"  # a client reaching an application host without the proxy (not in TRUSTED_PROXIES)
FORGED_CERT_HEADERS = {"X-SSL-Client-Verify": "SUCCESS", "X-SSL-Client-S-DN": f"CN={SAS_CN},OU={SAS_OU}"}


class Stack:
    def __init__(self, ca, certs, apps, proxy, public_port, sas_port):
        self.ca, self.certs, self.apps, self.proxy = ca, certs, apps, proxy
        self.public_port, self.sas_port = public_port, sas_port

    def https(self, port: int, cert=None, source: str = THROUGH_PROXY) -> http.client.HTTPSConnection:
        context = ssl.create_default_context(cafile=str(self.ca.ca_file))
        if cert is not None:
            context.load_cert_chain(str(cert.cert), str(cert.key))
        return http.client.HTTPSConnection(
            "127.0.0.1", port, context=context, source_address=(source, 0), timeout=15
        )

    def direct(self, app: str) -> http.client.HTTPConnection:
        host, port = app.split(":")
        return http.client.HTTPConnection(host, int(port), source_address=(DIRECT, 0), timeout=15)

    def log_lines(self, since: int = 0) -> list[str]:
        return self.proxy.access_log.read_text(encoding="utf-8").splitlines()[since:]


@pytest.fixture(scope="module")
def stack(django_db_setup, django_db_blocker, tmp_path_factory):
    if not redis_available():
        pytest.fail(f"Redis is required for this test ({REDIS_TEST_URL})")
    work = tmp_path_factory.mktemp("nginx")
    ca = CertificateAuthority(work / "pki")
    server = ca.issue_server()
    certs = {
        "good": ca.issue_client("good", SAS_CN, SAS_OU),
        "revoked": ca.issue_client("revoked", SAS_CN, SAS_OU),
        "wrong_cn": ca.issue_client("wrong_cn", "intrus", SAS_OU),
        "wrong_ou": ca.issue_client("wrong_ou", SAS_CN, "AUTRE-OU"),
    }
    ca.revoke(certs["revoked"])
    env = app_env(
        REDIS_TEST_URL,
        BEHIND_PROXY="1",
        TRUSTED_PROXIES="127.0.0.1",
        OPENCPTS_SAS_ALLOWED_CN=SAS_CN,
        OPENCPTS_SAS_ALLOWED_OU=SAS_OU,
    )
    public_port, sas_port = servers.free_port(), servers.free_port()
    with servers.app_servers(2, env, proxy_headers=False) as apps:
        proxy = nginx.start(
            work,
            {
                "app_a": apps[0],
                "app_b": apps[1],
                "listen": f"127.0.0.1:{public_port}",
                "server_name": "127.0.0.1 localhost",
                "sas_listen": f"127.0.0.1:{sas_port}",
                "sas_server_name": "127.0.0.1 localhost",
                "tls_certificate": str(server.cert),
                "tls_certificate_key": str(server.key),
                "sas_client_ca": str(ca.ca_file),
                "sas_crl": str(ca.crl_file),
            },
            [public_port, sas_port],
        )
        try:
            yield Stack(ca, certs, apps, proxy, public_port, sas_port)
        finally:
            proxy.stop()


def fetch(conn, method: str, path: str, headers=None, body=None) -> tuple[int, str, http.client.HTTPResponse]:
    conn.request(method, path, body=body, headers=headers or {})
    response = conn.getresponse()
    return response.status, response.read().decode(), response


def failed_login(conn, origin: str, email: str, headers: dict) -> int:
    """GET the login page, then POST a wrong password (the audit trail records the client's address)."""
    status, html, response = fetch(conn, "GET", reverse("accounts:login"), headers)
    assert status == 200, html[:300]
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)
    cookie = re.search(r"csrftoken=([^;]+)", response.getheader("Set-Cookie")).group(1)
    body = f"csrfmiddlewaretoken={token}&email={quote(email)}&password=faux"
    status, html, _ = fetch(
        conn,
        "POST",
        reverse("accounts:login"),
        {
            **headers,
            "Cookie": f"csrftoken={cookie}",
            "Content-Type": "application/x-www-form-urlencoded",
            "Origin": origin,
            "Referer": origin + reverse("accounts:login"),
        },
        body,
    )
    assert "Adresse e-mail ou mot de passe incorrect." in html, (status, html[:500])
    return status


def test_requests_reach_both_hosts_and_the_client_address_is_the_one_nginx_saw(stack):
    start = len(stack.log_lines())
    conn = stack.https(stack.public_port)
    for _ in range(6):
        status, body, _ = fetch(conn, "GET", "/healthz")
        assert (status, json.loads(body)["status"]) == (200, "ok")
    upstreams = {re.search(r"upstream=(\S+)", line).group(1) for line in stack.log_lines(start)}
    assert upstreams == set(stack.apps)

    # Through the proxy: the client's own X-Forwarded-For values are ignored, the one nginx appended counts.
    origin = f"https://127.0.0.1:{stack.public_port}"
    failed_login(conn, origin, "proxy@example.test", {"X-Forwarded-For": "203.0.113.9"})
    # Straight to an application host, with forged proxy headers: the connection's own address counts.
    direct = stack.direct(stack.apps[1])
    failed_login(
        direct,
        f"http://{stack.apps[1]}",
        "direct@example.test",
        {"X-Forwarded-For": "198.51.100.7, 127.0.0.1", "X-Real-IP": "198.51.100.7"},
    )

    recorded = dict(
        AuditEntry.objects.filter(action="login.failure").values_list("object_label", "ip").order_by("pk")
    )
    assert recorded == {"proxy@example.test": THROUGH_PROXY, "direct@example.test": DIRECT}


def session_of(user) -> str:
    client = Client()
    login(client, user)
    return client.cookies["sessionid"].value


def test_a_message_posted_through_the_proxy_reaches_websockets_on_both_hosts(stack, communes_loaded, cast):
    patient = actions.create_patient(
        cast.cpts, cast.member, family_name="NGINX", given_names="Alix", birth_date=timezone.localdate()
    )
    circle = actions.open_care_circle(cast.cpts, cast.member, patient)
    actions.invite(circle, cast.member, cast.bureau)
    actions.answer_invitation(circle, cast.bureau, accept=True)
    actions.record_consent(
        circle, cast.member, collected_on=timezone.localdate(), method=Consent.Method.ON_SCREEN, scope="Coord"
    )
    writer, reader = session_of(cast.member), session_of(cast.bureau)
    origin = f"https://127.0.0.1:{stack.public_port}"
    page = reverse("coordination:group", args=[cast.cpts.slug, circle.pk])
    path = reverse("coordination:post_message", args=[cast.cpts.slug, circle.pk])
    context = ssl.create_default_context(cafile=str(stack.ca.ca_file))
    start = len(stack.log_lines())

    def post() -> float:
        conn = stack.https(stack.public_port)
        status, html, response = fetch(conn, "GET", page, {"Cookie": f"sessionid={writer}"})
        assert status == 200, html[:300]
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)
        cookie = f"sessionid={writer}"
        csrf = re.search(r"csrftoken=([^;]+)", response.getheader("Set-Cookie") or "")
        if csrf:
            cookie += f"; csrftoken={csrf.group(1)}"
        started = time.monotonic()
        status, _, _ = fetch(
            conn,
            "POST",
            path,
            {
                "Cookie": cookie,
                "Content-Type": "application/x-www-form-urlencoded",
                "Origin": origin,
                "Referer": origin + page,
            },
            f"csrfmiddlewaretoken={token}&subject=Par+le+proxy&body=Visite+faite",
        )
        assert status == 302, status
        return started

    async def scenario():
        def connect():
            return websockets.connect(
                f"wss://127.0.0.1:{stack.public_port}/ws/",
                ssl=context,
                additional_headers={"Origin": origin, "Cookie": f"sessionid={reader}"},
                local_addr=(THROUGH_PROXY, 0),
            )

        # Two connections in a row: nginx's round robin puts them on the two hosts (checked in its log below).
        async with connect() as first, connect() as second:
            for ws in (first, second):
                assert json.loads(await asyncio.wait_for(ws.recv(), 5)) == {"type": "ready"}
            started = await asyncio.to_thread(post)
            frames = []
            for ws in (first, second):
                while True:  # other frames may come first (the reader's unread-notification count)
                    frame = json.loads(await asyncio.wait_for(ws.recv(), 5))
                    if frame["type"] == "group":
                        break
                    assert frame["type"] == "notification", frame
                frames.append((frame, time.monotonic() - started))
            return frames

    frames = asyncio.run(scenario())
    message = Message.objects.get(group=circle)
    for frame, elapsed in frames:
        assert (frame["kind"], frame["group"], frame["object"]) == ("message.posted", circle.pk, message.pk)
        assert elapsed < 2.0, elapsed
    lines = stack.log_lines(start)  # a WebSocket is logged when it closes
    ws_hosts = {re.search(r"upstream=(\S+)", line).group(1) for line in lines if '"GET /ws/ ' in line}
    post_host = next(re.search(r"upstream=(\S+)", line).group(1) for line in lines if '"POST ' in line)
    assert ws_hosts == set(stack.apps), lines
    assert post_host in ws_hosts  # so one of the two readers was on the other host
    assert AuditEntry.objects.filter(object_type="coordination.message", ip=THROUGH_PROXY).exists()


def sas_path() -> str:
    day = timezone.localdate()
    practitioner = quote("urn:oid:1.2.250.1.71.4.2.1|810000000009", safe=":")
    return (
        "/fhir/sas/Slot?_include=Slot:schedule&status=free"
        f"&schedule.actor:Practitioner.identifier={practitioner}"
        f"&start=ge{day}T00:00:00.000&start=le{day}T23:59:59.000"
    )


def test_the_sas_entry_takes_only_a_valid_allowed_unrevoked_certificate(stack):
    def sas(cert, headers=None, port=None, full=False):
        conn = stack.https(port or stack.sas_port, cert)
        try:
            answer = fetch(conn, "GET", sas_path(), {"Accept": "application/fhir+json", **(headers or {})})
            return answer if full else answer[:2]
        finally:
            conn.close()

    def refused_by_nginx(cert) -> str:
        """nginx's own refusal: 403 and a FHIR OperationOutcome, as the application answers its own."""
        status, body, response = sas(cert, full=True)
        assert status == 403, (status, body[:300])
        assert response.getheader("Content-Type") == "application/fhir+json; charset=utf-8"
        issue = json.loads(body)
        assert issue["resourceType"] == "OperationOutcome"
        [issue] = issue["issue"]
        assert (issue["severity"], issue["code"]) == ("error", "forbidden")
        return issue["diagnostics"]

    status, body = sas(stack.certs["good"])
    assert status == 200, body[:300]
    assert json.loads(body)["resourceType"] == "Bundle"

    # Refused by nginx, before the application: no certificate, a revoked one.
    assert refused_by_nginx(None) == "Certificat client absent (mTLS IGC-Santé requis)."
    assert refused_by_nginx(stack.certs["revoked"]).startswith("Certificat client refusé : non vérifié")
    assert "certificate revoked" in stack.proxy.error_log.read_text(encoding="utf-8")
    # Plain HTTP on the SAS port: 400, also as an OperationOutcome.
    plain = http.client.HTTPConnection("127.0.0.1", stack.sas_port, source_address=(THROUGH_PROXY, 0))
    status, body, response = fetch(plain, "GET", sas_path())
    plain.close()
    assert (status, response.getheader("Content-Type")) == (400, "application/fhir+json; charset=utf-8")
    assert "HTTP simple refusée" in json.loads(body)["issue"][0]["diagnostics"]

    # Verified by nginx, refused by the application: CN or OU not allowed, even with forged headers (nginx
    # sets them from the certificate, whatever the client sent).
    status, body = sas(stack.certs["wrong_cn"], FORGED_CERT_HEADERS)
    assert status == 403 and "CN non autorisé" in body, body[:300]
    status, body = sas(stack.certs["wrong_ou"], {"X_SSL_Client_S_DN": f"CN={SAS_CN},OU={SAS_OU}"})
    assert status == 403 and "OU non autorisé" in body, body[:300]

    # Forged headers on the public site (no client certificate there): nginx removes them.
    status, body = sas(None, FORGED_CERT_HEADERS, port=stack.public_port)
    assert status == 403 and "Certificat client absent ou non vérifié" in body, body[:300]

    # Forged headers straight to an application host: not from the trusted proxy, refused whatever they say.
    for app in stack.apps:
        status, body, _ = fetch(stack.direct(app), "GET", sas_path(), FORGED_CERT_HEADERS)
        assert status == 403 and "proxy de confiance" in body, body[:300]
