"""The map and chart images, the classes of the choropleth, and the chapter's context for a document."""

import io

import pytest
from PIL import Image

from diagnostic import chapter, images, maps
from diagnostic.compute import diagnose
from diagnostic.tests.helpers import ARTEMARE, BELLEY, CULOZ, gp, professional


def test_breaks_put_zero_apart_and_split_the_rest_by_quantiles():
    assert maps.breaks([0, 0, 1, 2, 3, 4, 5, 6, 7, 8]) == [0.0, 2, 4, 6, 8]
    assert maps.breaks([5, 5, 5]) == [5]
    assert maps.breaks([]) == []


def test_colours_follow_the_classes_and_mark_secret_and_missing_values():
    bounds = [0.0, 2, 4]
    assert maps.colour_for(0, bounds, maps.BLUES) == maps.BLUES[0]
    assert maps.colour_for(1, bounds, maps.BLUES) == maps.BLUES[2]  # the middle class of three
    assert maps.colour_for(4, bounds, maps.BLUES) == maps.BLUES[-1]
    assert maps.colour_for(None, bounds, maps.BLUES) == maps.NO_DATA
    assert maps.colour_for(3, bounds, maps.BLUES, hidden=True) == maps.SECRET
    labels = [e.label for e in maps.legend(bounds, maps.BLUES)]
    assert labels == ["0", "plus de 0,0 à 2,0", "plus de 2,0 à 4,0"]


@pytest.fixture
def diagnostic(db):
    for _ in range(7):
        gp(BELLEY)
    gp(CULOZ)
    professional("60", CULOZ)
    return diagnose([BELLEY, CULOZ, ARTEMARE], public=True, name="Test Bugey")


def test_the_map_of_gp_density_colours_each_commune_on_its_contour(diagnostic):
    choropleth = maps.choropleth(diagnostic, "gp_density", maps.contours_of(diagnostic))
    colours = {f["properties"]["insee"]: f["properties"]["colour"] for f in choropleth.features}
    assert colours[CULOZ] == maps.SECRET  # one GP: secret in public mode
    assert colours[ARTEMARE] == maps.BLUES[0]  # none
    assert colours[BELLEY] == maps.BLUES[-1]
    assert choropleth.has_secret
    assert '"type":"FeatureCollection"' in choropleth.geojson


def _png_size(data: bytes) -> tuple[int, int]:
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    return Image.open(io.BytesIO(data)).size


def test_map_and_chart_pngs(diagnostic):
    for indicator in maps.INDICATORS:
        width, height = _png_size(images.map_png(diagnostic, indicator))
        assert width > 600 and height > 400
    width, height = _png_size(images.age_chart_png(diagnostic))
    assert width > 600 and height > 200


def test_the_map_png_draws_the_communes_colours(diagnostic):
    data = images.map_png(diagnostic, "gp_density")
    counts = {colour: n for n, colour in Image.open(io.BytesIO(data)).convert("RGB").getcolors(1 << 24)}
    darkest = tuple(int(maps.BLUES[-1][i : i + 2], 16) for i in (1, 3, 5))
    secret = tuple(int(maps.SECRET[i : i + 2], 16) for i in (1, 3, 5))
    assert counts.get(darkest, 0) > 500  # Belley, filled
    assert counts.get(secret, 0) > 100  # Culoz-Béon, secret (and the legend's swatch)


def test_the_chapter_context_is_plain_strings_and_rows(diagnostic):
    context = chapter.chapter_context(diagnostic)
    assert context["territory_name"] == "Test Bugey"
    assert context["communes_count"] == "3"
    assert [a["name"] for a in context["areas"]] == [
        "Test Bugey",
        "Ain (01)",
        "Auvergne-Rhône-Alpes",
        "France",
    ]
    gp_row = context["professions"][0]
    assert gp_row["profession"] == "Médecin généraliste" and gp_row["count"] == "8"
    culoz = next(r for r in context["communes"] if r["insee"] == CULOZ)
    assert culoz["gp"] == "< 6" and culoz["gp_per_10000"] == "masqué"
    assert "vol d'oiseau" in context["distance_note"] and "pas des temps d'accès" in context["distance_note"]
    assert "secret statistique" in context["secret_note"]

    def plain(value):
        if isinstance(value, dict):
            return all(isinstance(k, str) and plain(v) for k, v in value.items())
        if isinstance(value, list):
            return all(plain(v) for v in value)
        return isinstance(value, str)

    assert plain(context)
