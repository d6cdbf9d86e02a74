"""Rules of a CPTS territory: its communes and no commune in two CPTS (its tier:
aci.tiers.territory_summary)."""

import json
import re
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import Q

from cpts.models import CPTS, TerritoryCommune
from cpts.scoping import scoped
from opencpts.errors import ActionError
from territory.models import EPCI, Commune
from territory.text import search_key


class TerritoryError(ActionError):
    """A refused change of territory; ``message`` is for the user (French). ``conflict``: the commune is held
    by another CPTS (or nothing could be added), which the API answers with 409; else 400."""


@dataclass
class SearchResult:
    communes: list[Commune]
    epcis: list[EPCI]


def search(query: str, limit: int = 20) -> SearchResult:
    """Communes by name, postal code or INSEE code; EPCI by name or SIREN."""
    q = (query or "").strip()
    if len(q) < 2:
        return SearchResult([], [])
    base = Commune.objects.select_related("departement", "epci", "territory_link__cpts")
    if re.fullmatch(r"\d{9}", q):
        return SearchResult([], list(EPCI.objects.filter(siren=q)))
    if re.fullmatch(r"(\d{2}|2[AaBb])\d{3}", q):
        communes = base.filter(Q(insee=q.upper()) | Q(postal_codes__code=q)).distinct()
        return SearchResult(list(communes.order_by("name")[:limit]), [])
    if re.fullmatch(r"\d{2,4}", q):
        communes = base.filter(postal_codes__code__startswith=q).distinct()
        return SearchResult(list(communes.order_by("name")[:limit]), [])
    norm = search_key(q)  # without a leading article: "Le Havre", "Havre" and "le havre" find Le Havre
    communes = base.filter(Q(search_name__startswith=norm) | Q(search_name__contains=f" {norm}"))
    communes = sorted(
        communes.order_by("-population")[:limit],
        key=lambda c: (not c.search_name.startswith(norm), -c.population),
    )
    epcis = EPCI.objects.filter(search_name__contains=norm).order_by("name")[:10]
    return SearchResult(communes, list(epcis))


def family(commune: Commune) -> list[str]:
    """A commune, its parent (for an arrondissement) and its arrondissements (for Paris/Lyon/Marseille)."""
    codes = {commune.insee}
    if commune.parent_id:
        codes.add(commune.parent_id)
    codes |= set(Commune.objects.filter(parent_id=commune.insee).values_list("insee", flat=True))
    return sorted(codes)


def _conflict_message(commune: Commune, other: TerritoryCommune) -> str:
    if other.commune_id == commune.insee:
        return (
            f"La commune {commune.name} ({commune.insee}) appartient déjà au territoire de la "
            f"{other.cpts.name}."
        )
    return (
        f"La commune {commune.name} ({commune.insee}) chevauche {other.commune.name} ({other.commune_id}), "
        f"qui appartient déjà au territoire de la {other.cpts.name}."
    )


@transaction.atomic
def add_communes(cpts: CPTS, communes: list[Commune], user) -> list[TerritoryCommune]:
    """Add communes, all or none. Refuses a commune (or its parent/arrondissement) held by any CPTS.

    Concurrency: the unique constraint on ``TerritoryCommune.commune`` makes the database refuse the
    second of two simultaneous inserts; the lock on the family root serialises Paris vs. Paris 13e.
    """
    if not communes:
        raise TerritoryError("Aucune commune à ajouter.", conflict=True)
    roots = sorted({c.parent_id or c.insee for c in communes})
    list(Commune.objects.select_for_update().filter(insee__in=roots).order_by("insee"))
    created = []
    for commune in communes:
        family_codes = family(commune)
        other = (
            TerritoryCommune.objects.select_related("cpts", "commune")
            .filter(commune_id__in=family_codes)
            .exclude(cpts=cpts, commune_id=commune.insee)
            .first()
        )
        if other is not None:
            raise TerritoryError(_conflict_message(commune, other), conflict=True)
        if scoped(TerritoryCommune, cpts).filter(commune=commune).exists():
            continue
        try:
            with transaction.atomic():
                created.append(TerritoryCommune.objects.create(cpts=cpts, commune=commune, added_by=user))
        except IntegrityError:
            other = TerritoryCommune.objects.select_related("cpts", "commune").filter(commune=commune).first()
            if other is None:
                raise
            raise TerritoryError(_conflict_message(commune, other), conflict=True) from None
    return created


def add_epci(cpts: CPTS, epci: EPCI, user) -> list[TerritoryCommune]:
    communes = list(Commune.objects.filter(epci=epci, kind="COM").order_by("insee"))
    if not communes:
        raise TerritoryError(f"L'EPCI {epci.name} n'a aucune commune connue.", conflict=True)
    already = set(
        scoped(TerritoryCommune, cpts).filter(commune__in=communes).values_list("commune_id", flat=True)
    )
    return (
        add_communes(cpts, [c for c in communes if c.insee not in already], user)
        if len(already) < len(communes)
        else []
    )


@transaction.atomic
def remove_commune(cpts: CPTS, insee: str) -> None:
    deleted = scoped(TerritoryCommune, cpts).filter(commune_id=insee)
    if not deleted.exists():
        raise TerritoryError(f"La commune {insee} ne fait pas partie du territoire.")
    for link in deleted:
        link.delete()


def resolve_commune(code: str) -> Commune:
    commune = Commune.objects.filter(insee=(code or "").strip().upper()).first()
    if commune is None:
        raise TerritoryError(
            f"Commune inconnue : « {code} ». Indiquez un code INSEE existant (5 caractères)."
        )
    return commune


def resolve_epci(siren: str) -> EPCI:
    epci = EPCI.objects.filter(siren=(siren or "").strip()).first()
    if epci is None:
        raise TerritoryError(
            f"EPCI inconnu : « {siren} ». Indiquez un numéro SIREN d'EPCI existant (9 chiffres)."
        )
    return epci


def geojson_text(cpts: CPTS) -> str:
    """The territory as GeoJSON text, embedding stored contours without re-parsing them."""
    parts = []

    for link in scoped(TerritoryCommune, cpts).select_related("commune").order_by("commune__name"):
        c = link.commune
        if not c.contour:
            continue
        props = json.dumps({"insee": c.insee, "name": c.name, "population": c.population}, ensure_ascii=False)
        parts.append(f'{{"type":"Feature","properties":{props},"geometry":{c.contour}}}')
    return '{"type":"FeatureCollection","features":[' + ",".join(parts) + "]}"
