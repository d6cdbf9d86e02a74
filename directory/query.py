"""One directory query, shared by the search page, the JSON API and the FHIR layer: parse the user's
criteria, resolve the place ("Belley", "01300", "01034", "45.75, 4.85"), run the search, hydrate a page.
"""

import re
from dataclasses import dataclass, field

from directory import search
from directory.models import PracticePlace, Professional
from nomenclature.models import PROFESSION_SYSTEMS
from nomenclature.selectors import codes
from territory.models import Commune
from territory.text import normalize, search_key

DEFAULT_RADIUS_KM = 10.0
PAGE_SIZE = 20


@dataclass
class Criteria:
    name: str = ""
    profession: str = ""
    specialty: str = ""
    where: str = ""
    radius_km: float = DEFAULT_RADIUS_KM
    accepts_new_patients: bool = False
    snp: bool = False
    home_visits: bool = False
    # "24h" or "48h": only professionals with a free unscheduled slot that soon. The directory sits below
    # unscheduled: the caller (directory/pages.py, an interface module) finds them and passes their ids.
    free_within: str = ""
    members_only: bool = False
    page: int = 1


@dataclass
class Point:
    latitude: float
    longitude: float
    label: str


@dataclass
class Row:
    professional: Professional
    place: PracticePlace | None
    distance_km: float | None

    @property
    def distance_label(self) -> str:
        """'à 1,4 km'; a place located only at its commune's centre says so, rather than 'à 0 m'."""
        if self.distance_km is None:
            return ""
        if self.place is not None and self.place.geo_precision in ("commune", "postal_code"):
            if self.distance_km < 0.05:
                return (
                    f"dans la commune ({self.place.commune.name})" if self.place.commune_id else "sur place"
                )
            return f"{search.format_km(self.distance_km)} (centre de la commune)"
        return search.format_km(self.distance_km)


@dataclass
class Page:
    total: int
    rows: list[Row]
    page: int
    pages: int
    point: Point | None
    radius_km: float
    errors: dict[str, str] = field(default_factory=dict)


def resolve_point(where: str) -> Point:
    text = (where or "").strip()
    m = re.fullmatch(r"(-?\d{1,2}(?:[.,]\d+)?)\s*[,; ]\s*(-?\d{1,3}(?:[.,]\d+)?)", text)
    if m:
        lat, lon = (float(g.replace(",", ".")) for g in m.groups())
        if not (-90 <= lat <= 90 and -180 <= lon <= 180):
            raise search.SearchError(
                "Coordonnées impossibles : latitude entre -90 et 90, longitude entre -180 et 180."
            )
        return Point(lat, lon, f"{lat:.5f}, {lon:.5f}")
    commune = None
    address = re.search(r"\b(\d{5})\b", text) if not re.fullmatch(r"\d{5}", text) else None
    if address:
        # An address (« 12 rue de la République 01300 Belley »): located at its commune's centre, the only
        # geocoding held offline. The postal code, then the commune's name among the communes it serves.
        commune = _commune_of_address(address.group(1), text.replace(address.group(1), " "))
        if commune is not None:
            return Point(commune.latitude, commune.longitude, commune.name)
    if re.fullmatch(r"\d{5}", text):
        commune = (
            Commune.objects.filter(postal_codes__code=text, latitude__isnull=False)
            .order_by("-population")
            .first()
            or Commune.objects.filter(insee=text, latitude__isnull=False).first()
        )
    elif re.fullmatch(r"(2[AaBb]|\d{2})\d{3}", text):
        commune = Commune.objects.filter(insee=text.upper(), latitude__isnull=False).first()
    elif len(text) >= 2:
        norm = search_key(text)  # with or without the article: « Le Havre » or « Havre »
        commune = (
            Commune.objects.filter(search_name=norm, latitude__isnull=False).order_by("-population").first()
            or Commune.objects.filter(search_name__startswith=norm, latitude__isnull=False)
            .order_by("-population")
            .first()
        )
    if commune is None:
        raise search.SearchError(
            f"Lieu inconnu : « {text} ». Indiquez une commune, un code postal, un code INSEE "
            "ou des coordonnées « latitude, longitude »."
        )
    return Point(commune.latitude, commune.longitude, commune.name)


def _commune_of_address(postal_code: str, rest: str) -> Commune | None:
    """The commune of an address's postal code whose name the rest of the address holds (or the most populous
    one of that code when the name is not found)."""
    communes = list(
        Commune.objects.filter(postal_codes__code=postal_code, latitude__isnull=False).order_by("-population")
    )
    words = f" {normalize(rest)} "
    named = [c for c in communes if c.search_name and f" {c.search_name} " in words]
    if named:
        return max(named, key=lambda c: len(c.search_name))
    return communes[0] if communes else None


def check_codes(criteria: Criteria) -> dict[str, str]:
    errors = {}
    if criteria.profession and criteria.profession not in codes(PROFESSION_SYSTEMS):
        errors["profession"] = f"Profession inconnue : « {criteria.profession} »."
    if criteria.specialty and criteria.specialty not in codes(("TRE_R38",)):
        errors["specialty"] = f"Spécialité inconnue : « {criteria.specialty} »."
    return errors


def run(
    criteria: Criteria,
    *,
    cpts_id: int | None = None,
    page_size: int = PAGE_SIZE,
    professional_ids: frozenset[int] | None = None,
) -> Page:
    """The page of results; ``professional_ids`` restricts them to these professionals (the caller's
    ``free_within`` answer, say) when not None."""
    errors = check_codes(criteria)
    point = None
    if criteria.where:
        try:
            point = resolve_point(criteria.where)
        except search.SearchError as exc:
            errors["where"] = exc.message
    if not (0 < criteria.radius_km <= search.MAX_RADIUS_KM):
        errors["radius_km"] = (
            f"Rayon impossible : indiquez une distance entre 0 et {search.MAX_RADIUS_KM:.0f} km."
        )
    if errors:
        return Page(0, [], 1, 1, point, criteria.radius_km, errors)
    filters = search.Filters(
        profession_code=criteria.profession,
        specialty_code=criteria.specialty,
        name=normalize(criteria.name),
        accepts_new_patients=criteria.accepts_new_patients,
        snp=criteria.snp,
        home_visits=criteria.home_visits,
        members_of_cpts=cpts_id if criteria.members_only else None,
        professional_ids=frozenset(professional_ids) if professional_ids is not None else None,
    )
    if point is not None:
        hits = search.within(point.latitude, point.longitude, criteria.radius_km, filters)
        ids = [(h.professional_id, h.place_id, h.distance_km) for h in hits]
    else:
        ids = [(pid, None, None) for pid in search.by_name(filters)]
    total = len(ids)
    pages = max(1, -(-total // page_size))
    page = min(max(1, criteria.page), pages)
    window = ids[(page - 1) * page_size : page * page_size]
    return Page(total, hydrate(window), page, pages, point, criteria.radius_km)


def hydrate(window: list[tuple[int, int | None, float | None]]) -> list[Row]:
    pros = Professional.objects.in_bulk([pid for pid, _, _ in window])
    place_ids = [plid for _, plid, _ in window if plid]
    places = PracticePlace.objects.select_related("commune").in_bulk(place_ids)
    fallback = {}
    missing = [pid for pid, plid, _ in window if not plid]
    for place in PracticePlace.objects.filter(professional_id__in=missing, active=True).select_related(
        "commune"
    ):
        fallback.setdefault(place.professional_id, place)
    return [
        Row(pros[pid], places.get(plid) if plid else fallback.get(pid), d)
        for pid, plid, d in window
        if pid in pros
    ]


@dataclass
class MapGroup:
    """The results of a page located at one point (the RPPS places them at their commune's centre): one
    marker with their count on the map, opening the list of them."""

    latitude: float
    longitude: float
    label: str
    rows: list[Row] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.rows)


def group_by_point(rows: list[Row], digits: int = 5) -> list[MapGroup]:
    """The located rows grouped by their point rounded to ``digits`` decimals (about a metre), in the order
    of their first row (nearest first)."""
    groups: dict[tuple[float, float], MapGroup] = {}
    for row in rows:
        place = row.place
        if place is None or place.latitude is None or place.longitude is None:
            continue
        key = (round(place.latitude, digits), round(place.longitude, digits))
        group = groups.get(key)
        if group is None:
            label = place.commune.name if place.commune_id else ""
            group = groups[key] = MapGroup(place.latitude, place.longitude, label)
        group.rows.append(row)
    return list(groups.values())
