"""A standing cast of users per role, on two CPTS, for tests (as Healthchecks' hc/test.py).

``make_cast()`` builds it in the current test database; ``login(client, user)`` logs a user in and
passes the second factor the real way (a TOTP code checked by django-otp).
"""

from dataclasses import dataclass

from django.urls import reverse
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import twofactor
from accounts.models import User
from cpts import actions
from cpts import territory as territory_rules
from cpts.models import CPTS, Membership
from cpts.roles import Role
from directory.models import Professional, Structure
from territory.models import Commune

PASSWORD = "Cast-Password-2026!"
TOTP_KEY = "3132333435363738393031323334353637383930"  # RFC 6238 test key, hex


@dataclass
class Cast:
    cpts: CPTS
    other: CPTS
    admin: User
    coordinator: User
    bureau: User
    member: User
    partner: User
    referent: User
    other_coordinator: User
    outsider: User  # an account with no membership anywhere
    guest: User | None = None  # an external professional invited by e-mail (role guest in cpts)

    def by_role(self) -> dict[str, User | None]:
        return {
            "instance_admin": self.admin,
            "coordinator": self.coordinator,
            "bureau": self.bureau,
            "member": self.member,
            "partner": self.partner,
            "referent": self.referent,
            "guest": self.guest,
            "other_coordinator": self.other_coordinator,
            "outsider": self.outsider,
            "anonymous": None,
        }


def totp_code(user: User, offset_steps: int = 0) -> str:
    device = TOTPDevice.objects.get(user=user, confirmed=True)
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = totp.time + offset_steps * device.step
    return f"{totp.token():0{device.digits}d}"


def make_user(email: str, *, staff: bool = False, with_totp: bool = True, **fields) -> User:
    user = User.objects.create_user(email, PASSWORD, is_staff=staff, **fields)
    if with_totp:
        twofactor.enrol_with_key(user, TOTP_KEY)
    return user


def make_cast() -> Cast:
    admin = make_user("admin@cast.test", staff=True, first_name="Ada", last_name="Admin")
    coordinator = make_user("coord@cast.test", first_name="Colette", last_name="Coord")
    bureau = make_user("bureau@cast.test", first_name="Basile", last_name="Bureau")
    member = make_user("member@cast.test", first_name="Marie", last_name="Membre")
    partner = make_user("partner@cast.test", first_name="Pablo", last_name="Partenaire")
    referent = make_user("referent@cast.test", first_name="Rita", last_name="Référente")
    other_coordinator = make_user("other@cast.test", first_name="Oscar", last_name="Other")
    outsider = make_user("outsider@cast.test", first_name="Otto", last_name="Outsider")
    guest = make_user("guest@cast.test", first_name="Gaëlle", last_name="Guest")
    member.professional = Professional.objects.create(
        id_type="8",
        national_id="10000000009",
        idnat="810000000009",
        last_name="MEMBRE",
        first_name="Marie",
        profession_code="10",
        specialty_code="SM54",
    )
    member.save()

    cpts = actions.create_cpts(name="CPTS Test Bugey", coordinator=coordinator)
    other = actions.create_cpts(name="CPTS Test Voisine", coordinator=other_coordinator)
    territory_rules.add_communes(cpts, [Commune.objects.get(insee="01034")], admin)  # Belley
    territory_rules.add_communes(other, [Commune.objects.get(insee="01004")], admin)  # Ambérieu-en-Bugey
    hospital = Structure.objects.create(name="CH Test", kind=Structure.Kind.HOSPITAL, finess="010780054")
    Membership.objects.create(cpts=cpts, user=bureau, role=Role.BUREAU)
    Membership.objects.create(cpts=cpts, user=member, role=Role.MEMBER)
    Membership.objects.create(cpts=cpts, user=partner, role=Role.PARTNER, structure=hospital)
    Membership.objects.create(cpts=cpts, user=referent, role=Role.REFERENT, organisation="ARS")
    Membership.objects.create(cpts=cpts, user=guest, role=Role.GUEST)
    return Cast(
        cpts, other, admin, coordinator, bureau, member, partner, referent, other_coordinator, outsider, guest
    )


def login(client, user: User) -> None:
    """Password then TOTP through the real login pages."""
    response = client.post(reverse("accounts:login"), {"email": user.email, "password": PASSWORD})
    assert response.status_code == 302, response.content[:500]
    if TOTPDevice.objects.filter(user=user, confirmed=True).exists():
        # A code is accepted once per 30 s step (replay protection): a test logging the same user in twice
        # within one step stands for a later step by forgetting the last step used.
        TOTPDevice.objects.filter(user=user).update(last_t=-1)
        response = client.post(reverse("accounts:otp_verify"), {"code": totp_code(user)})
        assert response.status_code == 302, response.content[:500]
