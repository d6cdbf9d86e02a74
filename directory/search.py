"""Geographic search of the directory: "the k nearest professionals of profession P within R km".

One portable method for SQLite and PostgreSQL (docs/ARCHITECTURE.md, ../shared/domain/geosearch.md):
a B-tree index on (profession_code, latitude, longitude) of the places, a box around the point that
grows until it holds k professionals inside its inscribed circle (or reaches R), then exact
great-circle distances on the candidates. The work is bounded by the answer size, not by the density
of the city. Distances shown to users are great-circle distances on a sphere of 6,371.0088 km.
"""

import math
from dataclasses import dataclass, field

from django.db import connection

EARTH_KM = 6371.0088
KM_PER_DEG_LAT = math.pi * EARTH_KM / 180
MAX_RADIUS_KM = 200.0
PLACE = "directory_practiceplace"
PRO = "directory_professional"


class SearchError(ValueError):
    """Impossible search parameters; ``message`` is for the user (French)."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_KM * math.asin(min(1.0, math.sqrt(a)))


@dataclass(frozen=True)
class Filters:
    profession_code: str = ""
    specialty_code: str = ""
    name: str = ""  # normalised (territory.text.normalize)
    accepts_new_patients: bool = False
    snp: bool = False
    members_of_cpts: int | None = None
    active_only: bool = True


@dataclass
class Hit:
    place_id: int
    professional_id: int
    latitude: float
    longitude: float
    distance_km: float


@dataclass
class Result:
    hits: list[Hit] = field(default_factory=list)
    total: int | None = None


def check_point(lat: float, lon: float, radius_km: float) -> None:
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise SearchError("Coordonnées impossibles : la latitude doit être entre -90 et 90, la longitude entre -180 et 180.")
    if not (0 < radius_km <= MAX_RADIUS_KM) or math.isnan(radius_km):
        raise SearchError(f"Rayon impossible : indiquez une distance entre 0 et {MAX_RADIUS_KM:.0f} km.")


def _box(lat: float, lon: float, r_km: float) -> tuple[float, float, float, float]:
    dlat = r_km / KM_PER_DEG_LAT
    coslat = max(math.cos(math.radians(lat)), 0.01)
    dlon = min(180.0, r_km / (KM_PER_DEG_LAT * coslat))
    return lat - dlat, lat + dlat, lon - dlon, lon + dlon


def _filter_sql(filters: Filters, table: str = "pl") -> tuple[str, list, bool]:
    """Extra WHERE clauses (and whether the professional table must be joined). ``table`` is the alias
    carrying profession_code and the professional id: ``pl`` (places) or ``p`` (professionals)."""
    pro_id = "pl.professional_id" if table == "pl" else "p.id"
    clauses, params, join = [], [], False
    if filters.active_only:
        clauses.append("pl.active = %s")
        params.append(True)
    if filters.profession_code:
        clauses.append(f"{table}.profession_code = %s")
        params.append(filters.profession_code)
    if filters.specialty_code:
        clauses.append("p.specialty_code = %s")
        params.append(filters.specialty_code)
        join = True
    if filters.name:
        clauses.append("p.search_name LIKE %s")
        params.append(f"%{filters.name}%")
        join = True
    if filters.accepts_new_patients:
        clauses.append("p.accepts_new_patients = %s")
        params.append(True)
        join = True
    if filters.snp:
        clauses.append("p.takes_part_in_snp = %s")
        params.append(True)
        join = True
    if filters.members_of_cpts:
        clauses.append(f"{pro_id} IN (SELECT u.professional_id FROM accounts_user u "
                       "JOIN cpts_membership m ON m.user_id = u.id WHERE m.cpts_id = %s AND m.active = %s "
                       "AND u.professional_id IS NOT NULL)")
        params.extend([filters.members_of_cpts, True])
    return (" AND " + " AND ".join(clauses)) if clauses else "", params, join


def _candidates(lat: float, lon: float, r_km: float, filters: Filters) -> list[tuple[int, int, float, float]]:
    lat0, lat1, lon0, lon1 = _box(lat, lon, r_km)
    extra, params, join = _filter_sql(filters)
    sql = (f"SELECT pl.id, pl.professional_id, pl.latitude, pl.longitude FROM {PLACE} pl "
           + (f"JOIN {PRO} p ON p.id = pl.professional_id " if join else "")
           + "WHERE pl.latitude BETWEEN %s AND %s AND pl.longitude BETWEEN %s AND %s" + extra)
    with connection.cursor() as cursor:
        cursor.execute(sql, [lat0, lat1, lon0, lon1, *params])
        return cursor.fetchall()


def _rank(rows, lat: float, lon: float, limit_km: float, per_professional: bool = True) -> list[Hit]:
    """Exact distances, within ``limit_km``, sorted; one hit per professional (their nearest place) or per place."""
    best: dict[int, Hit] = {}
    for place_id, pro_id, plat, plon in rows:
        d = haversine_km(lat, lon, plat, plon)
        if d <= limit_km:
            key = pro_id if per_professional else place_id
            hit = best.get(key)
            if hit is None or d < hit.distance_km or (d == hit.distance_km and place_id < hit.place_id):
                best[key] = Hit(place_id, pro_id, plat, plon, d)
    return sorted(best.values(), key=lambda h: (h.distance_km, h.professional_id, h.place_id))


def nearest(lat: float, lon: float, k: int, radius_km: float, filters: Filters = Filters(),
            start_km: float = 2.0, per_professional: bool = True) -> list[Hit]:
    """The ``k`` nearest professionals (each at their nearest place; or places) within ``radius_km``, exact."""
    check_point(lat, lon, radius_km)
    r = min(start_km, radius_km)
    while True:
        hits = _rank(_candidates(lat, lon, r, filters), lat, lon, min(r, radius_km), per_professional)
        if len(hits) >= k or r >= radius_km:
            return hits[:k]
        # Grow by the density seen so far (area ∝ r²), at least ×2, never beyond the radius.
        factor = math.sqrt((k + 1) / max(len(hits), 1)) * 1.3 if hits else 3.0
        r = min(radius_km, r * max(2.0, factor))


def within(lat: float, lon: float, radius_km: float, filters: Filters = Filters()) -> list[Hit]:
    """Every professional within ``radius_km`` (nearest place each), sorted by distance: for paged pages."""
    check_point(lat, lon, radius_km)
    return _rank(_candidates(lat, lon, radius_km, filters), lat, lon, radius_km)


def by_name(filters: Filters, limit: int = 5000) -> list[int]:
    """Professionals matching the filters with no point given: ids sorted by name."""
    extra, params, _ = _filter_sql(Filters(**{**filters.__dict__, "active_only": False}), table="p")
    sql = (f"SELECT p.id FROM {PRO} p WHERE p.active = %s{extra} ORDER BY p.search_name, p.id LIMIT {int(limit)}")
    with connection.cursor() as cursor:
        cursor.execute(sql, [True, *params])
        return [row[0] for row in cursor.fetchall()]


def format_km(distance_km: float) -> str:
    """'à 1,4 km', 'à 350 m'."""
    if distance_km < 1:
        return f"à {round(distance_km * 1000, -1):.0f} m"
    return f"à {distance_km:.1f} km".replace(".", ",")
