"""Shared by the FHIR tests of every app: a test client carrying a user's API token, and a GET that checks the
status and the FHIR media type before returning the JSON body."""

from accounts.models import APIToken


def with_token(client, user):
    _, raw = APIToken.issue(user)
    client.defaults["HTTP_AUTHORIZATION"] = f"Bearer {raw}"
    return client


def get(client, url, status=200):
    response = client.get(url)
    assert response.status_code == status, response.content[:500]
    assert response["Content-Type"].startswith("application/fhir+json")
    return response.json()
