"""The demo CPTS of `make run`: CPTS Bugey Sud on its real communes, synthetic people, one account
per role. Idempotent: a second run finds everything in place and only prints the logins."""

import datetime as dt
import json
import random
import secrets
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from accounts import twofactor
from accounts.models import User
from cpts import actions
from cpts import territory as territory_rules
from cpts.models import CPTS, BureauPosition, Dues, Membership, MembershipRequest, PartnerStructure
from cpts.roles import Role
from directory.identifiers import rpps_with_key
from directory.models import PracticePlace, Professional, Structure
from directory.synthetic import person, pick_profession, synthetic_rpps
from territory.models import EPCI, Commune

DOMAIN = "demo.opencpts.test"
BUGEY_SUD_EPCI = "200040350"  # CC Bugey Sud (41 communes)
EXTRA_CENTRES = ["01403", "01185"]  # Serrières-de-Briord, Plateau d'Hauteville (seed 002)
HAUT_BUGEY_EPCI = "200042935"  # CA Haut-Bugey Agglomération: the neighbouring demo CPTS

ACCOUNTS = [
    # email local part, first name, last name, role, profession (system, code, specialty) or None
    ("admin", "Alice", "Admin", "instance_admin", None),
    ("coordination", "Claire", "Coordinatrice", Role.COORDINATOR, None),
    ("bureau", "Bruno", "Bureau", Role.BUREAU, ("TRE_G15", "60", "")),
    ("medecin", "Marc", "Médecin", Role.MEMBER, ("TRE_G15", "10", "SM54")),
    ("partenaire", "Paula", "Partenaire", Role.PARTNER, None),
    ("ars", "Raphaël", "Référent ARS", Role.REFERENT, None),
    ("coordination-haut-bugey", "Hugo", "Coordinateur", "other_coordinator", None),
]


@dataclass
class DemoLogin:
    email: str
    role: str
    totp_secret: str


def _credentials_file() -> Path:
    return Path(settings.VAR_DIR) / "demo_credentials.json"


def demo_password() -> str:
    """A random password generated on the first run, kept in var/ (never committed)."""
    path = _credentials_file()
    if path.exists():
        return json.loads(path.read_text())["password"]
    path.parent.mkdir(parents=True, exist_ok=True)
    password = "Demo-" + secrets.token_urlsafe(9) + "-7a"
    path.write_text(json.dumps({"password": password}))
    path.chmod(0o600)
    return password


def _professional(rng, system, code, specialty, first, last, commune):
    pro = Professional.objects.create(
        id_type="8", national_id=(rpps := synthetic_rpps(rng)), idnat=f"8{rpps}",
        civility="DR" if code in ("10", "40") else rng.choice(["M", "MME"]), last_name=last.upper(), first_name=first,
        profession_system=system, profession_code=code, specialty_code=specialty,
        mssante=f"{first}.{last}@demo.mssante.fr".lower().replace(" ", "").replace("é", "e").replace("è", "e")
        .replace("ë", "e").replace("ï", "i").replace("ç", "c"),
        phone=f"04 79 {rng.randrange(10, 99)} {rng.randrange(10, 99)} {rng.randrange(10, 99)}", is_synthetic=True,
    )
    place = PracticePlace(professional=pro, commune=commune, postal_code=commune.postal_codes.first().code,
                          address=f"{rng.randrange(1, 60)} rue de la République", is_primary=True,
                          label="Cabinet")
    place.locate()
    place.save()
    return pro


def _finess_with_key(dep: str, rng) -> str:
    from stdnum import luhn

    body = dep + "9" + f"{rng.randrange(10**5):05d}"  # "9" marks synthetic establishments
    return body + luhn.calc_check_digit(body)


@transaction.atomic
def seed(rng_seed: int = 2026) -> tuple[CPTS, list[DemoLogin], bool]:
    """Create the demo if absent. Returns (cpts, logins, created)."""
    password = demo_password()
    existing = CPTS.objects.filter(slug="cpts-bugey-sud").first()
    if existing is not None:
        return existing, _logins(), False
    rng = random.Random(rng_seed)
    users: dict[str, User] = {}
    bugey_epci = EPCI.objects.get(siren=BUGEY_SUD_EPCI)
    belley = Commune.objects.get(insee="01034")
    for local, first, last, role, profession in ACCOUNTS:
        user = User.objects.create_user(f"{local}@{DOMAIN}", password, first_name=first, last_name=last,
                                        is_synthetic=True, is_staff=role == "instance_admin")
        if profession:
            user.professional = _professional(rng, *profession, first, last, belley)
            user.save()
        twofactor.enrol_with_key(user, secrets.token_hex(20))
        users[local] = user

    cpts = actions.create_cpts(
        name="CPTS Bugey Sud", coordinator=users["coordination"], stage=CPTS.Stage.ACI, is_synthetic=True,
        email=f"contact@{DOMAIN}", address="Belley (Ain)", founded_on=dt.date(2021, 6, 1), dues_amount=Decimal("30"),
    )
    territory_rules.add_epci(cpts, bugey_epci, users["admin"])
    territory_rules.add_communes(cpts, [Commune.objects.get(insee=c) for c in EXTRA_CENTRES], users["admin"])

    hospital = Structure(name="Centre hospitalier de démonstration (synthétique)", kind=Structure.Kind.HOSPITAL,
                         finess=_finess_with_key("01", rng), commune=belley, latitude=belley.latitude,
                         longitude=belley.longitude, is_synthetic=True, address="Rue de l'Hôpital", postal_code="01300")
    hospital.full_clean()
    hospital.save()
    PartnerStructure.objects.create(cpts=cpts, structure=hospital, agreement="Convention ville-hôpital (démonstration)")
    msp = Structure(name="MSP de démonstration (synthétique)", kind=Structure.Kind.MSP, commune=belley,
                    is_synthetic=True, postal_code="01300")
    msp.save()
    PartnerStructure.objects.create(cpts=cpts, structure=msp)

    for local, role in [("bureau", Role.BUREAU), ("medecin", Role.MEMBER), ("ars", Role.REFERENT)]:
        Membership.objects.create(cpts=cpts, user=users[local], role=role,
                                  organisation="ARS Auvergne-Rhône-Alpes" if role == Role.REFERENT else "")
    Membership.objects.create(cpts=cpts, user=users["partenaire"], role=Role.PARTNER, structure=hospital)

    communes = list(Commune.objects.filter(territory_link__cpts=cpts, population__gt=0))
    weights = [c.population for c in communes]
    members = []
    for i in range(28):
        first, last = person(rng)
        system, code, specialty = pick_profession(rng)
        commune = rng.choices(communes, weights=weights)[0]
        pro = _professional(rng, system, code, specialty, first, last, commune)
        user = User.objects.create_user(f"pro{i + 1:02d}@{DOMAIN}", None, first_name=first, last_name=last,
                                        is_synthetic=True, professional=pro)
        members.append(Membership.objects.create(cpts=cpts, user=user, role=Role.MEMBER))
    year = timezone.localdate().year
    for m in Membership.objects.filter(cpts=cpts, role__in=[Role.MEMBER, Role.BUREAU, Role.COORDINATOR]):
        Dues.objects.create(cpts=cpts, membership=m, year=year, amount=cpts.dues_amount, paid=rng.random() < 0.7,
                            paid_on=timezone.localdate() if rng.random() < 0.7 else None)
    Dues.objects.filter(cpts=cpts, paid=False).update(paid_on=None)
    Dues.objects.filter(cpts=cpts, paid=True, paid_on__isnull=True).update(paid_on=timezone.localdate())
    bureau = Membership.objects.get(cpts=cpts, user=users["bureau"])
    BureauPosition.objects.create(cpts=cpts, membership=bureau, title=BureauPosition.Title.PRESIDENT, since=dt.date(2021, 6, 1))
    BureauPosition.objects.create(cpts=cpts, membership=members[0], title=BureauPosition.Title.TREASURER, since=dt.date(2021, 6, 1))

    for i in range(3):
        first, last = person(rng)
        system, code, specialty = pick_profession(rng)
        pro = _professional(rng, system, code, specialty, first, last, rng.choice(communes))
        user = User.objects.create_user(f"candidat{i + 1}@{DOMAIN}", None, first_name=first, last_name=last,
                                        is_synthetic=True, professional=pro)
        MembershipRequest.objects.create(cpts=cpts, user=user, message="Je souhaite rejoindre la CPTS (démonstration).")

    # A neighbouring CPTS: shows tenant isolation, the shared-territory refusal and the CPTS switcher.
    other = actions.create_cpts(name="CPTS Haut-Bugey (démonstration)", coordinator=users["coordination-haut-bugey"],
                                stage=CPTS.Stage.PROJECT, is_synthetic=True)
    haut_bugey = Commune.objects.filter(epci_id=HAUT_BUGEY_EPCI, kind="COM").exclude(insee__in=EXTRA_CENTRES)
    territory_rules.add_communes(other, list(haut_bugey.filter(insee__in=["01269", "01283", "01033", "01204"])), users["admin"])
    Membership.objects.create(cpts=other, user=users["medecin"], role=Role.MEMBER)
    return cpts, _logins(), True


def _logins() -> list[DemoLogin]:
    labels = {"admin": "administrateur de l'instance", "coordination": "coordinatrice (CPTS Bugey Sud)",
              "bureau": "membre du bureau", "medecin": "médecin généraliste adhérent (membre de 2 CPTS)",
              "partenaire": "personnel d'une structure partenaire (hôpital)", "ars": "référent ARS (lecture des rapports)",
              "coordination-haut-bugey": "coordinateur d'une autre CPTS (CPTS Haut-Bugey)"}
    from django_otp.plugins.otp_totp.models import TOTPDevice

    logins = []
    for local, *_ in ACCOUNTS:
        email = f"{local}@{DOMAIN}"
        device = TOTPDevice.objects.filter(user__email=email, confirmed=True).first()
        logins.append(DemoLogin(email, labels[local], twofactor.secret_b32(device) if device else ""))
    return logins
