"""The diagnostic's map and chart as PNG images for documents (DOCX, PDF), drawn with matplotlib's Agg backend
(no display, no browser). The map is drawn from the communes' contours as polygons, with the page's classes
and colours (``diagnostic/maps.py``) and a legend; the chart compares the age structure of the territory with
its départements, régions and France. Each image states its source and vintage under it."""

import io
import json

import matplotlib

matplotlib.use("Agg")

from matplotlib import pyplot as plt  # noqa: E402
from matplotlib.collections import PatchCollection  # noqa: E402
from matplotlib.patches import Patch, Polygon  # noqa: E402

from diagnostic import maps  # noqa: E402
from diagnostic.compute import Diagnostic  # noqa: E402

DPI = 150
BAND_COLOURS = ["#6baed6", "#3182bd", "#e6550d"]  # 0–19, 20–64, 65 et plus


def _rings(geometry: dict) -> list[list]:
    """The outer rings of a Polygon or MultiPolygon (holes are small at this scale: left out)."""
    if geometry["type"] == "Polygon":
        return [geometry["coordinates"][0]]
    if geometry["type"] == "MultiPolygon":
        return [polygon[0] for polygon in geometry["coordinates"]]
    return []


def _png(fig) -> bytes:
    out = io.BytesIO()
    fig.savefig(out, format="png", dpi=DPI, bbox_inches="tight")
    plt.close(fig)
    return out.getvalue()


def map_png(diagnostic: Diagnostic, indicator: str, contours: dict[str, str] | None = None) -> bytes:
    """The choropleth of ``indicator`` (``maps.INDICATORS``: "gp_density", "share_65") over the territory's
    communes, as PNG bytes."""
    contours = maps.contours_of(diagnostic) if contours is None else contours
    choropleth = maps.choropleth(diagnostic, indicator, contours)
    fig, ax = plt.subplots(figsize=(7, 6))
    patches, colours = [], []
    for feature in choropleth.features:
        geometry = (
            feature["geometry"] if isinstance(feature["geometry"], dict) else json.loads(feature["geometry"])
        )
        for ring in _rings(geometry):
            patches.append(Polygon(ring, closed=True))
            colours.append(feature["properties"]["colour"])
    if patches:
        ax.add_collection(PatchCollection(patches, facecolors=colours, edgecolors="#444444", linewidths=0.3))
        ax.autoscale_view()
    ax.set_aspect(1 / max(0.2, _cos_mid_latitude(diagnostic)))  # degrees of longitude shrink with latitude
    ax.set_axis_off()
    ax.set_title(choropleth.indicator.title, fontsize=11)
    handles = [Patch(facecolor=e.colour, edgecolor="#444444", label=e.label) for e in choropleth.legend]
    if choropleth.has_secret:
        handles.append(Patch(facecolor=maps.SECRET, edgecolor="#444444", label="< 6 (secret statistique)"))
    if choropleth.has_no_data:
        handles.append(Patch(facecolor=maps.NO_DATA, edgecolor="#444444", label="non disponible"))
    if handles:
        ax.legend(
            handles=handles, title=choropleth.indicator.unit, loc="center left", bbox_to_anchor=(1, 0.5)
        )
    source = _source_of(diagnostic, indicator)
    fig.text(0.01, 0.01, source, fontsize=6, wrap=True)
    return _png(fig)


def _cos_mid_latitude(diagnostic: Diagnostic) -> float:
    import math

    lats = [c.latitude for c in diagnostic.communes if c.latitude is not None]
    return math.cos(math.radians(sum(lats) / len(lats))) if lats else 0.7


def _source_of(diagnostic: Diagnostic, indicator: str) -> str:
    if indicator == "share_65":
        source = diagnostic.territory.ages.share_65_plus.source if diagnostic.territory.ages else None
    else:
        source = diagnostic.territory.population.source
        directory = next((s for s in diagnostic.sources if s.key == "directory"), None)
        if directory:
            return f"Source : {directory.text} ; population : {source.text}"
    return f"Source : {source.text}" if source else ""


def age_chart_png(diagnostic: Diagnostic) -> bytes:
    """Horizontal stacked bars: the shares of 0–19, 20–64 and 65 ans et plus in the territory and each
    comparison area."""
    areas = [a for a in diagnostic.areas if a.ages is not None]
    fig, ax = plt.subplots(figsize=(7, 0.6 * max(2, len(areas)) + 1.2))
    names = [a.name for a in areas][::-1]
    bands = [
        ("0 à 19 ans", [a.ages.share_0_19.value for a in areas][::-1]),
        ("20 à 64 ans", [a.ages.share_20_64.value for a in areas][::-1]),
        ("65 ans et plus", [a.ages.share_65_plus.value for a in areas][::-1]),
    ]
    left = [0.0] * len(areas)
    for (label, values), colour in zip(bands, BAND_COLOURS, strict=True):
        bars = ax.barh(names, values, left=left, color=colour, label=label)
        for bar, value in zip(bars, values, strict=True):
            if value >= 8:
                ax.text(
                    bar.get_x() + bar.get_width() / 2,
                    bar.get_y() + bar.get_height() / 2,
                    f"{value:.0f} %",
                    ha="center",
                    va="center",
                    fontsize=7,
                    color="white" if colour != BAND_COLOURS[0] else "black",
                )
        left = [a + b for a, b in zip(left, values, strict=True)]
    ax.set_xlim(0, 100)
    ax.set_xlabel("part de la population (%)")
    ax.set_title("Structure par âge", fontsize=11)
    ax.spines[["top", "right"]].set_visible(False)
    fig.subplots_adjust(bottom=0.32)
    fig.legend(loc="lower center", bbox_to_anchor=(0.5, 0.07), ncol=3, fontsize=8, frameon=False)
    if areas:
        fig.text(0.01, 0.0, f"Source : {areas[0].ages.share_0_19.source.text}", fontsize=6, wrap=True)
    return _png(fig)


def chapter_images(diagnostic: Diagnostic) -> dict[str, bytes]:
    """The pictures of the diagnostic's chapter in a document (``diagnostic/chapter.py:IMAGES``): the two maps
    (the contours read once) and the age chart, as PNG."""
    contours = maps.contours_of(diagnostic)
    return {
        "map_gp_density": map_png(diagnostic, "gp_density", contours),
        "map_share_65": map_png(diagnostic, "share_65", contours),
        "age_chart": age_chart_png(diagnostic),
    }
