"""Geographic search of the directory: "the k nearest professionals of profession P within R km".

One portable method for SQLite and PostgreSQL (docs/DESIGN.md, ../shared/domain/geosearch.md):
a B-tree index on (profession_code, latitude, longitude) of the places and a box around the point that
grows until its inscribed circle holds k professionals (or reaches R). Inside a box the database
orders the rows by a planar distance that never exceeds the great-circle one (east-west degrees scaled
by the cosine of the box's poleward edge) and returns only the first few; exact great-circle distances
are then computed on those, and the bound proves that no row left in the database is nearer than the
k-th answer (otherwise more rows are fetched). So the work is bounded by the answer size even where
thousands of professionals share one point (the RPPS extract locates them at their commune's centre).
Distances shown to users are great-circle distances on a sphere of 6,371.0088 km.
"""

import math
from dataclasses import dataclass, field

from django.db import connection

EARTH_KM = 6371.0088
KM_PER_DEG_LAT = math.pi * EARTH_KM / 180
MAX_RADIUS_KM = 200.0
PLACE = "directory_practiceplace"
PRO = "directory_professional"
POINT = "directory_geopoint"


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
    home_visits: bool = False
    members_of_cpts: int | None = None
    active_only: bool = True
    # Only these professionals (None: no such restriction). Passed in by a caller above the directory, e.g.
    # those with a free unscheduled slot soon (directory/pages.py): a few hundred ids at most, matched on the
    # covering index's professional column, after the box.
    professional_ids: frozenset[int] | None = None


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
        raise SearchError(
            "Coordonnées impossibles : la latitude doit être entre -90 et 90, la longitude entre -180 et 180."
        )
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
    if filters.home_visits:
        clauses.append("p.home_visits = %s")
        params.append(True)
        join = True
    if filters.professional_ids is not None:
        if filters.professional_ids:
            ids = sorted(int(i) for i in filters.professional_ids)
            clauses.append(f"{pro_id} IN ({', '.join(['%s'] * len(ids))})")
            params.extend(ids)
        else:
            clauses.append("1 = 0")
    if filters.members_of_cpts:
        clauses.append(
            f"{pro_id} IN (SELECT u.professional_id FROM accounts_user u "
            "JOIN cpts_membership m ON m.user_id = u.id WHERE m.cpts_id = %s AND m.active = %s "
            "AND u.professional_id IS NOT NULL)"
        )
        params.extend([filters.members_of_cpts, True])
    return (" AND " + " AND ".join(clauses)) if clauses else "", params, join


LB_SCALE = KM_PER_DEG_LAT * (1 - 1e-4)  # planar degrees → km, shrunk by a hair for the sphere's curvature


def _candidates(
    lat: float,
    lon: float,
    r_km: float,
    filters: Filters,
    limit: int | None = None,
    max_km: float | None = None,
    exclude: tuple[float, float] | None = None,
) -> list[tuple[int, int, float, float, float]]:
    """(place id, professional id, lat, lon, lower bound of the distance in km) for the places in the box,
    nearest first by that bound when ``limit`` is given (at most ``limit`` rows). ``max_km`` keeps rows
    whose bound is at most that; ``exclude`` leaves out one point (a cluster already seen)."""
    lat0, lat1, lon0, lon1 = _box(lat, lon, r_km)
    coslat = max(math.cos(math.radians(max(abs(lat0), abs(lat1)))), 0.01)  # the poleward edge: a lower bound
    extra, params, join = _filter_sql(filters)
    d2 = "(pl.latitude - %s) * (pl.latitude - %s) + (pl.longitude - %s) * (pl.longitude - %s) * %s"
    d2_args = [lat, lat, lon, lon, coslat * coslat]
    sql = (
        f"SELECT pl.id, pl.professional_id, pl.latitude, pl.longitude, {d2} AS d2 FROM {PLACE} pl "
        + (f"JOIN {PRO} p ON p.id = pl.professional_id " if join else "")
        + "WHERE pl.latitude BETWEEN %s AND %s AND pl.longitude BETWEEN %s AND %s"
        + extra
    )
    args = [*d2_args, lat0, lat1, lon0, lon1, *params]
    if max_km is not None:
        sql += f" AND {d2} <= %s"
        args += [*d2_args, (max_km / LB_SCALE) ** 2]
    if exclude is not None:
        sql += " AND NOT (pl.latitude = %s AND pl.longitude = %s)"
        args += list(exclude)
    if limit is not None:
        sql += " ORDER BY d2, pl.id LIMIT %s"
        args.append(int(limit))
    with connection.cursor() as cursor:
        cursor.execute(sql, args)
        rows = cursor.fetchall()
    return [(pid, pro, plat, plon, math.sqrt(max(d2, 0.0)) * LB_SCALE) for pid, pro, plat, plon, d2 in rows]


def _rank(rows, lat: float, lon: float, limit_km: float, per_professional: bool = True) -> list[Hit]:
    """Exact distances, within ``limit_km``, sorted; one hit per professional (their nearest place) or per
    place."""
    best: dict[int, Hit] = {}
    for place_id, pro_id, plat, plon, *_ in rows:
        d = haversine_km(lat, lon, plat, plon)
        if d <= limit_km:
            key = pro_id if per_professional else place_id
            hit = best.get(key)
            if hit is None or d < hit.distance_km or (d == hit.distance_km and place_id < hit.place_id):
                best[key] = Hit(place_id, pro_id, plat, plon, d)
    return sorted(best.values(), key=lambda h: (h.distance_km, h.professional_id, h.place_id))


NO_FILTERS = Filters()


def nearest(
    lat: float,
    lon: float,
    k: int,
    radius_km: float,
    filters: Filters = NO_FILTERS,
    start_km: float = 1.0,
    per_professional: bool = True,
) -> list[Hit]:
    """The ``k`` nearest professionals (each at their nearest place; or places) within ``radius_km``,
    exact."""
    check_point(lat, lon, radius_km)
    if filters == Filters(profession_code=filters.profession_code):
        # Points are few even in the full box (a few hundred communes at most): one round trip, not several.
        hits = _nearest_by_points(lat, lon, k, radius_km, filters, radius_km, per_professional)
        if hits is not None:
            return hits
    return _nearest_rows(lat, lon, k, radius_km, filters, start_km, per_professional)


def _points(
    lat: float, lon: float, r_km: float, filters: Filters, limit: int
) -> list[tuple[float, float, int, float]]:
    """Distinct located points of the box (``GeoPoint``) with how many active places each holds, nearest first
    by the lower bound: (lat, lon, count, bound km)."""
    lat0, lat1, lon0, lon1 = _box(lat, lon, r_km)
    coslat = max(math.cos(math.radians(max(abs(lat0), abs(lat1)))), 0.01)
    sql = (
        "SELECT g.latitude, g.longitude, g.places, "
        "(g.latitude - %s) * (g.latitude - %s) + (g.longitude - %s) * (g.longitude - %s) * %s AS d2 "
        f"FROM {POINT} g WHERE g.profession_code = %s AND g.latitude BETWEEN %s AND %s "
        "AND g.longitude BETWEEN %s AND %s ORDER BY d2, g.latitude, g.longitude LIMIT %s"
    )
    with connection.cursor() as cursor:
        cursor.execute(
            sql,
            [
                lat,
                lat,
                lon,
                lon,
                coslat * coslat,
                filters.profession_code or "*",
                lat0,
                lat1,
                lon0,
                lon1,
                int(limit),
            ],
        )
        rows = cursor.fetchall()
    return [(plat, plon, n, math.sqrt(max(d2, 0.0)) * LB_SCALE) for plat, plon, n, d2 in rows]


def _rows_at(
    lat: float,
    lon: float,
    nearer_km: float | None,
    last: tuple[float, float],
    last_limit: int,
    filters: Filters,
) -> list[tuple]:
    """In one query: the places nearer than ``nearer_km`` (a small box: the points before the last one hold
    fewer than k places), then at most ``last_limit`` places at the ``last`` point (they tie in distance,
    so which ones is irrelevant; the covering index's order makes the choice deterministic)."""
    extra, params, _ = _filter_sql(filters)
    select = f"SELECT pl.id, pl.professional_id, pl.latitude, pl.longitude FROM {PLACE} pl"
    sql = (
        f"SELECT * FROM ({select} WHERE pl.latitude = %s AND pl.longitude = %s{extra} "
        "ORDER BY pl.professional_id, pl.id LIMIT %s) AS last_point"
    )
    args = [*last, *params, int(last_limit)]
    if nearer_km is not None:
        lat0, lat1, lon0, lon1 = _box(lat, lon, nearer_km)
        coslat = max(math.cos(math.radians(max(abs(lat0), abs(lat1)))), 0.01)
        nearer = (
            f"{select} WHERE pl.latitude BETWEEN %s AND %s AND pl.longitude BETWEEN %s AND %s{extra} AND "
            "(pl.latitude - %s) * (pl.latitude - %s) + (pl.longitude - %s) * (pl.longitude - %s) * %s "
            "<= %s AND NOT (pl.latitude = %s AND pl.longitude = %s)"
        )
        sql = f"SELECT * FROM ({nearer}) AS nearer UNION ALL {sql}"
        args = [
            lat0,
            lat1,
            lon0,
            lon1,
            *params,
            lat,
            lat,
            lon,
            lon,
            coslat * coslat,
            (nearer_km / LB_SCALE) ** 2,
            *last,
        ] + args
    with connection.cursor() as cursor:
        cursor.execute(sql, args)
        return cursor.fetchall()


def _sorted_points_within(lat, lon, pts, reach) -> list[tuple]:
    """The points read from the box as ``(distance km, lat, lon, places)``, nearest first, keeping only those
    within ``reach`` (the circle inscribed in the box, within the radius asked)."""
    exact = sorted((haversine_km(lat, lon, plat, plon), plat, plon, n) for plat, plon, n, _ in pts)
    return [p for p in exact if p[0] <= reach]


def _kth_distance(exact, k) -> tuple[int, float | None]:
    """Walks the sorted points adding up their places: returns the places counted and the distance of the
    point where the count reaches k (None when the points hold fewer than k places)."""
    cumulative = 0
    for d, _, _, n in exact:
        cumulative += n
        if cumulative >= k:
            return cumulative, d
    return cumulative, None


def _box_may_hide_nearer(pts, limit, kth, reach) -> bool:
    """True when the box read was cut at ``limit`` points and nearer points may remain in it: the farthest
    point read (by the box order) is within reach and not beyond the k-th distance found."""
    if len(pts) != limit:
        return False
    frontier = pts[-1][3]
    if kth is not None and frontier > kth:
        return False
    return frontier <= reach


def _widened_radius(r, radius_km, k, cumulative) -> float:
    """The next search radius when fewer than k places were found: grown in proportion to the places
    missing (at least doubled), never beyond the radius asked."""
    factor = math.sqrt((k + 1) / max(cumulative, 1)) * 1.3 if cumulative else 4.0
    return min(radius_km, r * max(2.0, factor))


def _hits_at_points(lat, lon, k, chosen, reach, filters, per_professional) -> list[Hit]:
    """Reads every place of the nearer chosen points, then enough of the last point (its places tie in
    distance), and ranks them."""
    *before, last = chosen
    need = k - sum(p[3] for p in before)
    rows = _rows_at(
        lat,
        lon,
        last[0] if before else None,
        (last[1], last[2]),
        max(1, need) + (k if per_professional else 0),
        filters,
    )
    return _rank(rows, lat, lon, reach, per_professional)


def _nearest_by_points(lat, lon, k, radius_km, filters, start_km, per_professional) -> list[Hit] | None:
    """k-nearest over distinct located points (``GeoPoint``): places located at their commune's centre share
    points by thousands in cities, so working on points, then reading only the places needed, keeps the cost
    bounded by the answer. Returns None when a professional practising at two of the selected points makes
    the shortcut inexact (the caller then searches the places themselves)."""
    r = min(start_km, radius_km)
    limit = k + 10
    while True:
        reach = min(r, radius_km)
        pts = _points(lat, lon, r, filters, limit)
        exact = _sorted_points_within(lat, lon, pts, reach)
        cumulative, kth = _kth_distance(exact, k)
        if _box_may_hide_nearer(pts, limit, kth, reach):
            limit *= 4  # nearer points may remain in this box
            continue
        if kth is None and r < radius_km:
            r = _widened_radius(r, radius_km, k, cumulative)
            continue
        chosen = [p for p in exact if kth is None or p[0] <= kth]
        if not chosen:
            return []
        hits = _hits_at_points(lat, lon, k, chosen, reach, filters, per_professional)
        if per_professional and len(hits) < k and kth is not None:
            # A professional practising at two of the chosen points counts once: fewer than k professionals,
            # while farther points may hold more. The caller searches the places themselves.
            return None
        return hits[:k]


def _nearest_rows(lat, lon, k, radius_km, filters, start_km, per_professional) -> list[Hit]:
    """k-nearest over places, for searches with filters beyond the profession."""
    r = min(start_km, radius_km)
    limit = 2 * k + 10
    while True:
        reach = min(r, radius_km)  # the circle inscribed in the box, within the radius asked
        rows = _candidates(lat, lon, r, filters, limit)
        hits = _rank(rows, lat, lon, reach, per_professional)
        if len(rows) == limit:
            # Rows left in the database are at least the last row's lower bound away.
            frontier = rows[-1][4]
            if len(hits) >= k:
                kth = hits[k - 1]
                if frontier > kth.distance_km:
                    return hits[:k]
                if (rows[-1][2], rows[-1][3]) == (kth.latitude, kth.longitude):
                    # The k-th answer sits in a cluster of places sharing one point (a commune's centre):
                    # the rest of the cluster ties with it. Only other points whose bound is below the
                    # k-th distance could still come first: fetch those.
                    others = _candidates(
                        lat,
                        lon,
                        r,
                        filters,
                        limit,
                        max_km=kth.distance_km,
                        exclude=(kth.latitude, kth.longitude),
                    )
                    if len(others) < limit:
                        return _rank(rows + others, lat, lon, reach, per_professional)[:k]
            if frontier <= reach:
                limit *= 4  # nearer rows may remain in this box: fetch more of them
                continue
        if len(hits) >= k or r >= radius_km:
            return hits[:k]
        # Grow by the density seen so far (area ∝ r²), at least ×2, never beyond the radius.
        factor = math.sqrt((k + 1) / len(hits)) * 1.3 if hits else 4.0
        r = min(radius_km, r * max(2.0, factor))


def within(lat: float, lon: float, radius_km: float, filters: Filters = NO_FILTERS) -> list[Hit]:
    """Every professional within ``radius_km`` (nearest place each), sorted by distance: for paged pages."""
    check_point(lat, lon, radius_km)
    return _rank(_candidates(lat, lon, radius_km, filters), lat, lon, radius_km)


def by_name(filters: Filters, limit: int = 5000) -> list[int]:
    """Professionals matching the filters with no point given: ids sorted by name."""
    extra, params, _ = _filter_sql(Filters(**{**filters.__dict__, "active_only": False}), table="p")
    sql = (
        f"SELECT p.id FROM {PRO} p WHERE p.active = %s{extra} ORDER BY p.search_name, p.id LIMIT {int(limit)}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [True, *params])
        return [row[0] for row in cursor.fetchall()]


def place_summaries(place_ids: list[int]) -> dict[int, tuple[str, str, str, str]]:
    """For the hot JSON answer of ``nearest``: place id → (last name, first name, profession code, commune
    name), in one plain query (the ORM's compilation alone costs more than the search here)."""
    if not place_ids:
        return {}
    marks = ", ".join(["%s"] * len(place_ids))
    sql = (
        f"SELECT pl.id, p.last_name, p.first_name, p.profession_code, c.name FROM {PLACE} pl "
        f"JOIN {PRO} p ON p.id = pl.professional_id LEFT JOIN territory_commune c ON c.insee = pl.commune_id "
        f"WHERE pl.id IN ({marks})"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [int(i) for i in place_ids])
        return {row[0]: (row[1], row[2], row[3], row[4] or "") for row in cursor.fetchall()}


def format_km(distance_km: float) -> str:
    """'à 1,4 km', 'à 350 m'."""
    if distance_km < 1:
        return f"à {round(distance_km * 1000, -1):.0f} m"
    return f"à {distance_km:.1f} km".replace(".", ",")
