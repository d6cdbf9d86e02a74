"""The SAS interface GET /fhir/sas/Slot (flow INT_R04), checked against the ANS SAS 1.1.0 package shipped in
tests/data (its CPTS example bundle and the StructureDefinitions' required elements) and against the checks of
the ANS test kit summarised in docs: identifiers, formats, references, self link, slot types, refusals."""

import datetime as dt
import json
import re
import tarfile
from pathlib import Path
from urllib.parse import parse_qsl, quote, urlsplit

import pytest
from django.utils import timezone

from agenda.timing import PARIS
from fhirapi import sas
from unscheduled import booking, slots
from unscheduled.tests.conftest import make_world

pytestmark = pytest.mark.django_db
PACKAGE = Path(__file__).parent / "data" / "ans.fhir.fr.sas-1.1.0.tgz"
ENDPOINT = "/fhir/sas/Slot"
CERT = {
    "HTTP_X_SSL_CLIENT_VERIFY": "SUCCESS",
    "HTTP_X_SSL_CLIENT_S_DN": "CN=sas-preprod.esante.gouv.fr,OU=ANS-SAS,O=AGENCE DU NUMERIQUE EN SANTE,C=FR",
}
IDNPS = "urn:oid:1.2.250.1.71.4.2.1"
ALL_INCLUDES = (
    "_include=Slot:schedule&_include=Slot:service-type-reference&_include:iterate=Schedule:actor"
    "&_include:iterate=HealthcareService:organization&status=free"
)


def package_json(name: str) -> dict:
    with tarfile.open(PACKAGE) as tar:
        return json.load(tar.extractfile(f"package/{name}"))


@pytest.fixture(autouse=True)
def sas_settings(settings):
    settings.SAS_ALLOWED_CN = ["sas-preprod.esante.gouv.fr"]
    settings.SAS_ALLOWED_OU = ["ANS-SAS"]
    settings.SAS_UTC_LABEL_IS_LOCAL = True
    settings.TRUSTED_PROXIES = ["127.0.0.1"]  # the test client's REMOTE_ADDR stands for the reverse proxy


@pytest.fixture
def world(cast):
    w = make_world(cast)
    cast.cpts.finess = "010008407"
    cast.cpts.phone = "04 79 00 00 00"
    cast.cpts.save()
    w.gp.specialty_code = "SM54"
    w.gp.save()
    from directory.models import Structure

    w.gp_place.structure = Structure.objects.create(
        name="Cabinet médical de Belley", kind=Structure.Kind.CABINET, siret="35600000000048"
    )
    w.gp_place.save()
    tomorrow = timezone.localdate() + dt.timedelta(days=1)

    def publish(at, who=cast.member, day=tomorrow, **extra):
        pro, place = (w.gp, w.gp_place) if who == cast.member else (w.nurse, w.nurse_place)
        return slots.publish_slot(
            cast.cpts,
            who,
            pro,
            place=place,
            day=day,
            at=at,
            minutes=20,
            visibility=extra.pop("visibility", ["SNP", "CPTS"]),
            **extra,
        )

    w.slots = {
        "cpts": publish(dt.time(10), motifs="Fièvre, douleur aiguë"),
        "public": publish(dt.time(10, 20), visibility=["PUBLIC"], modality="HH"),
        "paused": publish(dt.time(10, 40)),
        "booked": publish(dt.time(11)),
        "later": publish(dt.time(10), day=tomorrow + dt.timedelta(days=5)),
        "nurse": publish(dt.time(10), who=cast.bureau),
    }
    slots.bulk_update(cast.cpts, cast.member, [w.slots["paused"].pk], paused=True)
    booking.book(
        w.slots["booked"], cast.partner, family_name="X", given_names="Y", motif="Toux", phone="0612345678"
    )
    w.tomorrow = tomorrow
    return w


def window(w, days=2) -> tuple[str, str]:
    start = dt.datetime.combine(timezone.localdate(), dt.time(0), tzinfo=PARIS)
    end = dt.datetime.combine(
        timezone.localdate() + dt.timedelta(days=days), dt.time(23, 59, 59, 999000), tzinfo=PARIS
    )
    return (start.isoformat(timespec="milliseconds"), end.isoformat(timespec="milliseconds"))


def query(w, ids=None, ge=None, le=None, extra=ALL_INCLUDES) -> str:
    ge_default, le_default = window(w)
    ids = ids or [f"{IDNPS}|{w.gp.idnat}"]
    return (
        f"{extra}&{sas.IDENTIFIER_PARAM}={quote(','.join(ids), safe='|:,')}"
        f"&start=ge{quote(ge or ge_default, safe=':')}&start=le{quote(le or le_default, safe=':')}"
    )


def get(client, qs, status=200, **headers):
    response = client.get(f"{ENDPOINT}?{qs}", **{**CERT, **headers})
    assert response.status_code == status, response.content[:600]
    assert response["Content-Type"].startswith("application/fhir+json")
    return response.json()


def by_type(body, kind):
    return [e["resource"] for e in body["entry"] if e["resource"]["resourceType"] == kind]


def test_bundle_follows_the_cpts_profiles_and_the_test_kit_checks(client, world):
    qs = query(world)
    body = get(client, qs)
    assert body["meta"]["profile"] == [sas.PROFILES["Bundle"]] and body["type"] == "searchset"
    found = by_type(body, "Slot")
    assert {s["id"] for s in found} == {str(world.slots["cpts"].pk), str(world.slots["public"].pk)}
    assert body["total"] == len(found) == 2
    # Self link: every received parameter, as received.
    (link,) = body["link"]
    assert link["relation"] == "self"
    assert sorted(parse_qsl(urlsplit(link["url"]).query)) == sorted(parse_qsl(qs))
    # One Practitioner, Schedule, PractitionerRole (with its contained Location), one HealthcareService and
    # its Organization (the CPTS); every resource declares its profile.
    counts = {kind: len(by_type(body, kind)) for kind in sas.PROFILES if kind not in ("Bundle", "Location")}
    assert counts == {
        "Slot": 2,
        "Schedule": 1,
        "Practitioner": 1,
        "PractitionerRole": 1,
        "HealthcareService": 1,
        "Organization": 1,
    }
    for entry in body["entry"]:
        resource = entry["resource"]
        assert resource["meta"]["profile"] == [sas.PROFILES[resource["resourceType"]]]
        assert entry["fullUrl"].endswith(f"/fhir/sas/{resource['resourceType']}/{resource['id']}")
        assert entry["search"]["mode"] == ("match" if resource["resourceType"] == "Slot" else "include")
    (pro,) = by_type(body, "Practitioner")
    (role,) = by_type(body, "PractitionerRole")
    (schedule,) = by_type(body, "Schedule")
    (service,) = by_type(body, "HealthcareService")
    (org,) = by_type(body, "Organization")
    assert (
        re.fullmatch(r"8\d{11}", pro["identifier"][0]["value"])
        and pro["identifier"][0]["value"] == world.gp.idnat
    )
    assert pro["identifier"][0]["type"]["coding"] == [{"system": sas.V2_0203, "code": "IDNPS"}]
    assert pro["name"] == [{"family": "MEMBRE", "given": ["Marie"]}]
    assert (
        re.fullmatch(r"1\d{9}", org["identifier"][0]["value"])
        and org["identifier"][0]["value"] == "1010008407"
    )
    assert org["name"] == "CPTS Test Bugey" and org["telecom"] == [
        {"system": "phone", "value": "+33479000000"}
    ]
    assert service["providedBy"] == {"reference": f"Organization/{org['id']}"}
    (location,) = role["contained"]
    assert location["meta"]["profile"] == [sas.PROFILES["Location"]]
    assert role["location"] == [{"reference": f"#{location['id']}"}]
    assert role["practitioner"] == {"reference": f"Practitioner/{pro['id']}"}
    assert re.fullmatch(r"\d{5}", location["address"]["postalCode"]) and len(location["address"]["line"]) == 1
    assert location["address"]["city"] == "Belley"
    assert re.fullmatch(r"\+33\d{9}", role["telecom"][0]["value"])
    assert role["organization"]["identifier"]["value"] == "335600000000048"  # SIRET, prefix 3
    assert re.fullmatch(r"1\d{9}|3\d{14}|4\d{14}", role["organization"]["identifier"]["value"])
    assert {a["reference"] for a in schedule["actor"]} == {
        f"Practitioner/{pro['id']}",
        f"PractitionerRole/{role['id']}",
    }
    instant = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}[+-]\d{2}:\d{2}")
    by_id = {s["id"]: s for s in found}
    cpts_slot, public_slot = by_id[str(world.slots["cpts"].pk)], by_id[str(world.slots["public"].pk)]
    for slot in found:
        assert (
            instant.fullmatch(slot["start"])
            and instant.fullmatch(slot["end"])
            and slot["start"] < slot["end"]
        )
        assert slot["status"] == "free" and slot["schedule"] == {"reference": f"Schedule/{schedule['id']}"}
        assert slot["appointmentType"]["coding"] == [{"system": sas.V2_0276, "code": "ROUTINE"}]
        # The booking page of this professional with the slot preselected (the SAS appends &origin=…).
        assert (
            slot["comment"]
            == f"http://testserver/c/cpts-test-bugey/snp/creneaux/{slot['id']}/reserver/?source=sas"
        )
        cpts_type = [t for t in slot["serviceType"] if t.get("coding", [{}])[0].get("code") == "604"]
        assert cpts_type[0]["coding"][0]["system"] == sas.TRE_R66
        assert cpts_type[0]["extension"] == [
            {
                "url": sas.SERVICE_TYPE_EXT,
                "valueReference": {"reference": f"HealthcareService/{service['id']}"},
            }
        ]
        assert slot["specialty"][0]["coding"] == [{"system": sas.TRE_R38, "code": "SM54"}]
    start = world.slots["cpts"].start.astimezone(PARIS)
    assert cpts_slot["start"] == start.isoformat(timespec="milliseconds")
    assert [s["code"] for s in cpts_slot["meta"]["security"]] == ["SNP", "CPTS"]
    assert [s["code"] for s in public_slot["meta"]["security"]] == ["PUBLIC"]
    assert {"text": "Fièvre, douleur aiguë"} in cpts_slot["serviceType"]
    codes = {c["code"] for s in found for t in s["serviceType"] for c in t.get("coding", [])} - {"604"}
    assert codes == {"AMB", "HH"}  # nothing else coded in serviceType (motifs are text)


def test_same_shape_as_the_guides_example_bundle(client, world):
    """Each resource has the elements of the IG's CPTS example, with the same code systems."""
    example = package_json("example/Bundle-ExampleBundleCPTS.json")
    ours = get(client, query(world))

    def shape(bundle):
        keys, systems = {}, {}
        for entry in bundle["entry"]:
            r = entry["resource"]
            keys.setdefault(r["resourceType"], set()).update(r)
            found = re.findall(r'"system": ?"([^"]+)"', json.dumps(r))
            systems.setdefault(r["resourceType"], set()).update(
                s for s in found if not s.startswith("http://testserver")
            )
        return keys, systems

    example_keys, example_systems = shape(example)
    our_keys, our_systems = shape(ours)
    assert set(our_keys) == set(example_keys)
    for kind, keys in example_keys.items():
        assert keys <= our_keys[kind], (kind, keys - our_keys[kind])
    for kind in ("Slot", "Practitioner", "Organization"):
        assert example_systems[kind] <= our_systems[kind], (kind, example_systems[kind] - our_systems[kind])
    assert set(example.keys()) - {"id"} == set(ours.keys())


def test_required_elements_and_fixed_values_of_the_profiles(client, world):
    """The required (min ≥ 1) top-level elements and fixed codes of each StructureDefinition of the
    package."""
    body = get(client, query(world))
    names = {sas.PROFILES[k]: k for k in sas.PROFILES}
    files = {
        "Slot": "sas-cpts-slot-aggregator",
        "Schedule": "FrScheduleAgregateur",
        "Practitioner": "FrPractitionerAgregateur",
        "PractitionerRole": "FrPractitionerRoleExerciceAgregateur",
        "Location": "FrLocationAgregateur",
        "HealthcareService": "sas-cpts-healthcareservice-aggregator",
        "Organization": "sas-cpts-organization-aggregator",
        "Bundle": "sas-cpts-bundle-aggregator",
    }
    resources = [body] + [e["resource"] for e in body["entry"]]
    resources += [c for r in resources for c in r.get("contained", [])]
    checked = 0
    for resource in resources:
        kind = names[resource["meta"]["profile"][0]]
        sd = package_json(f"StructureDefinition-{files[kind]}.json")
        assert sd["url"] == resource["meta"]["profile"][0]
        for element in sd["snapshot"]["element"]:
            path = element["path"].split(".")
            if (
                len(path) != 2
                or ":" in element["id"]
                or path[1] in ("id", "meta", "implicitRules", "language")
            ):
                continue
            value = resource.get(path[1].replace("[x]", ""))
            if element.get("min", 0) >= 1:
                assert value not in (None, [], ""), f"{kind}.{path[1]} is required by {files[kind]}"
                checked += 1
            if element.get("max") == "1" and isinstance(
                value, list
            ):  # an array in JSON when the base allows many
                assert element["base"]["max"] != "1" and len(value) == 1, f"{kind}.{path[1]}: one at most"
            fixed = element.get("fixedCode") or element.get("patternCode")
            if fixed and value is not None:
                assert value == fixed, (kind, path[1])
    assert checked >= 15


@pytest.mark.parametrize("form", ["offset", "no-offset", "utc-label", "plus-as-space", "date-only"])
def test_every_date_form_of_the_sas_and_its_test_kit(client, world, form):
    start = world.slots["cpts"].start.astimezone(PARIS)  # tomorrow 10:00 Paris
    lo, hi = start - dt.timedelta(minutes=5), start + dt.timedelta(minutes=5)  # just the 10:00 slot
    if form == "offset":
        ge, le = lo.isoformat(timespec="milliseconds"), hi.isoformat(timespec="milliseconds")
    elif form == "no-offset":
        ge, le = lo.strftime("%Y-%m-%dT%H:%M:%S.000"), hi.strftime("%Y-%m-%dT%H:%M:%S.000")
    elif form == "utc-label":  # Paris local time labelled +00:00, as the kit's PS option sends
        ge, le = lo.strftime("%Y-%m-%dT%H:%M:%S.000+00:00"), hi.strftime("%Y-%m-%dT%H:%M:%S.000+00:00")
    elif form == "plus-as-space":
        ge, le = lo.isoformat(timespec="milliseconds"), hi.isoformat(timespec="milliseconds")
    else:
        ge, le = start.date().isoformat(), start.date().isoformat()
    qs = query(world, ge=ge, le=le)
    if form == "plus-as-space":
        qs = qs.replace("%2B", "+")  # a literal + in a query string reaches the server as a space
    body = get(client, qs)
    ids = [s["id"] for s in by_type(body, "Slot")]
    expected = (
        [world.slots["cpts"].pk, world.slots["public"].pk]
        if form == "date-only"
        else [world.slots["cpts"].pk]
    )
    assert ids == [str(pk) for pk in expected]


def test_real_utc_when_configured(client, world, settings):
    settings.SAS_UTC_LABEL_IS_LOCAL = False
    start = world.slots["cpts"].start.astimezone(dt.UTC)
    ge = (start - dt.timedelta(minutes=1)).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    le = (start + dt.timedelta(minutes=1)).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    assert [s["id"] for s in by_type(get(client, query(world, ge=ge, le=le)), "Slot")] == [
        str(world.slots["cpts"].pk)
    ]


def test_identifiers_with_or_without_prefix_and_several_practitioners(client, world):
    ids = [f"{IDNPS}|{world.gp.national_id}", f"{IDNPS}|{world.nurse.idnat}", f"{IDNPS}|810000000999"]
    body = get(client, query(world, ids=ids))
    assert {p["identifier"][0]["value"] for p in by_type(body, "Practitioner")} == {
        world.gp.idnat,
        world.nurse.idnat,
    }
    assert body["total"] == 3 and len(by_type(body, "Schedule")) == 2


def test_empty_result_is_an_empty_searchset(client, world):
    body = get(client, query(world, ids=[f"{IDNPS}|810000000999"]) + "&_count=1000")
    assert body["total"] == 0 and body["entry"] == []
    assert body["link"][0]["url"].endswith("&_count=1000")


def test_only_what_is_included_is_sent(client, world):
    body = get(
        client, query(world, extra="_include=Slot:schedule&_include:iterate=Schedule:actor&status=free")
    )
    assert {e["resource"]["resourceType"] for e in body["entry"]} == {
        "Slot",
        "Schedule",
        "Practitioner",
        "PractitionerRole",
    }


def test_a_cpts_without_finess_exposes_nothing(client, world):
    world.cast.cpts.finess = ""
    world.cast.cpts.save()
    assert get(client, query(world))["total"] == 0


@pytest.mark.parametrize(
    "qs, status, words",
    [
        (
            "status=free&start=ge2026-01-01T00:00:00.000%2B01:00&start=le2026-01-02T00:00:00.000%2B01:00",
            400,
            "obligatoire",
        ),
        ("{ids}&start=ge2026-01-01&status=free", 400, "start=le"),
        ("{ids}&start=ge2026-13-45T00:00&start=le2026-01-02&status=free", 400, "Date invalide"),
        ("{ids}&start=ge2026-01-03&start=le2026-01-02&status=free", 400, "précède"),
        ("{ids}&start=ge2026-01-01T10:00:00.000%2B25:00&start=le2026-01-02&status=free", 400, "décalage"),
        ("{ids}&start=ge2026-01-01&start=le2026-01-02&status=busy", 400, "status=free"),
        ("{ids}&start=ge2026-01-01&start=le2026-01-02&_include=Slot:patient", 400, "_include"),
        ("{many}&start=ge2026-01-01&start=le2026-01-02", 400, "25 identifiants"),
        (
            "schedule.actor:Practitioner.identifier=urn:oid:1.2.3|810000000017&start=ge2026-01-01&start=le2026-01-02",
            400,
            "Système",
        ),
        ("{ids}&start=ge2026-01-01&start=le2026-01-02&_format=xml", 406, "JSON"),
    ],
)
def test_bad_requests_get_an_operation_outcome_in_french(client, world, qs, status, words):
    ids = f"{sas.IDENTIFIER_PARAM}={IDNPS}|{world.gp.idnat}"
    many = f"{sas.IDENTIFIER_PARAM}=" + ",".join(f"{IDNPS}|8100000{i:05d}" for i in range(26))
    body = get(client, qs.format(ids=ids, many=many), status)
    assert body["resourceType"] == "OperationOutcome"
    assert words in body["issue"][0]["diagnostics"]


@pytest.mark.parametrize(
    "headers",
    [
        {"HTTP_X_SSL_CLIENT_VERIFY": ""},
        {"HTTP_X_SSL_CLIENT_VERIFY": "FAILED:certificate revoked"},
        {"HTTP_X_SSL_CLIENT_S_DN": "CN=intrus.example,OU=ANS-SAS"},
        {"HTTP_X_SSL_CLIENT_S_DN": "CN=sas-preprod.esante.gouv.fr,OU=AUTRE"},
    ],
)
def test_without_the_right_client_certificate_nothing_is_served(client, world, headers):
    body = get(client, query(world), 403, **headers)
    assert (
        body["resourceType"] == "OperationOutcome" and "Certificat client" in body["issue"][0]["diagnostics"]
    )


def test_metadata_is_served(client, world):
    cap = client.get("/fhir/sas/metadata").json()
    assert cap["resourceType"] == "CapabilityStatement" and cap["rest"][0]["resource"][0]["type"] == "Slot"


ALLOWED_CN = "sas-preprod.esante.gouv.fr"


@pytest.mark.parametrize(
    "dn, words",
    [
        # A "/" inside an RFC 2253 value is a character of that value, not a separator.
        (f"CN=intrus.example,OU=ANS-SAS,O=Acme/CN={ALLOWED_CN}", "CN non autorisé"),
        (f"CN=intrus.example,OU=ANS-SAS,O=Acme/OU=x/CN={ALLOWED_CN}/OU=ANS-SAS", "CN non autorisé"),
        # An escaped comma stays inside its value.
        (f"CN=intrus.example,O=Acme\\,CN={ALLOWED_CN},OU=ANS-SAS", "CN non autorisé"),
        (f"CN=intrus.example,O=Acme\\2CCN={ALLOWED_CN},OU=ANS-SAS", "CN non autorisé"),
        (f"CN={ALLOWED_CN}\\,OU=ANS-SAS", "exactement un OU"),
        # Two CNs or two OUs (e.g. a client's header joined with the proxy's): refused, whichever comes first.
        (f"CN={ALLOWED_CN},CN=intrus.example,OU=ANS-SAS", "exactement un CN"),
        (f"CN=intrus.example,OU=AUTRE,CN={ALLOWED_CN},OU=ANS-SAS", "exactement un CN"),
        (f"CN={ALLOWED_CN},OU=ANS-SAS,OU=AUTRE", "exactement un OU"),
        # Multi-valued RDN, hexadecimal value, control character, garbage, no CN.
        (f"CN={ALLOWED_CN}+OU=ANS-SAS,O=ANS", "multivalué"),
        ("CN=#0c1a7361732d70726570726f642e6573616e74652e676f75762e6672,OU=ANS-SAS", "CN illisible"),
        (f"CN={ALLOWED_CN}\\00,OU=ANS-SAS", "CN illisible"),
        (f"CN={ALLOWED_CN};OU=ANS-SAS", "illisible"),
        ("OU=ANS-SAS,O=ANS,C=FR", "exactement un CN"),
        # The OpenSSL one-line form escapes nothing: refused, even when it looks right.
        (f"/C=FR/O=ANS/OU=ANS-SAS/CN={ALLOWED_CN}", "format OpenSSL"),
        (f"/C=FR/O=Acme/CN={ALLOWED_CN}/OU=ANS-SAS", "format OpenSSL"),
    ],
)
def test_crafted_subjects_are_refused(client, world, dn, words):
    body = get(client, query(world), 403, HTTP_X_SSL_CLIENT_S_DN=dn)
    assert body["resourceType"] == "OperationOutcome" and words in body["issue"][0]["diagnostics"]


@pytest.mark.parametrize(
    "dn",
    [
        f"CN={ALLOWED_CN},OU=ANS-SAS,O=AGENCE DU NUMERIQUE EN SANTE,C=FR",
        f"C=FR,O=Agence du numérique en santé,OU=ANS-SAS,CN={ALLOWED_CN}",
        f"emailAddress=sas@esante.gouv.fr,serialNumber=0001,CN={ALLOWED_CN},OU=ANS-SAS,O=ANS\\, GIP,C=FR",
        f"CN={ALLOWED_CN},OU=ANS-SAS,O=ANS/SAS,L=Paris,C=FR",
        f"CN={ALLOWED_CN},OU=ANS-SAS,1.2.3.4=#0403616263,C=FR",
    ],
)
def test_rfc_4514_subjects_from_nginx_or_haproxy_are_understood(client, world, dn):
    assert get(client, query(world), HTTP_X_SSL_CLIENT_S_DN=dn)["total"] == 2


def test_certificate_headers_from_an_untrusted_address_are_refused(client, world, settings):
    body = get(client, query(world), 403, REMOTE_ADDR="198.51.100.20")
    assert "proxy de confiance" in body["issue"][0]["diagnostics"]
    # Forwarded-for values do not make a direct client a proxy.
    settings.TRUSTED_PROXY_HOPS = 1
    get(client, query(world), 403, REMOTE_ADDR="198.51.100.20", HTTP_X_FORWARDED_FOR="127.0.0.1")
    # No trusted proxy configured: nothing passes, not even from 127.0.0.1.
    settings.TRUSTED_PROXIES = []
    get(client, query(world), 403)
    settings.TRUSTED_PROXIES = ["10.0.0.0/8", "127.0.0.0/8"]
    assert get(client, query(world))["total"] == 2


def test_practitioner_role_carries_the_structure_of_each_rpps_activity(client, world, tmp_path):
    """PractitionerRole.organization.identifier (optional test of the ANS kit): the structure's IDNST from the
    RPPS extract, 1 + FINESS site, else 3 + SIRET site, else the former structure id (4 + RPPS rang),
    validated against the SAS 1.1.0 StructureDefinition's patterns and the kit's formats."""
    from directory import generate, rpps_format, rpps_import
    from directory.models import PracticePlace

    base = dict(
        next(generate.rows(1, 1)),
        **{
            "Identifiant PP": world.gp.national_id,
            "Identification nationale PP": world.gp.idnat,
            "Nom d'exercice": "MEMBRE",
            "Prénom d'exercice": "Marie",
            "Code profession": "10",
            "Code commune (coord. structure)": "01034",
            "Code postal (coord. structure)": "01300",
        },
    )
    activities = {
        "Centre hospitalier": (
            {
                "Numéro FINESS site": "010780054",
                "Numéro SIRET site": "26250462400012",
                "Ancien identifiant de la structure": "1010780054",
            },
            "1010780054",
        ),
        "Maison de santé": (
            {"Numéro SIRET site": "35600000000048", "Ancien identifiant de la structure": "335600000000048"},
            "335600000000048",
        ),
        "Cabinet": ({"Ancien identifiant de la structure": "410000000009001"}, "410000000009001"),
    }
    lines = [rpps_format.header_line()] + [
        rpps_format.format_line(
            dict(base, **{"Raison sociale site": name, "Enseigne commerciale site": ""}, **columns)
        )
        for name, (columns, _) in activities.items()
    ]
    (tmp_path / "extract.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    rpps_import.import_extract(tmp_path / "extract.txt")
    places = {p.structure_name: p for p in PracticePlace.objects.filter(professional=world.gp, source="rpps")}
    assert set(places) == set(activities)
    for hour, name in enumerate(activities, start=14):
        slots.publish_slot(
            world.cast.cpts,
            world.cast.member,
            world.gp,
            place=places[name],
            day=world.tomorrow,
            at=dt.time(hour),
            minutes=20,
            visibility=["CPTS"],
        )

    body = get(client, query(world))
    roles = {r["id"]: r for r in by_type(body, "PractitionerRole")}
    sd = package_json("StructureDefinition-FrPractitionerRoleExerciceAgregateur.json")
    patterns = {
        e["path"].rsplit(".", 1)[1]: e
        for e in sd["snapshot"]["element"]
        if e["path"].startswith("PractitionerRole.organization.identifier.")
    }
    for name, (_, expected) in activities.items():
        identifier = roles[f"role-{places[name].pk}"]["organization"]["identifier"]
        assert identifier == {
            "type": {"coding": [{"system": sas.V2_0203, "code": "IDNST"}]},
            "system": "urn:oid:1.2.250.1.71.4.2.2",
            "value": expected,
        }
        assert identifier["system"] == patterns["system"]["patternUri"]
        for coding in patterns["type"]["patternCodeableConcept"]["coding"]:
            assert coding in identifier["type"]["coding"]
        assert re.fullmatch(r"1[0-9]{9}|3[0-9]{14}|4[0-9]{14}", identifier["value"])  # the kit's formats


def test_a_linked_structure_and_the_rpps_activity_follow_the_same_order(client, world):
    place = world.gp_place  # linked to a structure with a SIRET only (fixture)
    place.structure_idnst = "410000000009001"
    place.save()
    role = by_type(get(client, query(world)), "PractitionerRole")[0]
    assert role["organization"]["identifier"]["value"] == "335600000000048"  # SIRET before RPPS rang
    place.structure_idnst = "1010780054"
    place.save()
    role = by_type(get(client, query(world)), "PractitionerRole")[0]
    assert role["organization"]["identifier"]["value"] == "1010780054"  # FINESS first
