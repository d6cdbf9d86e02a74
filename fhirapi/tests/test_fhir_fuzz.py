"""A bounded property check of the FHIR search: for each resource type, derandomized generated values of its
search parameters (numbers of any size, references, comma lists, prefixes, odd characters) never give a server
error; a refusal is a JSON OperationOutcome."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fhirapi.tests.helpers import with_token
from fhirapi.tests.test_fhir_careteam import circle  # noqa: F401 - the fixture
from fhirapi.views import COMMON, RESOURCES

pytestmark = pytest.mark.django_db

numbers = st.one_of(
    st.integers(min_value=-(2**70), max_value=2**70).map(str), st.sampled_from(["0", "²", "١٢"])
)
words = st.text(alphabet="abcXYZ019|,/-.:é ", max_size=12)
ids = st.one_of(numbers, words, st.sampled_from(["cpts-1", f"cpts-{'9' * 20}"]))
values = st.one_of(
    numbers,
    words,
    ids.map(lambda i: f"Patient/{i}"),
    ids.map(lambda i: f"Practitioner/{i}"),
    st.lists(ids, min_size=1, max_size=3).map(",".join),
    numbers.map(lambda n: f"ge{n}"),
    st.sampled_from(["ge2024-01-01", "2024-13-45", "true", "false", "active", "45.7|5.6|5|km", "|", "json"]),
)


@pytest.mark.parametrize("resource_type", sorted(RESOURCES))
def test_generated_searches_never_fail_on_the_server(client, circle, resource_type):  # noqa: F811
    fhir = with_token(client, circle["cast"].member)
    client.raise_request_exception = False
    names = sorted(set(RESOURCES[resource_type]["params"]) | (COMMON - {"_include", "_format"}))

    @settings(
        max_examples=25,
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(st.dictionaries(st.sampled_from(names), values, min_size=1, max_size=3))
    def check(params):
        response = fhir.get(f"/fhir/{resource_type}", params)
        assert response.status_code < 500, (params, response.content[:300])
        assert response["Content-Type"].startswith("application/fhir+json")
        if response.status_code >= 400:
            assert response.json()["resourceType"] == "OperationOutcome"

    check()
