"""The JSON API never answers 500 to a number too large for the database: integer path and query parameters
are bounded in their type (opencpts/intparams.py), so django-ninja refuses them with 422 and the shared error
body; the OpenAPI document names each schema once and documents the error answers."""

import pytest

from accounts.models import APIToken
from opencpts.api import api

pytestmark = pytest.mark.django_db
BIG = "9" * 20


@pytest.fixture
def coordinator(client, cast):
    _, raw = APIToken.issue(cast.coordinator)
    client.defaults["HTTP_AUTHORIZATION"] = f"Bearer {raw}"
    client.raise_request_exception = False
    return client


@pytest.mark.parametrize(
    "method,path,body",
    [
        ("get", "/news/{n}", None),
        ("post", "/news/{n}/comments", {"body": "Bonjour"}),
        ("get", "/news?page={n}", None),
        ("get", "/directory/professionals/{n}", None),
        ("get", "/directory/search?page={n}", None),
        ("post", "/membership-requests/{n}/accept", {}),
        ("post", "/membership-requests/{n}/refuse", {"reason": "Non"}),
        ("post", "/snp/slots/{n}/bookings", {}),
        ("post", "/snp/bookings/{n}/cancel", {}),
        ("get", "/aci/indicators?year={n}", None),
        ("get", "/directory/nearest?lat=45.75&lon=5.68&k={n}", None),
    ],
)
def test_huge_integers_are_refused_without_a_server_error(coordinator, cast, method, path, body):
    url = f"/api/cpts/{cast.cpts.slug}" + path.format(n=BIG)
    response = (
        getattr(coordinator, method)(url, body, content_type="application/json")
        if body is not None
        else coordinator.get(url)
    )
    assert 400 <= response.status_code < 500, (response.status_code, response.content[:300])
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["detail"]


def test_an_id_out_of_range_names_the_field_in_french(coordinator, cast):
    response = coordinator.get(f"/api/cpts/{cast.cpts.slug}/news/{BIG}")
    assert response.status_code == 422
    body = response.json()
    assert body["detail"] == "Requête invalide."
    assert body["erreurs"][0]["champ"] == "post_id"


def test_openapi_names_each_schema_once_and_documents_errors():
    schema = api.get_openapi_schema()
    names = schema["components"]["schemas"]
    assert {
        "GridTierOut",
        "CptsTierOut",
        "DirectoryPlaceOut",
        "SlotPlaceOut",
        "SlotProfessionalOut",
        "ProfessionalOut",
        "ApiError",
        "AciError",
        "CptsError",
        "NewsError",
    } <= set(names)
    assert "Error" not in names and "TierOut" not in names and "PlaceOut" not in names
    # each model class behind a name is the one its module defines
    from aci.api import GridTierOut
    from cpts.api import CptsTierOut

    assert set(names["GridTierOut"]["properties"]) == set(GridTierOut.model_fields)
    assert set(names["CptsTierOut"]["properties"]) == set(CptsTierOut.model_fields)
    for path, operations in schema["paths"].items():
        for operation in operations.values():
            responses = operation["responses"]
            assert all(isinstance(k, str) for k in responses)
            if operation.get("parameters") or operation.get("requestBody"):
                assert "422" in responses, path
            if "{slug}" in path:
                assert {"401", "403", "404"} <= set(responses), path
