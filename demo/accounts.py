"""The demo accounts: one per role (instance admin, coordination, bureau, GP, partner staff, ARS referent,
the coordinator of the neighbouring CPTS), all synthetic, with a second factor enrolled and one random
password kept in var/ (never committed). The accounts of professionals are linked to their directory entry by
idNat."""

import json
import secrets
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

from accounts import twofactor
from accounts.models import User
from cpts.roles import Role
from directory.models import PracticePlace, Professional
from directory.synthetic import synthetic_rpps

DOMAIN = "demo.opencpts.test"

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
LABELS = {
    "admin": "administrateur de l'instance",
    "coordination": "coordinatrice (CPTS Bugey Sud)",
    "bureau": "membre du bureau",
    "medecin": "médecin généraliste adhérent (membre de 2 CPTS)",
    "partenaire": "personnel d'une structure partenaire (hôpital)",
    "ars": "référent ARS (lecture des rapports)",
    "coordination-haut-bugey": "coordinateur d'une autre CPTS (CPTS Haut-Bugey)",
}


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


def create_accounts(password: str, rng, gps: list, nurses: list, commune) -> dict[str, User]:
    """The accounts of ``ACCOUNTS`` by email local part. A professional account takes (and removes) a
    random imported GP or nurse from ``gps`` or ``nurses``, or gets a directory entry of its own when none
    is left."""
    users: dict[str, User] = {}
    for local, first, last, role, profession in ACCOUNTS:
        user = User.objects.create_user(
            f"{local}@{DOMAIN}",
            password,
            first_name=first,
            last_name=last,
            is_synthetic=True,
            is_staff=role == "instance_admin",
        )
        if profession:
            # The demo accounts of professionals are linked to their directory entry by idNat.
            pool = gps if profession[1] == "10" else nurses
            pro = (
                pool.pop(rng.randrange(len(pool)))
                if pool
                else _professional(rng, *profession, first, last, commune)
            )
            user.professional = pro
            user.first_name, user.last_name = pro.first_name, pro.last_name.title()
            user.save()
        twofactor.enrol_with_key(user, secrets.token_hex(20))
        users[local] = user
    return users


def _professional(rng, system, code, specialty, first, last, commune):
    pro = Professional.objects.create(
        id_type="8",
        national_id=(rpps := synthetic_rpps(rng)),
        idnat=f"8{rpps}",
        civility="DR" if code in ("10", "40") else rng.choice(["M", "MME"]),
        last_name=last.upper(),
        first_name=first,
        profession_system=system,
        profession_code=code,
        specialty_code=specialty,
        mssante=f"{first}.{last}@demo.mssante.fr".lower()
        .replace(" ", "")
        .replace("é", "e")
        .replace("è", "e")
        .replace("ë", "e")
        .replace("ï", "i")
        .replace("ç", "c"),
        phone=f"04 79 {rng.randrange(10, 99)} {rng.randrange(10, 99)} {rng.randrange(10, 99)}",
        is_synthetic=True,
    )
    place = PracticePlace(
        professional=pro,
        commune=commune,
        postal_code=commune.postal_codes.first().code,
        address=f"{rng.randrange(1, 60)} rue de la République",
        is_primary=True,
        label="Cabinet",
    )
    place.locate()
    place.save()
    return pro


def logins() -> list[DemoLogin]:
    """Each demo account with its role and its TOTP key, as ``seed_demo`` prints them."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    out = []
    for local, *_ in ACCOUNTS:
        email = f"{local}@{DOMAIN}"
        device = TOTPDevice.objects.filter(user__email=email, confirmed=True).first()
        out.append(DemoLogin(email, LABELS[local], twofactor.secret_b32(device) if device else ""))
    return out
