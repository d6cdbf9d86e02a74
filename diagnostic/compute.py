"""The diagnostic territorial of a set of communes, computed: ``diagnose(commune_codes) -> Diagnostic``.

For the territory and, for comparison, each of its départements, its régions and France:
- the population (populations légales of the loaded geography, with their vintage) and the age structure
  (0–19, 20–64, 65 ans et plus: INSEE recensement 2021 by IRIS, ``diagnostic/ages.py``);
- the offer of care from the directory: professionals per profession (general practitioners apart from the
  other physicians) and per 10,000 inhabitants, counted in SQL (one grouped query per area: the national
  directory holds about 1.2 million rows), and for the territory per commune, with the share already members
  of a CPTS (``members_of_cpts``);
- for each commune, the great-circle distance (« à vol d'oiseau », never an access time) from its centre to
  the nearest place of practice of a general practitioner, a nurse and a pharmacist;
- the figures imported per commune (``ImportedDataset``), each « importé : source, millésime, licence ».

Every figure carries its source and vintage (``Figure.source``). With ``public=True`` every count from 1 to 5
of professionals (and of members) is hidden, « < 6 » (secret statistique, as the CPAM's Rézone CPTS does),
with the densities and shares computed from it; 0 is shown (it reveals no one).

A professional practising in several communes of an area is counted once in the area, and once in each of
those communes in the table by commune.
"""

import math
from dataclasses import dataclass, field

from django.core.cache import cache
from django.db.models import Count, Max, Q, Sum

from diagnostic import ages
from diagnostic.models import AgeStructure, ImportedDataset, ImportedValue
from directory.models import GeoPoint, PracticePlace, Professional, RppsImportRun
from directory.search import EARTH_KM, Filters, haversine_km, nearest
from nomenclature.selectors import display
from territory.models import Commune, DatasetVersion, Departement, Region

SECRET_THRESHOLD = 6  # counts from 1 to SECRET_THRESHOLD - 1 are hidden in public mode
GP_SPECIALTY = "SM54"  # TRE_R38 « Médecine générale »
GP = "10-MG"  # the key of general practitioners among the professions
OTHER_PHYSICIANS = "10-AUTRES"
DISTANCE_MARGIN_KM = 30.0  # the box read around the territory for the nearest places
DISTANCE_LIMIT_KM = 200.0  # beyond: « aucun à moins de 200 km »

# The distances computed from each commune's centre: key → (label, profession code, specialty).
DISTANCES: dict[str, tuple[str, str, str]] = {
    "gp": ("médecin généraliste", "10", GP_SPECIALTY),
    "nurse": ("infirmier ou infirmière", "60", ""),
    "pharmacy": ("pharmacien (officine ou autre lieu d'exercice)", "21", ""),
}
DISTANCE_LABEL = "distance à vol d'oiseau"


# --- Figures with their source -----------------------------------------------------------------------


@dataclass(frozen=True)
class Source:
    """Where a figure comes from: « INSEE, recensement 2021 … », its vintage, whether OpenCPTS computed it
    (from the sources it names) or it was imported as such."""

    key: str
    label: str
    vintage: str
    computed: bool = False
    imported: bool = False

    @property
    def text(self) -> str:
        prefix = "calculé par OpenCPTS à partir de : " if self.computed else ""
        return f"{prefix}{self.label} ({self.vintage})"


def fr_number(value: float | int | None, decimals: int = 0) -> str:
    """« 1 843 319 », « 12,5 » (narrow no-break spaces between thousands, decimal comma)."""
    if value is None:
        return "—"
    text = f"{value:,.{decimals}f}".replace(",", "\u202f").replace(".", ",")
    return text


@dataclass(frozen=True)
class Figure:
    value: float | int | None
    source: Source
    unit: str = ""
    decimals: int = 0
    hidden: bool = False  # secret statistique: a count shown as « < 6 », a ratio from it as « masqué »
    is_count: bool = True

    @property
    def display(self) -> str:
        if self.hidden:
            return f"< {SECRET_THRESHOLD}" if self.is_count else "masqué"
        text = fr_number(self.value, self.decimals)
        return f"{text} {self.unit}".strip() if self.value is not None and self.unit else text


def is_secret(count: int | None, public: bool) -> bool:
    return bool(public and count and 0 < count < SECRET_THRESHOLD)


def count_figure(count: int, source: Source, public: bool) -> Figure:
    return Figure(count, source, hidden=is_secret(count, public))


def ratio_figure(
    numerator: int | None, denominator: int | None, scale: float, source: Source, public: bool, **kw
) -> Figure:
    """numerator / denominator × scale; hidden when the numerator is a secret count."""
    hidden = is_secret(numerator, public)
    if hidden or not denominator or numerator is None:
        return Figure(None, source, hidden=hidden, is_count=False, **kw)
    return Figure(numerator / denominator * scale, source, is_count=False, **kw)


# --- The diagnostic ----------------------------------------------------------------------------------


@dataclass
class AgeBands:
    """Census population by age band and the shares (percent) of each band."""

    population: Figure
    age_0_19: Figure
    age_20_64: Figure
    age_65_plus: Figure
    share_0_19: Figure
    share_20_64: Figure
    share_65_plus: Figure


@dataclass
class ProfessionFigures:
    key: str  # "60", "10-MG"…
    label: str
    count: Figure
    per_10000: Figure
    members: Figure | None = None  # territory only, with members_of_cpts
    member_share: Figure | None = None  # percent


@dataclass
class Area:
    kind: str  # "territory", "departement", "region", "france"
    code: str
    name: str
    population: Figure
    ages: AgeBands | None
    professions: list[ProfessionFigures]

    def profession(self, key: str) -> ProfessionFigures | None:
        return next((p for p in self.professions if p.key == key), None)


@dataclass
class Distance:
    key: str  # "gp", "nurse", "pharmacy"
    label: str
    km: Figure  # None when nothing within DISTANCE_LIMIT_KM


@dataclass
class CommuneFigures:
    insee: str
    name: str
    latitude: float | None
    longitude: float | None
    population: Figure
    ages: AgeBands | None
    professions: list[ProfessionFigures]
    distances: list[Distance]
    imported: dict[int, Figure] = field(default_factory=dict)  # dataset id → value

    def profession(self, key: str) -> ProfessionFigures | None:
        return next((p for p in self.professions if p.key == key), None)

    def distance(self, key: str) -> Distance | None:
        return next((d for d in self.distances if d.key == key), None)

    # For templates (no arguments there): the professions of the maps and the table by commune.
    @property
    def gp(self) -> ProfessionFigures | None:
        return self.profession(GP)

    @property
    def nurses(self) -> ProfessionFigures | None:
        return self.profession("60")

    @property
    def pharmacists(self) -> ProfessionFigures | None:
        return self.profession("21")


@dataclass
class ImportedFigures:
    dataset_id: int
    indicator: str
    unit: str
    provenance: str  # « importé : source, millésime, licence »
    source: Source
    territory: Figure  # aggregated per the dataset's rule (None when not aggregable)
    comparisons: list[tuple[str, Figure]]  # (area name, value) for the comparison areas
    communes_with_value: int
    communes_total: int


@dataclass
class Diagnostic:
    commune_codes: list[str]
    territory: Area
    comparisons: list[Area]  # départements, régions, France
    communes: list[CommuneFigures]
    imported: list[ImportedFigures]
    sources: list[Source]
    profession_keys: list[tuple[str, str]]  # (key, label) in display order
    public: bool
    members_counted: bool
    unknown_codes: list[str] = field(default_factory=list)
    typed: list = field(
        default_factory=list
    )  # figures typed in from Rézone CPTS (diagnostic/typed.py:attach)

    @property
    def areas(self) -> list[Area]:
        return [self.territory, *self.comparisons]

    @property
    def population(self) -> int:
        return int(self.territory.population.value or 0)

    @property
    def profession_table(self) -> list[tuple[str, ProfessionFigures, list[ProfessionFigures]]]:
        """(label, the territory's figures, each comparison area's) per profession: every area lists the
        professions in the same order."""
        return [
            (label, self.territory.professions[i], [a.professions[i] for a in self.comparisons])
            for i, (_, label) in enumerate(self.profession_keys)
        ]

    @property
    def territory_gp(self) -> ProfessionFigures | None:
        return self.territory.profession(GP)


# --- Sources -----------------------------------------------------------------------------------------


def population_source() -> Source:
    version = DatasetVersion.current_for("communes")
    if version is None:
        return Source("population", "INSEE, populations légales (millésime non chargé)", "inconnu")
    return Source(
        "population",
        f"INSEE, {version.population_label} "
        f"({version.package} {version.package_version}, {version.registry})",
        f"recensement {version.census_year}" if version.census_year else "millésime non indiqué",
    )


def age_source() -> Source:
    version = DatasetVersion.current_for(ages.DATASET)
    label = version.source if version else ages.SOURCE
    return Source("ages", label, f"recensement {ages.CENSUS_YEAR}")


def directory_source() -> Source:
    run = (
        RppsImportRun.objects.filter(status=RppsImportRun.Status.APPLIED, finished_at__isnull=False)
        .order_by("-finished_at")
        .first()
    )
    vintage = f"import du {run.finished_at:%d/%m/%Y}" if run else "annuaire saisi sur la plateforme"
    return Source(
        "directory",
        "annuaire de l'offre de soins (extrait RPPS importé ; professionnels actifs et leurs lieux "
        "d'exercice actifs)",
        vintage,
        computed=True,
    )


def distance_source(directory: Source) -> Source:
    return Source(
        "distances",
        f"{DISTANCE_LABEL} (grand cercle, sphère de {fr_number(EARTH_KM, 1)} km) du centre de la commune au "
        f"lieu d'exercice le plus proche, d'après l'{directory.label} — pas un temps d'accès",
        directory.vintage,
        computed=True,
    )


# --- Reading -----------------------------------------------------------------------------------------


def normalise(commune_codes) -> tuple[list[Commune], list[str], dict[str, str]]:
    """The communes of the territory (a city chosen whole stands for its arrondissements), the unknown codes,
    and for counting places: place commune code → territory commune code."""
    codes = sorted({str(c).strip() for c in commune_codes if str(c).strip()})
    found = {c.insee: c for c in Commune.objects.filter(insee__in=codes)}
    unknown = [c for c in codes if c not in found]
    whole_cities = {c.insee for c in found.values() if c.kind == "COM"}
    communes = [c for c in found.values() if not (c.parent_id and c.parent_id in whole_cities)]
    communes.sort(key=lambda c: (c.name, c.insee))
    place_map = {c.insee: c.insee for c in communes}
    for arm in Commune.objects.filter(parent_id__in=[c.insee for c in communes]).values_list(
        "insee", "parent_id"
    ):
        place_map[arm[0]] = arm[1]
    return communes, unknown, place_map


def profession_label(key: str) -> str:
    if key == GP:
        return "Médecin généraliste"
    if key == OTHER_PHYSICIANS:
        return "Médecin d'une autre spécialité"
    return display("TRE_G15", key)


def active_places():
    """Active places of practice. ``PracticePlace.active`` and ``profession_code`` copy the professional's
    (kept in step by every writer, for the geographic search), so counting needs no join but for the
    specialty of physicians."""
    return PracticePlace.objects.filter(active=True)


def member_professionals(cpts):
    """The directory ids of the professionals who are active adhérents of ``cpts``."""
    from accounts.models import User
    from cpts.models import Membership
    from cpts.scoping import scoped

    users = scoped(Membership, cpts).adherents().values("user_id")
    return User.objects.filter(pk__in=users, professional__isnull=False).values("professional_id")


def specialists(ids, specialty: str, memo: dict[int, bool] | None = None, chunk: int = 5000) -> set[int]:
    """Which of the professionals ``ids`` have ``specialty``: primary-key lookups, by chunks; ``memo`` keeps
    the answers for the next call of the same computation (the territory's physicians are asked three
    times: by commune, for the territory, around it for the distances)."""
    memo = {} if memo is None else memo
    unknown = sorted(i for i in ids if i not in memo)
    for start in range(0, len(unknown), chunk):
        part = unknown[start : start + chunk]
        found = set(
            Professional.objects.filter(pk__in=part, specialty_code=specialty).values_list("pk", flat=True)
        )
        memo.update((i, i in found) for i in part)
    return {i for i in ids if memo[i]}


def _gp_counts_joined(places, group, annotations) -> dict[tuple, tuple[int, int]]:
    """General practitioners per group, the physicians' places joined to their specialty in SQL (for the
    comparison areas: up to every physician of France)."""
    gps = places.filter(profession_code="10", professional__specialty_code=GP_SPECIALTY)
    rows = gps.values(*group).annotate(**annotations).order_by() if group else [gps.aggregate(**annotations)]
    return {tuple(row[g] for g in group): (row["n"], row.get("m", 0)) for row in rows}


def _gp_counts_by_ids(places, group, member_ids: set[int] | None, memo=None) -> dict[tuple, tuple[int, int]]:
    """The same for a territory: its physicians' places read from the covering index, their specialty by
    primary key (a few thousand), counted here — cheaper than letting the database join the whole table."""
    rows = list(places.filter(profession_code="10").values_list(*group, "professional_id"))
    gps = specialists({row[-1] for row in rows}, GP_SPECIALTY, memo)
    sets: dict[tuple, set[int]] = {}
    for *prefix, pro in rows:
        if pro in gps:
            sets.setdefault(tuple(prefix), set()).add(pro)
    return {
        prefix: (len(found), len(found & member_ids) if member_ids is not None else 0)
        for prefix, found in sets.items()
    }


def grouped_counts(
    places, group: tuple[str, ...], members=None, *, small: bool = False, memo=None
) -> dict[tuple, tuple]:
    """(group values…, profession key) → (distinct professionals, of whom members) over ``places``: one
    grouped query on the places alone (the covering index ``place_commune_cover``), and the general
    practitioners among the physicians (joined in SQL, or by primary key when ``small``: a territory); the
    other physicians are the difference (one specialty each)."""
    annotations = {"n": Count("professional_id", distinct=True)}
    if members is not None:
        annotations["m"] = Count("professional_id", distinct=True, filter=Q(professional_id__in=members))
    out: dict[tuple, tuple[int, int]] = {}
    for row in places.values(*group, "profession_code").annotate(**annotations).order_by():
        code = row["profession_code"]
        key = OTHER_PHYSICIANS if code == "10" else code
        out[(*(row[g] for g in group), key)] = (row["n"], row.get("m", 0))
    if small:
        member_ids = set(members.values_list("professional_id", flat=True)) if members is not None else None
        gp_counts = _gp_counts_by_ids(places, group, member_ids, memo)
    else:
        gp_counts = _gp_counts_joined(places, group, annotations)
    for prefix, (n, m) in gp_counts.items():
        if not n:
            continue
        out[(*prefix, GP)] = (n, m)
        others = out.get((*prefix, OTHER_PHYSICIANS), (0, 0))
        out[(*prefix, OTHER_PHYSICIANS)] = (others[0] - n, others[1] - m)
    return {k: v for k, v in out.items() if v[0] > 0}


def count_by_profession(
    places, members=None, *, small: bool = False, memo=None
) -> dict[str, tuple[int, int]]:
    """key → (distinct professionals, of whom members) over ``places``."""
    return {key: v for (key,), v in grouped_counts(places, (), members, small=small, memo=memo).items()}


def count_by_commune_and_profession(
    place_codes, members=None, memo=None
) -> dict[tuple[str, str], tuple[int, int]]:
    """(place commune code, key) → (distinct professionals, of whom members)."""
    return grouped_counts(
        active_places().filter(commune_id__in=place_codes), ("commune_id",), members, small=True, memo=memo
    )


# --- Building figures (pure) --------------------------------------------------------------------------


def age_bands(row: dict | None, source: Source) -> AgeBands | None:
    """From summed census counts (population, age_0_19, age_20_64, age_65_plus)."""
    if not row or not row.get("population"):
        return None
    pop = row["population"]

    def share(n):
        return Figure(n / pop * 100, source, unit="%", decimals=1)

    return AgeBands(
        population=Figure(pop, source),
        age_0_19=Figure(row["age_0_19"], source),
        age_20_64=Figure(row["age_20_64"], source),
        age_65_plus=Figure(row["age_65_plus"], source),
        share_0_19=share(row["age_0_19"]),
        share_20_64=share(row["age_20_64"]),
        share_65_plus=share(row["age_65_plus"]),
    )


def profession_figures(
    key: str,
    label: str,
    counts: tuple[int, int],
    population: int,
    source: Source,
    public: bool,
    with_members: bool,
) -> ProfessionFigures:
    n, m = counts
    figures = ProfessionFigures(
        key=key,
        label=label,
        count=count_figure(n, source, public),
        per_10000=ratio_figure(n, population, 10_000, source, public, decimals=1),
    )
    if with_members:
        figures.members = Figure(m, source, hidden=is_secret(m, public) or is_secret(n, public))
        figures.member_share = ratio_figure(m, n, 100, source, public, unit="%", decimals=0)
        if is_secret(m, public):
            figures.member_share = Figure(None, source, hidden=True, is_count=False)
    return figures


def ordered_keys(*count_maps: dict) -> list[tuple[str, str]]:
    """Professions in display order: general practitioners, nurses, pharmacists first, then by count."""
    totals: dict[str, int] = {}
    for counts in count_maps:
        for key, value in counts.items():
            k = key[1] if isinstance(key, tuple) else key
            totals[k] = totals.get(k, 0) + value[0]
    first = [GP, "60", "21", "70", "40", "50"]
    keys = sorted(totals, key=lambda k: (first.index(k) if k in first else len(first), -totals[k], k))
    return [(k, profession_label(k)) for k in keys]


def nearest_distances(
    centres: list[tuple[float, float]], points: list[tuple[float, float]], box_margin: list[float]
) -> list[float | None]:
    """For each centre, the great-circle distance (km) to the nearest point, or None when the nearest point
    found is farther than that centre's margin to the edge of the box the points were read from (a nearer
    point may lie outside: the caller searches it). Pure (numpy)."""
    import numpy as np

    if not centres:
        return []
    if not points:
        return [None] * len(centres)
    c = np.radians(np.array(centres, dtype=float))
    p = np.radians(np.array(points, dtype=float))
    out: list[float | None] = []
    for (lat, lon), margin in zip(c, box_margin, strict=True):
        dlat = p[:, 0] - lat
        dlon = p[:, 1] - lon
        a = np.sin(dlat / 2) ** 2 + math.cos(lat) * np.cos(p[:, 0]) * np.sin(dlon / 2) ** 2
        d = float(2 * EARTH_KM * np.arcsin(np.sqrt(np.minimum(1.0, a.min()))))
        out.append(d if d <= margin else None)
    return out


# --- Distances ---------------------------------------------------------------------------------------


def _box(centres: list[tuple[float, float]], margin_km: float) -> tuple[float, float, float, float]:
    lats = [c[0] for c in centres]
    lons = [c[1] for c in centres]
    dlat = margin_km / 111.0
    coslat = max(math.cos(math.radians(max(abs(min(lats)), abs(max(lats))) + dlat)), 0.05)
    dlon = margin_km / (111.0 * coslat)
    return min(lats) - dlat, max(lats) + dlat, min(lons) - dlon, max(lons) + dlon


def _points_in_box(profession: str, specialty: str, box, memo=None) -> list[tuple[float, float]]:
    lat0, lat1, lon0, lon1 = box
    if not specialty:
        rows = GeoPoint.objects.filter(
            profession_code=profession,
            latitude__range=(lat0, lat1),
            longitude__range=(lon0, lon1),
            places__gt=0,
        ).values_list("latitude", "longitude")
        return list(rows)
    rows = PracticePlace.objects.filter(
        profession_code=profession,
        active=True,
        latitude__range=(lat0, lat1),
        longitude__range=(lon0, lon1),
    ).values_list("latitude", "longitude", "professional_id")  # the covering index place_geo_cover
    rows = list(rows)
    chosen = specialists({pro for _, _, pro in rows}, specialty, memo)
    return sorted({(lat, lon) for lat, lon, pro in rows if pro in chosen})


def _margin_to_edge(centre: tuple[float, float], box) -> float:
    lat, lon = centre
    lat0, lat1, lon0, lon1 = box
    return min(
        haversine_km(lat, lon, lat0, lon),
        haversine_km(lat, lon, lat1, lon),
        haversine_km(lat, lon, lat, lon0),
        haversine_km(lat, lon, lat, lon1),
    )


def distances_from_centres(communes: list[Commune], memo=None) -> dict[str, dict[str, float | None]]:
    """insee → key → km to the nearest place (None: none within DISTANCE_LIMIT_KM, or no centre)."""
    located = [c for c in communes if c.latitude is not None and c.longitude is not None]
    out: dict[str, dict[str, float | None]] = {c.insee: {} for c in communes}
    if not located:
        return out
    centres = [(c.latitude, c.longitude) for c in located]
    box = _box(centres, DISTANCE_MARGIN_KM)
    margins = [_margin_to_edge(centre, box) for centre in centres]
    for key, (_, profession, specialty) in DISTANCES.items():
        found = nearest_distances(centres, _points_in_box(profession, specialty, box, memo), margins)
        for commune, km in zip(located, found, strict=True):
            if km is None:  # nothing in the box near enough: search beyond it
                hits = nearest(
                    commune.latitude,
                    commune.longitude,
                    1,
                    DISTANCE_LIMIT_KM,
                    Filters(profession_code=profession, specialty_code=specialty),
                    start_km=DISTANCE_MARGIN_KM,
                    per_professional=False,
                )
                km = hits[0].distance_km if hits else None
            out[commune.insee][key] = km
    return out


# --- Comparison counts, cached -----------------------------------------------------------------------

CACHE_SECONDS = 3600


def directory_fingerprint() -> str:
    """Changes when an RPPS import is applied or a professional or a place is added (three index reads)."""
    run = RppsImportRun.objects.filter(status=RppsImportRun.Status.APPLIED).aggregate(m=Max("pk"))["m"]
    places = PracticePlace.objects.aggregate(m=Max("pk"))["m"]
    pros = Professional.objects.aggregate(m=Max("pk"))["m"]
    return f"{run}-{places}-{pros}"


def cached_counts(area: str, places, fingerprint: str) -> dict[str, tuple[int, int]]:
    """The counts of a comparison area (a département, a région, France: the same for every territory, and
    the national one reads every place of the directory), kept in the cache for an hour and recomputed as
    soon as the directory's fingerprint changes. A professional deactivated by hand shows in the
    comparisons within the hour; the territory's own figures are always computed live."""
    key = f"diagnostic:counts:{area}:{fingerprint}"
    counts = cache.get(key)
    if counts is None:
        counts = count_by_profession(places)
        cache.set(key, counts, CACHE_SECONDS)
    return counts


# --- Areas -------------------------------------------------------------------------------------------

AGE_SUMS = {
    "population": Sum("population"),
    "age_0_19": Sum("age_0_19"),
    "age_20_64": Sum("age_20_64"),
    "age_65_plus": Sum("age_65_plus"),
}


@dataclass
class _Context:
    public: bool
    population: Source
    ages: Source
    directory: Source
    fingerprint: str = ""
    keys: list[tuple[str, str]] = field(default_factory=list)


def _area(kind, code, name, communes_qs, places, ctx: _Context) -> Area:
    """A comparison area (département, région, France): current communes only (a city's arrondissements are
    in the city)."""
    population = communes_qs.filter(kind="COM").aggregate(p=Sum("population"))["p"] or 0
    age_row = AgeStructure.objects.filter(commune__in=communes_qs.filter(kind="COM")).aggregate(**AGE_SUMS)
    counts = cached_counts(f"{kind}:{code}", places, ctx.fingerprint)
    return Area(
        kind=kind,
        code=code,
        name=name,
        population=Figure(population, ctx.population),
        ages=age_bands(age_row, ctx.ages),
        professions=[
            profession_figures(k, label, counts.get(k, (0, 0)), population, ctx.directory, ctx.public, False)
            for k, label in ctx.keys
        ],
    )


def comparison_areas(communes: list[Commune], ctx: _Context) -> list[Area]:
    dep_codes = sorted({c.departement_id for c in communes})
    reg_codes = sorted({c.region_id for c in communes})
    areas = []
    for dep in Departement.objects.filter(code__in=dep_codes).order_by("code"):
        areas.append(
            _area(
                "departement",
                dep.code,
                f"{dep.name} ({dep.code})",
                Commune.objects.filter(departement=dep),
                active_places().filter(commune__departement=dep),
                ctx,
            )
        )
    for reg in Region.objects.filter(code__in=reg_codes).order_by("code"):
        areas.append(
            _area(
                "region",
                reg.code,
                reg.name,
                Commune.objects.filter(region=reg),
                active_places().filter(commune__region=reg),
                ctx,
            )
        )
    areas.append(
        _area(
            "france",
            "FR",
            "France",
            Commune.objects.all(),
            active_places().filter(commune__isnull=False),
            ctx,
        )
    )
    return areas


# --- Imported figures --------------------------------------------------------------------------------


def aggregate_values(values: list[tuple[float, int]], rule: str) -> float | None:
    """(value, population) pairs → the area's value: a sum, a population-weighted mean, or None. Pure."""
    if not values or rule == ImportedDataset.Aggregation.NONE:
        return None
    if rule == ImportedDataset.Aggregation.SUM:
        return sum(v for v, _ in values)
    weight = sum(p for _, p in values)
    if not weight:
        return None
    return sum(v * p for v, p in values) / weight


def imported_source(dataset: ImportedDataset) -> Source:
    return Source(
        f"imported-{dataset.pk}",
        f"{dataset.indicator} — {dataset.provenance}",
        dataset.vintage,
        imported=True,
    )


def _imported_value_figure(dataset, source, value) -> Figure:
    decimals = 0 if value is not None and float(value).is_integer() else 2
    return Figure(value, source, unit=dataset.unit, decimals=decimals)


def imported_figures(communes: list[Commune], comparisons: list[Area]) -> tuple[list, dict]:
    """The imported datasets having a value for at least one commune of the territory: their figures, and
    insee → dataset id → Figure for the table by commune."""
    codes = [c.insee for c in communes]
    rows = list(
        ImportedValue.objects.filter(commune_id__in=codes).values_list("dataset_id", "commune_id", "value")
    )
    by_dataset: dict[int, dict[str, float]] = {}
    for dataset_id, insee, value in rows:
        by_dataset.setdefault(dataset_id, {})[insee] = value
    population = {c.insee: c.population for c in communes}
    figures, per_commune = [], {}
    for dataset in ImportedDataset.objects.filter(pk__in=by_dataset).order_by("indicator", "pk"):
        values = by_dataset[dataset.pk]
        source = imported_source(dataset)
        territory = aggregate_values([(v, population[c]) for c, v in values.items()], dataset.aggregation)
        comparison = []
        for area in comparisons:
            area_rows = _imported_area_values(dataset, area)
            comparison.append(
                (
                    area.name,
                    _imported_value_figure(dataset, source, aggregate_values(area_rows, dataset.aggregation)),
                )
            )
        figures.append(
            ImportedFigures(
                dataset_id=dataset.pk,
                indicator=dataset.indicator,
                unit=dataset.unit,
                provenance=dataset.provenance,
                source=source,
                territory=_imported_value_figure(dataset, source, territory),
                comparisons=comparison,
                communes_with_value=len(values),
                communes_total=len(communes),
            )
        )
        for insee, value in values.items():
            per_commune.setdefault(insee, {})[dataset.pk] = _imported_value_figure(dataset, source, value)
    return figures, per_commune


def _imported_area_values(dataset, area: Area) -> list[tuple[float, int]]:
    if dataset.aggregation == ImportedDataset.Aggregation.NONE:
        return []
    values = ImportedValue.objects.filter(dataset=dataset, commune__kind="COM")
    if area.kind == "departement":
        values = values.filter(commune__departement_id=area.code)
    elif area.kind == "region":
        values = values.filter(commune__region_id=area.code)
    return list(values.values_list("value", "commune__population"))


# --- The entry point ---------------------------------------------------------------------------------


def _commune_figures(commune, ctx, counts_by_commune, age_rows, distances, members: bool) -> CommuneFigures:
    pop = commune.population
    directory = ctx.directory
    return CommuneFigures(
        insee=commune.insee,
        name=commune.name,
        latitude=commune.latitude,
        longitude=commune.longitude,
        population=Figure(pop, ctx.population),
        ages=age_bands(age_rows.get(commune.insee), ctx.ages),
        professions=[
            profession_figures(
                k,
                label,
                counts_by_commune.get((commune.insee, k), (0, 0)),
                pop,
                directory,
                ctx.public,
                members,
            )
            for k, label in ctx.keys
        ],
        distances=[
            Distance(
                key,
                label,
                Figure(distances.get(commune.insee, {}).get(key), distance_source(directory), "km", 1),
            )
            for key, (label, *_) in DISTANCES.items()
        ],
    )


def diagnose(
    commune_codes: list[str], *, members_of_cpts=None, public: bool = False, name: str = "Territoire"
) -> Diagnostic:
    """The diagnostic of the communes ``commune_codes`` (INSEE codes; a city given whole stands for its
    arrondissements; unknown codes are listed in ``unknown_codes``). ``members_of_cpts``: a CPTS whose active
    adhérents are counted among the professionals. ``public``: counts under 6 hidden. ``name``: the
    territory's name in the tables (the CPTS's or the project's)."""
    communes, unknown, place_map = normalise(commune_codes)
    ctx = _Context(public, population_source(), age_source(), directory_source(), directory_fingerprint())
    members = member_professionals(members_of_cpts) if members_of_cpts is not None else None

    memo: dict[int, bool] = {}  # general practitioner or not, by professional id
    raw = count_by_commune_and_profession(list(place_map), members, memo)
    counts_by_commune: dict[tuple[str, str], tuple[int, int]] = {}
    for (place_code, key), (n, m) in raw.items():
        target = (place_map[place_code], key)
        prev = counts_by_commune.get(target, (0, 0))
        counts_by_commune[target] = (prev[0] + n, prev[1] + m)
    territory_counts = count_by_profession(
        active_places().filter(commune_id__in=list(place_map)), members, small=True, memo=memo
    )
    ctx.keys = ordered_keys(territory_counts) or [(GP, profession_label(GP))]

    population = sum(c.population for c in communes)
    age_rows = {
        row["commune_id"]: row
        for row in AgeStructure.objects.filter(commune_id__in=[c.insee for c in communes]).values()
    }
    territory_ages = {k: sum(r[k] for r in age_rows.values()) for k in AGE_SUMS} if age_rows else None
    territory = Area(
        kind="territory",
        code="",
        name=name,
        population=Figure(population, ctx.population),
        ages=age_bands(territory_ages, ctx.ages),
        professions=[
            profession_figures(
                k,
                label,
                territory_counts.get(k, (0, 0)),
                population,
                ctx.directory,
                public,
                members is not None,
            )
            for k, label in ctx.keys
        ],
    )
    comparisons = comparison_areas(communes, ctx) if communes else []
    distances = distances_from_centres(communes, memo)
    rows = [
        _commune_figures(c, ctx, counts_by_commune, age_rows, distances, members is not None)
        for c in communes
    ]
    imported, per_commune = imported_figures(communes, comparisons)
    for row in rows:
        row.imported = per_commune.get(row.insee, {})
    sources = [ctx.population, ctx.ages, ctx.directory, distance_source(ctx.directory)]
    sources += [f.source for f in imported]
    return Diagnostic(
        commune_codes=[c.insee for c in communes],
        territory=territory,
        comparisons=comparisons,
        communes=rows,
        imported=imported,
        sources=sources,
        profession_keys=ctx.keys,
        public=public,
        members_counted=members is not None,
        unknown_codes=unknown,
    )
