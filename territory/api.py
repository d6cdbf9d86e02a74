from ninja import Router, Schema

from cpts.territory import search

router = Router(tags=["communes"])


class CommuneOut(Schema):
    insee: str
    name: str
    departement: str
    epci_siren: str | None
    epci_name: str | None
    population: int
    postal_codes: list[str]
    latitude: float | None
    longitude: float | None
    cpts: str | None


class EPCIOut(Schema):
    siren: str
    name: str


class CommuneSearchOut(Schema):
    communes: list[CommuneOut]
    epcis: list[EPCIOut]


@router.get(
    "",
    response=CommuneSearchOut,
    summary="Rechercher des communes (nom, code postal, code INSEE) et des EPCI",
)
def search_communes(request, q: str):
    result = search(q)
    communes = []
    for c in result.communes:
        link = getattr(c, "territory_link", None)
        communes.append(
            CommuneOut(
                insee=c.insee,
                name=c.name,
                departement=c.departement_id,
                epci_siren=c.epci_id,
                epci_name=c.epci.name if c.epci_id else None,
                population=c.population,
                postal_codes=sorted({p.code for p in c.postal_codes.all()}),
                latitude=c.latitude,
                longitude=c.longitude,
                cpts=link.cpts.name if link else None,
            )
        )
    return {"communes": communes, "epcis": [{"siren": e.siren, "name": e.name} for e in result.epcis]}
