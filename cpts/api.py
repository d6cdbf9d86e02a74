"""JSON API of the cpts app: thin mapping onto cpts.scoping, cpts.territory and cpts.actions."""

import datetime as dt

from ninja import Router, Schema

from aci.tiers import territory_summary
from cpts import actions
from cpts import territory as territory_rules
from cpts.models import Membership, MembershipRequest, PartnerStructure, TerritoryCommune
from cpts.scoping import access_cpts, memberships_of, scoped
from cpts.stats import members_by_profession
from directory.models import Structure
from opencpts.intparams import DbId

router = Router(tags=["cpts"])


class CptsError(Schema):  # its own name: one schema per name in the OpenAPI document
    detail: str
    field: str | None = None


class CptsTierOut(Schema):
    number: int
    label: str
    grid: str


class CPTSOut(Schema):
    slug: str
    name: str
    stage: str
    role: str | None
    communes: int
    population: int
    tier: CptsTierOut | None


class TerritoryCommuneOut(Schema):
    insee: str
    name: str
    departement: str
    epci_siren: str | None
    population: int
    added_at: dt.datetime


class TerritoryOut(Schema):
    communes: list[TerritoryCommuneOut]
    population: int
    tier: CptsTierOut | None


class CommuneIn(Schema):
    insee: str


class EPCIIn(Schema):
    siren: str


class MemberOut(Schema):
    id: int
    first_name: str
    last_name: str
    role: str
    profession_code: str | None
    profession: str | None
    rpps: str | None
    joined_on: dt.date


class StructureOut(Schema):
    id: int
    name: str
    kind: str
    finess: str
    siret: str
    commune_insee: str | None


class StructureIn(Schema):
    name: str
    kind: str
    finess: str = ""
    siret: str = ""
    address: str = ""
    postal_code: str = ""
    commune_insee: str | None = None
    agreement: str = ""


class RequestOut(Schema):
    id: int
    user_email: str
    user_name: str
    status: str
    message: str
    created_at: dt.datetime
    reason: str


class RequestIn(Schema):
    message: str = ""


class AcceptIn(Schema):
    role: str = "member"


class RefuseIn(Schema):
    reason: str


def _tier(summary):
    return (
        {"number": summary.tier.number, "label": summary.tier.label, "grid": summary.tier.grid}
        if summary.tier
        else None
    )


def _cpts_out(access):
    s = territory_summary(access.cpts)
    return {
        "slug": access.cpts.slug,
        "name": access.cpts.name,
        "stage": access.cpts.stage,
        "role": access.role,
        "communes": s.communes,
        "population": s.population,
        "tier": _tier(s),
    }


@router.get("", response=list[CPTSOut], summary="Mes CPTS")
def list_cpts(request):
    return [_cpts_out(access_cpts(request.user, m.cpts.slug)) for m in memberships_of(request.user)]


@router.get("/{slug}", response=CPTSOut, summary="Une CPTS, sa population et sa taille ACI")
def get_cpts(request, slug: str):
    return _cpts_out(access_cpts(request.user, slug, "cpts.view_home"))


def _territory_out(access):
    links = scoped(TerritoryCommune, access.cpts).select_related("commune")
    s = territory_summary(access.cpts)
    return {
        "communes": [
            {
                "insee": link.commune.insee,
                "name": link.commune.name,
                "departement": link.commune.departement_id,
                "epci_siren": link.commune.epci_id,
                "population": link.commune.population,
                "added_at": link.added_at,
            }
            for link in links
        ],
        "population": s.population,
        "tier": _tier(s),
    }


@router.get(
    "/{slug}/territory", response=TerritoryOut, summary="Le territoire : communes, population, taille"
)
def get_territory(request, slug: str):
    return _territory_out(access_cpts(request.user, slug, "cpts.view_territory"))


@router.post(
    "/{slug}/territory/communes",
    response={200: TerritoryOut, 400: CptsError, 409: CptsError},
    summary="Ajouter une commune au territoire",
)
def add_commune(request, slug: str, payload: CommuneIn):
    access = access_cpts(request.user, slug, "cpts.edit_territory")
    commune = territory_rules.resolve_commune(payload.insee)  # unknown: 400
    territory_rules.add_communes(access.cpts, [commune], request.user)  # held by another CPTS: 409
    return 200, _territory_out(access)


@router.post(
    "/{slug}/territory/epci",
    response={200: TerritoryOut, 400: CptsError, 409: CptsError},
    summary="Ajouter toutes les communes d'un EPCI",
)
def add_epci(request, slug: str, payload: EPCIIn):
    access = access_cpts(request.user, slug, "cpts.edit_territory")
    epci = territory_rules.resolve_epci(payload.siren)  # unknown: 400
    territory_rules.add_epci(access.cpts, epci, request.user)  # a commune held by another CPTS: 409
    return 200, _territory_out(access)


@router.delete(
    "/{slug}/territory/communes/{insee}",
    response={200: TerritoryOut, 404: CptsError},
    summary="Retirer une commune du territoire",
)
def remove_commune(request, slug: str, insee: str):
    access = access_cpts(request.user, slug, "cpts.edit_territory")
    try:
        territory_rules.remove_commune(access.cpts, insee)
    except territory_rules.TerritoryError as exc:
        return 404, {"detail": exc.message}
    return 200, _territory_out(access)


def _member_out(m: Membership) -> dict:
    """A member as the API shows them: names, role, profession, RPPS (never an ADELI number)."""
    pro = m.user.professional
    return {
        "id": m.pk,
        "first_name": m.user.first_name,
        "last_name": m.user.last_name,
        "role": m.role,
        "profession_code": pro.profession_code if pro else None,
        "profession": pro.profession_label if pro else None,
        "rpps": pro.national_id if pro and pro.id_type == "8" else None,
        "joined_on": m.joined_on,
    }


@router.get("/{slug}/members", response=list[MemberOut], summary="Les adhérents")
def list_members(request, slug: str):
    access = access_cpts(request.user, slug, "cpts.view_members")
    members = scoped(Membership, access.cpts).filter(active=True).select_related("user__professional")
    return [_member_out(m) for m in members]


@router.get("/{slug}/members/by-profession", summary="Nombre d'adhérents par profession")
def members_stats(request, slug: str):
    access = access_cpts(request.user, slug, "cpts.view_members")
    return members_by_profession(access.cpts)


def _structure_out(s: Structure):
    return {
        "id": s.pk,
        "name": s.name,
        "kind": s.kind,
        "finess": s.finess,
        "siret": s.siret,
        "commune_insee": s.commune_id,
    }


@router.get("/{slug}/structures", response=list[StructureOut], summary="Les structures partenaires")
def list_structures(request, slug: str):
    access = access_cpts(request.user, slug, "cpts.view_structures")
    return [
        _structure_out(p.structure) for p in scoped(PartnerStructure, access.cpts).select_related("structure")
    ]


@router.post(
    "/{slug}/structures",
    response={201: StructureOut, 400: CptsError},
    summary="Ajouter une structure partenaire",
)
def add_structure(request, slug: str, payload: StructureIn):
    access = access_cpts(request.user, slug, "cpts.manage_structures")
    partner = actions.add_partner_structure(access.cpts, **payload.dict())
    return 201, _structure_out(partner.structure)


def _request_out(r: MembershipRequest):
    return {
        "id": r.pk,
        "user_email": r.user.email,
        "user_name": str(r.user),
        "status": r.status,
        "message": r.message,
        "created_at": r.created_at,
        "reason": r.reason,
    }


@router.get(
    "/{slug}/membership-requests", response=list[RequestOut], summary="Demandes d'adhésion (coordination)"
)
def list_requests(request, slug: str, status: str = "pending"):
    access = access_cpts(request.user, slug, "cpts.manage_membership")
    qs = scoped(MembershipRequest, access.cpts).select_related("user")
    if status != "all":
        qs = qs.filter(status=status)
    return [_request_out(r) for r in qs[:500]]


@router.post(
    "/{slug}/membership-requests",
    response={201: RequestOut, 400: CptsError, 404: CptsError},
    summary="Demander à adhérer (pour soi-même)",
)
def create_request(request, slug: str, payload: RequestIn):
    from cpts.models import CPTS

    cpts = CPTS.objects.filter(slug=slug).first()
    if cpts is None:
        return 404, {"detail": "CPTS inconnue."}
    req = actions.request_membership(cpts, request.user, payload.message)
    return 201, _request_out(req)


@router.post(
    "/{slug}/membership-requests/{request_id}/accept",
    response={200: MemberOut, 400: CptsError},
    summary="Accepter une demande",
)
def accept_request(request, slug: str, request_id: DbId, payload: AcceptIn):
    access = access_cpts(request.user, slug, "cpts.manage_membership")
    m = actions.accept_request(access.cpts, request_id, request.user, payload.role)
    return 200, _member_out(m)


@router.post(
    "/{slug}/membership-requests/{request_id}/refuse",
    response={200: RequestOut, 400: CptsError},
    summary="Refuser une demande (motif obligatoire)",
)
def refuse_request(request, slug: str, request_id: DbId, payload: RefuseIn):
    access = access_cpts(request.user, slug, "cpts.manage_membership")
    r = actions.refuse_request(access.cpts, request_id, request.user, payload.reason)
    return 200, _request_out(r)
