"""The CPTS part of the demo: a synthetic RPPS extract of the territory imported into the directory, CPTS
Bugey Sud (stage ACI, its EPCI and two extra communes, a valid synthetic FINESS), its partner structures,
members, dues, bureau and pending requests, and a neighbouring CPTS (tenant isolation, the shared-territory
refusal and the CPTS switcher). Written through the cpts actions and territory rules, with one seeded random
generator: the same seed gives the same demo."""

import datetime as dt
import random
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.utils import timezone
from django.utils.text import slugify

from accounts.models import User
from cpts import actions
from cpts import territory as territory_rules
from cpts.models import CPTS, BureauPosition, Dues, Membership, MembershipRequest, PartnerStructure
from cpts.roles import Role
from demo.accounts import DOMAIN, create_accounts
from directory import generate, rpps_import
from directory.models import Professional, Structure
from territory.models import EPCI, Commune

BUGEY_SUD_EPCI = "200040350"  # CC Bugey Sud (41 communes)
EXTRA_CENTRES = ["01403", "01185"]  # Serrières-de-Briord, Plateau d'Hauteville (seed 002)
# The neighbouring demo CPTS (communes of Haut-Bugey Agglomération): Oyonnax, Nantua, Arbent,
# Montréal-la-Cluse.
HAUT_BUGEY_DEMO = ["01283", "01269", "01014", "01265"]
BELLEY = "01034"
FOUNDED = dt.date(2021, 6, 1)


def _finess_with_key(dep: str, rng) -> str:
    from stdnum import luhn

    body = dep + "9" + f"{rng.randrange(10**5):05d}"  # "9" marks synthetic establishments
    return body + luhn.calc_check_digit(body)


# The demo CPTS's FINESS (synthetic: "9" after the département, valid key) and a phone number of the range
# ARCEP reserves for fiction (04 65 71 xx xx).
DEMO_FINESS = _finess_with_key("01", random.Random("cpts-bugey-sud"))
DEMO_PHONE = "04 65 71 00 00"

DIRECTORY_SHARE = 1_200_000 / 68_950_000  # professionals per inhabitant in France (data.md)


def seed_directory(insee: list[str], rng_seed: int) -> int:
    """Write a synthetic RPPS extract for these communes (generate_rpps) and import it (import_rpps)."""
    population = sum(Commune.objects.filter(insee__in=insee).values_list("population", flat=True))
    count = max(50, round(population * DIRECTORY_SHARE))
    folder = Path(settings.VAR_DIR) / "demo"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "PS_LibreAcces_Personne_activite_202611240000_demo.txt"
    generate.write(path, count, seed=rng_seed, insee=insee)
    rpps_import.import_extract(path)
    return count


def seed_cpts(password: str, rng_seed: int) -> tuple[CPTS, dict[str, User], Commune]:
    """CPTS Bugey Sud and its neighbour, from the imported directory. Returns (the CPTS, the demo accounts by
    email local part, Belley). Each step draws from the same generator, in this order."""
    rng = random.Random(rng_seed)
    imported = list(
        Professional.objects.filter(
            source="rpps",
            active=True,
            places__commune_id__in=Commune.objects.filter(epci_id=BUGEY_SUD_EPCI).values("insee"),
        )
        .distinct()
        .order_by("idnat")
    )
    gps = [p for p in imported if p.profession_code == "10" and p.specialty_code == "SM54"]
    nurses = [p for p in imported if p.profession_code == "60"]
    bugey_epci = EPCI.objects.get(siren=BUGEY_SUD_EPCI)
    belley = Commune.objects.get(insee=BELLEY)
    users = create_accounts(password, rng, gps, nurses, belley)  # takes the demo accounts' GP and nurse
    cpts = _create_cpts(users, bugey_epci)
    hospital = _partners(cpts, rng, belley)
    _memberships(cpts, users, hospital)
    taken = {u.professional_id for u in users.values() if u.professional_id}
    candidates = [p for p in imported if p.pk not in taken]
    rng.shuffle(candidates)
    members = _members(cpts, candidates[:28])
    _declarations(gps + [u.professional for u in users.values() if u.professional_id], rng)
    _home_visits(imported, rng_seed)
    _dues(cpts, rng)
    _bureau(cpts, Membership.objects.get(cpts=cpts, user=users["bureau"]), members[0])
    _requests(cpts, candidates[28:31])
    _neighbour(users)
    return cpts, users, belley


def _create_cpts(users: dict[str, User], epci: EPCI) -> CPTS:
    cpts = actions.create_cpts(
        name="CPTS Bugey Sud",
        coordinator=users["coordination"],
        stage=CPTS.Stage.ACI,
        is_synthetic=True,
        email=f"contact@{DOMAIN}",
        address="Belley (Ain)",
        founded_on=FOUNDED,
        dues_amount=Decimal("30"),
        finess=DEMO_FINESS,
        phone=DEMO_PHONE,
    )
    territory_rules.add_epci(cpts, epci, users["admin"])
    territory_rules.add_communes(cpts, [Commune.objects.get(insee=c) for c in EXTRA_CENTRES], users["admin"])
    return cpts


def _partners(cpts: CPTS, rng, belley: Commune) -> Structure:
    """A hospital under a convention and an MSP, both synthetic. Returns the hospital."""
    hospital = Structure(
        name="Centre hospitalier de démonstration (synthétique)",
        kind=Structure.Kind.HOSPITAL,
        finess=_finess_with_key("01", rng),
        commune=belley,
        latitude=belley.latitude,
        longitude=belley.longitude,
        is_synthetic=True,
        address="Rue de l'Hôpital",
        postal_code="01300",
    )
    hospital.full_clean()
    hospital.save()
    PartnerStructure.objects.create(
        cpts=cpts, structure=hospital, agreement="Convention ville-hôpital (démonstration)"
    )
    msp = Structure(
        name="MSP de démonstration (synthétique)",
        kind=Structure.Kind.MSP,
        commune=belley,
        is_synthetic=True,
        postal_code="01300",
    )
    msp.save()
    PartnerStructure.objects.create(cpts=cpts, structure=msp)
    return hospital


def _memberships(cpts: CPTS, users: dict[str, User], hospital: Structure) -> None:
    """The demo accounts' roles in the CPTS (the coordinator's membership comes with the CPTS)."""
    for local, role in [("bureau", Role.BUREAU), ("medecin", Role.MEMBER), ("ars", Role.REFERENT)]:
        Membership.objects.create(
            cpts=cpts,
            user=users[local],
            role=role,
            organisation="ARS Auvergne-Rhône-Alpes" if role == Role.REFERENT else "",
        )
    Membership.objects.create(cpts=cpts, user=users["partenaire"], role=Role.PARTNER, structure=hospital)


def _members(cpts: CPTS, professionals: list[Professional]) -> list[Membership]:
    """31 professionals at signature (seed 002): 28 synthetic members + the demo accounts."""
    members = []
    for i, pro in enumerate(professionals):
        user = User.objects.create_user(
            f"pro{i + 1:02d}@{DOMAIN}",
            None,
            first_name=pro.first_name,
            last_name=pro.last_name.title(),
            is_synthetic=True,
            professional=pro,
        )
        members.append(Membership.objects.create(cpts=cpts, user=user, role=Role.MEMBER))
    return members


def _declarations(professionals: list[Professional], rng) -> None:
    """What GPs declare on the platform: some accept new patients, some take part in unscheduled care."""
    for pro in professionals:
        pro.accepts_new_patients = rng.random() < 0.35 if pro.profession_code == "10" else None
        pro.takes_part_in_snp = rng.random() < 0.5
        pro.save(update_fields=["accepts_new_patients", "takes_part_in_snp"])


def _home_visits(professionals: list[Professional], rng_seed: int) -> None:
    """What nurses and physiotherapists declare: most nurses and some physiotherapists visit patients at home
    (the directory's « Visites à domicile »), half of them with an MSSanté address. A generator of its own,
    so that the rest of the demo draws the same numbers as before."""
    rng = random.Random(f"{rng_seed}-home-visits")
    share = {"60": 0.7, "70": 0.3}
    for pro in professionals:
        if pro.profession_code not in share:
            continue
        pro.home_visits = rng.random() < share[pro.profession_code]
        fields = ["home_visits"]
        if pro.home_visits and not pro.mssante and rng.random() < 0.5:
            pro.mssante = f"{slugify(pro.first_name)}.{slugify(pro.last_name)}@demo.mssante.fr".replace(
                "-", "."
            )
            fields.append("mssante")
        pro.save(update_fields=fields)


def _dues(cpts: CPTS, rng) -> None:
    """This year's dues of the adhérents, about 70 % paid."""
    year = timezone.localdate().year
    for m in Membership.objects.filter(cpts=cpts, role__in=[Role.MEMBER, Role.BUREAU, Role.COORDINATOR]):
        Dues.objects.create(
            cpts=cpts,
            membership=m,
            year=year,
            amount=cpts.dues_amount,
            paid=rng.random() < 0.7,
            paid_on=timezone.localdate() if rng.random() < 0.7 else None,
        )
    Dues.objects.filter(cpts=cpts, paid=False).update(paid_on=None)
    Dues.objects.filter(cpts=cpts, paid=True, paid_on__isnull=True).update(paid_on=timezone.localdate())


def _bureau(cpts: CPTS, president: Membership, treasurer: Membership) -> None:
    BureauPosition.objects.create(
        cpts=cpts, membership=president, title=BureauPosition.Title.PRESIDENT, since=FOUNDED
    )
    BureauPosition.objects.create(
        cpts=cpts, membership=treasurer, title=BureauPosition.Title.TREASURER, since=FOUNDED
    )


def _requests(cpts: CPTS, professionals: list[Professional]) -> None:
    """Professionals who asked to join and wait for the bureau's answer."""
    for i, pro in enumerate(professionals):
        user = User.objects.create_user(
            f"candidat{i + 1}@{DOMAIN}",
            None,
            first_name=pro.first_name,
            last_name=pro.last_name.title(),
            is_synthetic=True,
            professional=pro,
        )
        MembershipRequest.objects.create(
            cpts=cpts, user=user, message="Je souhaite rejoindre la CPTS (démonstration)."
        )


def _neighbour(users: dict[str, User]) -> CPTS:
    """A neighbouring CPTS: shows tenant isolation, the shared-territory refusal and the CPTS switcher."""
    other = actions.create_cpts(
        name="CPTS Haut-Bugey (démonstration)",
        coordinator=users["coordination-haut-bugey"],
        stage=CPTS.Stage.PROJECT,
        is_synthetic=True,
    )
    territory_rules.add_communes(
        other, list(Commune.objects.filter(insee__in=HAUT_BUGEY_DEMO)), users["admin"]
    )
    Membership.objects.create(cpts=other, user=users["medecin"], role=Role.MEMBER)
    return other
