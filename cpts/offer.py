"""The health offer of a CPTS's territory: professionals practising there, members or not, and the
membership rate by profession and by commune. Reused by pages, the API and (later) ACI indicators."""

from dataclasses import dataclass

from django.db.models import Exists, OuterRef

from accounts.models import User
from cpts.models import CPTS, Membership, TerritoryCommune
from cpts.scoping import scoped
from directory.models import PracticePlace
from nomenclature.selectors import display


@dataclass
class Rate:
    key: str
    label: str
    professionals: int
    members: int

    @property
    def rate(self) -> float:
        return self.members / self.professionals if self.professionals else 0.0


@dataclass
class MembershipRates:
    total: Rate
    by_profession: list[Rate]
    by_commune: list[Rate]


def offer_places(cpts: CPTS):
    """Active places of practice in the territory's communes."""
    communes = scoped(TerritoryCommune, cpts).values("commune_id")
    return PracticePlace.objects.filter(active=True, professional__active=True, commune_id__in=communes)


def membership_rates(cpts: CPTS) -> MembershipRates:
    member_users = scoped(Membership, cpts).adherents().values("user_id")
    is_member = Exists(User.objects.filter(pk__in=member_users, professional_id=OuterRef("professional_id")))
    rows = (
        offer_places(cpts)
        .annotate(member=is_member)
        .values_list(
            "professional_id",
            "professional__profession_system",
            "professional__profession_code",
            "commune_id",
            "commune__name",
            "member",
        )
    )
    pros: dict[int, tuple] = {}
    communes: dict[str, dict] = {}
    for pro_id, system, code, insee, commune_name, member in rows:
        pros.setdefault(pro_id, (system, code, member))
        c = communes.setdefault(insee, {"label": commune_name, "pros": set(), "members": set()})
        c["pros"].add(pro_id)
        if member:
            c["members"].add(pro_id)
    by_prof: dict[tuple, list[int]] = {}
    for system, code, member in pros.values():
        counts = by_prof.setdefault((system, code), [0, 0])
        counts[0] += 1
        counts[1] += 1 if member else 0
    by_profession = sorted(
        (Rate(code, display(system, code), n, m) for (system, code), (n, m) in by_prof.items()),
        key=lambda r: -r.professionals,
    )
    by_commune = sorted(
        (Rate(insee, c["label"], len(c["pros"]), len(c["members"])) for insee, c in communes.items()),
        key=lambda r: -r.professionals,
    )
    total = Rate("", "Total", len(pros), sum(1 for *_, m in pros.values() if m))
    return MembershipRates(total, by_profession, by_commune)
