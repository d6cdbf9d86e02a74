"""JSON API of the directory: the same search as the page (directory/query.py), tenant-scoped."""

from typing import Literal

from django.http import JsonResponse
from ninja import Router, Schema

from cpts.offer import membership_rates
from cpts.scoping import access_cpts
from directory import pages, query
from directory.models import Professional
from opencpts.intparams import DbId, Page

router = Router(tags=["annuaire"])


class DirectoryError(Schema):  # its own name: one schema per name in the OpenAPI document
    detail: str
    errors: dict[str, str] = {}


class DirectoryPlaceOut(Schema):
    id: int
    address: str
    postal_code: str
    commune_insee: str | None
    commune: str | None
    structure_name: str
    phone: str
    latitude: float | None
    longitude: float | None
    geo_precision: str
    active: bool


class ResultOut(Schema):
    id: int
    idnat: str
    civility: str
    first_name: str
    last_name: str
    profession_code: str
    profession: str
    specialty_code: str
    specialty: str
    mssante: str
    accepts_new_patients: bool | None
    takes_part_in_snp: bool
    home_visits: bool | None = None
    salutation: str = ""
    profession_title: str = ""
    is_synthetic: bool
    place: DirectoryPlaceOut | None
    distance_km: float | None
    distance_label: str


class PointOut(Schema):
    latitude: float
    longitude: float
    label: str


class SearchOut(Schema):
    count: int
    page: int
    pages: int
    point: PointOut | None
    radius_km: float
    results: list[ResultOut]


class ProfessionalOut(ResultOut):
    active: bool
    places: list[DirectoryPlaceOut]


class RateOut(Schema):
    key: str
    label: str
    professionals: int
    members: int
    rate: float


class OfferOut(Schema):
    total: RateOut
    by_profession: list[RateOut]
    by_commune: list[RateOut]


def _place(p):
    if p is None:
        return None
    return {
        "id": p.pk,
        "address": p.address,
        "postal_code": p.postal_code,
        "commune_insee": p.commune_id,
        "commune": p.commune.name if p.commune_id else None,
        "structure_name": p.structure_name,
        "phone": p.phone,
        "latitude": p.latitude,
        "longitude": p.longitude,
        "geo_precision": p.geo_precision,
        "active": p.active,
    }


def _pro(pro: Professional, place=None, distance=None):
    return {
        "id": pro.pk,
        "idnat": pro.idnat,
        "civility": pro.civility,
        "first_name": pro.first_name,
        "last_name": pro.last_name,
        "profession_code": pro.profession_code,
        "profession": pro.profession_label,
        "specialty_code": pro.specialty_code,
        "specialty": pro.specialty_label,
        "mssante": pro.mssante,
        "accepts_new_patients": pro.accepts_new_patients,
        "takes_part_in_snp": pro.takes_part_in_snp,
        "home_visits": pro.home_visits,
        "salutation": pro.salutation,
        "profession_title": pro.profession_title,
        "is_synthetic": pro.is_synthetic,
        "place": _place(place),
        "distance_km": distance,
        "distance_label": query.search.format_km(distance) if distance is not None else "",
    }


@router.get(
    "/{slug}/directory/search",
    response={200: SearchOut, 400: DirectoryError},
    summary="Rechercher des professionnels (mêmes critères que la page Annuaire), triés par distance",
)
def search_directory(
    request,
    slug: str,
    name: str = "",
    profession: str = "",
    specialty: str = "",
    where: str = "",
    radius_km: float = query.DEFAULT_RADIUS_KM,
    accepts_new_patients: bool = False,
    snp: bool = False,
    members_only: bool = False,
    page: Page = 1,
    home_visits: bool = False,
    free_within: Literal["", "24h", "48h"] = "",
):
    access = access_cpts(request.user, slug, "cpts.search_directory")
    result = query.run(
        query.Criteria(
            home_visits=home_visits,
            free_within=free_within,
            name=name,
            profession=profession,
            specialty=specialty,
            where=where,
            radius_km=radius_km,
            accepts_new_patients=accepts_new_patients,
            snp=snp,
            members_only=members_only,
            page=page,
        ),
        cpts_id=access.cpts.pk,
        professional_ids=pages.free_slot_professionals(access.cpts, free_within),
    )
    if result.errors:
        return 400, {"detail": " ".join(result.errors.values()), "errors": result.errors}
    point = result.point.__dict__ if result.point else None
    return 200, {
        "count": result.total,
        "page": result.page,
        "pages": result.pages,
        "point": point,
        "radius_km": result.radius_km,
        "results": [_pro(r.professional, r.place, r.distance_km) for r in result.rows],
    }


@router.get(
    "/{slug}/directory/professionals/{professional_id}",
    response={200: ProfessionalOut, 404: DirectoryError},
    summary="Un professionnel, tous ses lieux d'exercice",
)
def get_professional(request, slug: str, professional_id: DbId):
    access_cpts(request.user, slug, "cpts.search_directory")
    pro = Professional.objects.filter(pk=professional_id).first()
    if pro is None:
        return 404, {"detail": "Professionnel introuvable."}
    places = list(pro.places.select_related("commune").order_by("-active", "pk"))
    data = _pro(pro, places[0] if places else None)
    data.update(active=pro.active, places=[_place(p) for p in places])
    return 200, data


@router.get("/{slug}/offer", response=OfferOut, summary="Offre de soins du territoire et taux d'adhésion")
def offer(request, slug: str):
    access = access_cpts(request.user, slug, "cpts.view_reports")
    rates = membership_rates(access.cpts)

    def out(r):
        return {
            "key": r.key,
            "label": r.label,
            "professionals": r.professionals,
            "members": r.members,
            "rate": r.rate,
        }

    return {
        "total": out(rates.total),
        "by_profession": [out(r) for r in rates.by_profession],
        "by_commune": [out(r) for r in rates.by_commune],
    }


class NearestOut(Schema):
    professional_id: int
    place_id: int
    last_name: str
    first_name: str
    profession_code: str
    commune: str | None
    latitude: float
    longitude: float
    distance_km: float


@router.get(
    "/{slug}/directory/nearest",
    response={200: list[NearestOut], 400: DirectoryError},
    summary="Les k professionnels les plus proches d'un point (profession, rayon), triés par distance",
)
def nearest(
    request, slug: str, lat: float, lon: float, profession: str = "", radius_km: float = 20.0, k: int = 20
):
    access_cpts(request.user, slug, "cpts.search_directory")
    if not (1 <= k <= 200):
        return 400, {"detail": "k doit être compris entre 1 et 200."}
    errors = query.check_codes(query.Criteria(profession=profession))
    if errors:
        return 400, {"detail": " ".join(errors.values()), "errors": errors}
    try:
        hits = query.search.nearest(lat, lon, k, radius_km, query.search.Filters(profession_code=profession))
    except query.search.SearchError as exc:
        return 400, {"detail": exc.message}
    rows = query.search.place_summaries([h.place_id for h in hits])
    # A hot path (unscheduled care, "who is near this patient"): the rows are built to the declared schema
    # here and sent as they are, without a second validation pass.
    return JsonResponse(
        [
            {
                "professional_id": h.professional_id,
                "place_id": h.place_id,
                "last_name": rows[h.place_id][0],
                "first_name": rows[h.place_id][1],
                "profession_code": rows[h.place_id][2],
                "commune": rows[h.place_id][3],
                "latitude": h.latitude,
                "longitude": h.longitude,
                "distance_km": round(h.distance_km, 4),
            }
            for h in hits
            if h.place_id in rows
        ],
        safe=False,
    )
