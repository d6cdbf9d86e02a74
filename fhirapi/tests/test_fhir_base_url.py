"""``meta.source`` and our identifier systems name the address the server was reached at (a live server on a
random port, not 127.0.0.1:8000), or ``SITE_URL`` when it is set."""

import json
import re
import urllib.request

import pytest
from django.test import override_settings

from accounts.models import APIToken

pytestmark = pytest.mark.django_db(transaction=True)


def fetch(url: str, token: str) -> dict:
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"})  # noqa: S310 - live server
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 - our live server
        return json.load(response)


def sources_and_systems(body: dict) -> tuple[set[str], set[str]]:
    text = json.dumps(body)
    return set(re.findall(r'"source": "([^"]+)"', text)), set(
        re.findall(r'"system": "([^"]*/fhir/sid/[^"]*)"', text)
    )


def test_fhir_answers_name_the_address_the_server_runs_at(live_server, communes_loaded, cast):
    _, token = APIToken.issue(cast.coordinator)
    base = live_server.url
    assert not base.endswith(":8000")
    for path in ("/fhir/HealthcareService", f"/fhir/Organization/cpts-{cast.cpts.pk}"):
        body = fetch(base + path, token)
        sources, systems = sources_and_systems(body)
        assert sources == {base} and systems, (path, sources, systems)
        assert all(s.startswith(f"{base}/fhir/sid/") for s in systems), systems
        assert "127.0.0.1:8000" not in json.dumps(body)


def test_site_url_when_set_wins(client, cast):
    _, token = APIToken.issue(cast.coordinator)
    with override_settings(SITE_URL="https://cpts.example.org"):
        body = client.get("/fhir/HealthcareService", HTTP_AUTHORIZATION=f"Bearer {token}").json()
    sources, systems = sources_and_systems(body)
    assert sources == {"https://cpts.example.org"}
    assert systems and all(s.startswith("https://cpts.example.org/fhir/sid/") for s in systems)
