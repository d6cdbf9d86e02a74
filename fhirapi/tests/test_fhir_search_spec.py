"""The search-parameter spec is the one source (fhirapi/search/spec.py): what the CapabilityStatement lists
is what each search accepts, every declared parameter filters (none accepted and silently ignored but
``near``, which the view handles), a parameter is declared once, and anything else is refused."""

import pytest

from fhirapi.search.spec import SPECIAL, TOKEN, SearchParam, searchable
from fhirapi.tests.helpers import get, with_token
from fhirapi.tests.test_fhir_careteam import circle  # noqa: F401 - the fixture
from fhirapi.trace import PATIENT_DATA
from fhirapi.views import RESOURCES

pytestmark = pytest.mark.django_db

HANDLED_BY_THE_VIEW = {("Location", "near")}


def test_every_declared_parameter_filters_the_search():
    for name, spec in RESOURCES.items():
        for param in spec["params"].values():
            if (name, param.name) in HANDLED_BY_THE_VIEW:
                assert param.type == SPECIAL
                continue
            assert param.apply is not None, f"{name}?{param.name} is accepted but filters nothing"


def test_patient_data_is_scoped_by_the_user_rights():
    """A type of patient data not marked ``tenant`` would be searched with no user, so return nothing: the
    marking and the audit list must agree."""
    assert {name for name, spec in RESOURCES.items() if spec["tenant"]} == PATIENT_DATA


def test_a_parameter_is_declared_once():
    with pytest.raises(ValueError, match="declared twice"):
        searchable(base=None, map=None, params=(SearchParam("a", TOKEN), SearchParam("a", TOKEN)))


def test_the_capability_statement_lists_what_each_search_accepts(client, circle):  # noqa: F811
    fhir = with_token(client, circle["cast"].member)
    resources = {r["type"]: r for r in get(fhir, "/fhir/metadata")["rest"][0]["resource"]}
    assert list(resources) == list(RESOURCES)
    for name, resource in resources.items():
        listed = [p["name"] for p in resource["searchParam"]]
        assert listed == [*RESOURCES[name]["params"], "_id", "_count", "_offset"]
        for param in listed:  # accepted: never "not supported" (a malformed value may be a 400 "invalid")
            response = fhir.get(f"/fhir/{name}", {param: "1"})
            assert response.status_code == 200 or response.json()["issue"][0]["code"] != "not-supported"
        refused = get(fhir, f"/fhir/{name}?not-a-parameter=1", status=400)
        assert refused["issue"][0]["code"] == "not-supported"
