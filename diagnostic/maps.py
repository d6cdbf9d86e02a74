"""The choropleth maps of a diagnostic: one value per commune, up to five classes, a legend; the same classes
for the page (Leaflet, over the communes' contours, no tiles) and for documents (``diagnostic/images.py``).
Pure: takes a ``Diagnostic`` and the communes' contours (GeoJSON geometries, ``territory.Commune.contour``).
Zero is a class of its own (« 0 »: no professional), the other values are split by quantiles."""

import json
from dataclasses import dataclass

from diagnostic.compute import GP, CommuneFigures, Diagnostic, fr_number

# Sequential palettes, light to dark (ColorBrewer « Blues » and « Oranges », 5 classes: readable by people
# with the common colour-vision deficiencies, and in grey when printed).
BLUES = ["#eff3ff", "#bdd7e7", "#6baed6", "#3182bd", "#08519c"]
ORANGES = ["#feedde", "#fdbe85", "#fd8d3c", "#e6550d", "#a63603"]
NO_DATA = "#d9d9d9"
SECRET = "#9e9e9e"  # noqa: S105 - a colour, not a password


@dataclass(frozen=True)
class Indicator:
    key: str
    title: str
    unit: str
    palette: list[str]

    def value(self, row: CommuneFigures):
        """(value, hidden) of one commune."""
        if self.key == "gp_density":
            figures = row.profession(GP)
            if figures is None:
                return (0.0 if row.population.value else None), False
            return figures.per_10000.value, figures.per_10000.hidden
        share = row.ages.share_65_plus if row.ages else None
        return (share.value if share else None), False


INDICATORS = {
    "gp_density": Indicator(
        "gp_density", "Médecins généralistes pour 10 000 habitants", "pour 10 000 hab.", BLUES
    ),
    "share_65": Indicator("share_65", "Part des 65 ans et plus", "%", ORANGES),
}


@dataclass(frozen=True)
class LegendEntry:
    colour: str
    label: str


def breaks(values: list[float], classes: int = 5) -> list[float]:
    """Upper bounds of the classes: 0 alone when some values are 0, then quantiles of the positive values
    (fewer classes when values repeat); the last bound is the maximum."""
    data = sorted(v for v in values if v is not None)
    if not data:
        return []
    bounds = [0.0] if data[0] <= 0 else []
    positive = [v for v in data if v > 0]
    parts = classes - len(bounds)
    for i in range(1, parts + 1):
        if not positive:
            break
        bound = positive[min(len(positive) - 1, max(0, round(i * len(positive) / parts) - 1))]
        if not bounds or bound > bounds[-1]:
            bounds.append(bound)
    return bounds


def _palette_index(i: int, count: int, palette: list[str]) -> str:
    """The colour of class ``i`` of ``count``: spread over the palette, the last class the darkest."""
    if count <= 1:
        return palette[-1]
    return palette[round(i * (len(palette) - 1) / (count - 1))]


def colour_for(value: float | None, bounds: list[float], palette: list[str], hidden: bool = False) -> str:
    if hidden:
        return SECRET
    if value is None or not bounds:
        return NO_DATA
    for i, bound in enumerate(bounds):
        if value <= bound:
            return _palette_index(i, len(bounds), palette)
    return palette[-1]


def legend(bounds: list[float], palette: list[str], decimals: int = 1) -> list[LegendEntry]:
    entries, low = [], None
    for i, bound in enumerate(bounds):
        if bound == 0 and low is None:
            label = "0"
        elif low is None:
            label = f"jusqu'à {fr_number(bound, decimals)}"
        else:
            label = f"plus de {fr_number(low, decimals)} à {fr_number(bound, decimals)}"
        entries.append(LegendEntry(_palette_index(i, len(bounds), palette), label))
        low = bound
    return entries


@dataclass
class ChoroplethMap:
    indicator: Indicator
    features: list[dict]  # GeoJSON features with name, insee, display, colour
    legend: list[LegendEntry]
    has_secret: bool
    has_no_data: bool

    @property
    def collection(self) -> dict:
        return {"type": "FeatureCollection", "features": self.features}

    @property
    def geojson(self) -> str:
        return json.dumps(self.collection, separators=(",", ":"))


def choropleth(diagnostic: Diagnostic, indicator_key: str, contours: dict[str, str]) -> ChoroplethMap:
    """The map of one indicator: ``contours`` maps each commune's INSEE code to its GeoJSON geometry."""
    indicator = INDICATORS[indicator_key]
    values = {row.insee: indicator.value(row) for row in diagnostic.communes}
    bounds = breaks([v for v, hidden in values.values() if not hidden and v is not None])
    features = []
    for row in diagnostic.communes:
        value, hidden = values[row.insee]
        geometry = contours.get(row.insee)
        if not geometry:
            continue
        display = (
            "< 6 professionnels (secret statistique)"
            if hidden
            else ("non disponible" if value is None else f"{fr_number(value, 1)} {indicator.unit}")
        )
        features.append(
            {
                "type": "Feature",
                "geometry": json.loads(geometry),
                "properties": {
                    "name": row.name,
                    "insee": row.insee,
                    "display": display,
                    "colour": colour_for(value, bounds, indicator.palette, hidden),
                },
            }
        )
    return ChoroplethMap(
        indicator=indicator,
        features=features,
        legend=legend(bounds, indicator.palette),
        has_secret=any(hidden for _, hidden in values.values()),
        has_no_data=any(v is None and not hidden for v, hidden in values.values()),
    )


def contours_of(diagnostic: Diagnostic) -> dict[str, str]:
    from territory.models import Commune

    return dict(
        Commune.objects.filter(insee__in=diagnostic.commune_codes)
        .exclude(contour="")
        .values_list("insee", "contour")
    )


def page_maps(diagnostic: Diagnostic) -> list[ChoroplethMap]:
    """The two maps of the diagnostic's page (and of its include ``diagnostic/_diagnostic.html``)."""
    contours = contours_of(diagnostic)
    return [choropleth(diagnostic, key, contours) for key in INDICATORS]
