from functools import lru_cache

from nomenclature.models import PROFESSION_SYSTEMS, Concept


def profession_choices() -> list[tuple[str, str]]:
    """Choices ``"SYSTEM|code"`` for a profession select (TRE_G15 first)."""
    rows = Concept.objects.filter(system__in=PROFESSION_SYSTEMS).order_by("display")
    return [(f"{c.system}|{c.code}", c.display) for c in rows]


def specialty_choices() -> list[tuple[str, str]]:
    return [(c.code, c.display) for c in Concept.objects.filter(system="TRE_R38").order_by("display")]


@lru_cache(maxsize=4096)
def display(system: str, code: str) -> str:
    row = Concept.objects.filter(system=system, code=code).values_list("display", flat=True).first()
    return row or code


@lru_cache(maxsize=4)
def codes(systems: tuple[str, ...]) -> frozenset[str]:
    """The codes of these systems (reference data, cached per process: restart after editing them)."""
    return frozenset(Concept.objects.filter(system__in=systems).values_list("code", flat=True))
