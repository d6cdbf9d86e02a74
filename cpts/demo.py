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
from directory import generate, rpps_import
from directory.models import PracticePlace, Professional, Structure
from directory.synthetic import synthetic_rpps
from territory.models import EPCI, Commune

DOMAIN = "demo.opencpts.test"
BUGEY_SUD_EPCI = "200040350"  # CC Bugey Sud (41 communes)
EXTRA_CENTRES = ["01403", "01185"]  # Serrières-de-Briord, Plateau d'Hauteville (seed 002)
# The neighbouring demo CPTS (communes of Haut-Bugey Agglomération): Oyonnax, Nantua, Arbent,
# Montréal-la-Cluse.
HAUT_BUGEY_DEMO = ["01283", "01269", "01014", "01265"]

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


def seed(rng_seed: int = 2026) -> tuple[CPTS, list[DemoLogin], bool]:
    """Create the demo if absent. Returns (cpts, logins, created)."""
    password = demo_password()
    existing = CPTS.objects.filter(slug="cpts-bugey-sud").first()
    if existing is not None:
        _seed_news(existing)  # a demo created before the news feed gets its posts; no-op otherwise
        _seed_documents(existing)  # likewise for the documents of the care circles
        _seed_agenda(existing)  # and for the calendar
        _seed_unscheduled(existing)  # and for the unscheduled-care slots
        _seed_gpmatching(existing)  # and for the médecin traitant waiting list
        _seed_aci(existing)  # and for the ACI contract
        if not existing.finess:  # the SAS interface identifies the CPTS by its FINESS
            CPTS.objects.filter(pk=existing.pk).update(finess=DEMO_FINESS, phone=existing.phone or DEMO_PHONE)
        return existing, _logins(), False
    bugey = list(Commune.objects.filter(epci_id=BUGEY_SUD_EPCI, kind="COM").values_list("insee", flat=True))
    seed_directory(bugey + EXTRA_CENTRES + HAUT_BUGEY_DEMO, rng_seed)
    return _seed_cpts(password, rng_seed), _logins(), True


@transaction.atomic
def _seed_cpts(password: str, rng_seed: int) -> CPTS:
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
    users: dict[str, User] = {}
    bugey_epci = EPCI.objects.get(siren=BUGEY_SUD_EPCI)
    belley = Commune.objects.get(insee="01034")
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
                else _professional(rng, *profession, first, last, belley)
            )
            user.professional = pro
            user.first_name, user.last_name = pro.first_name, pro.last_name.title()
            user.save()
        twofactor.enrol_with_key(user, secrets.token_hex(20))
        users[local] = user

    cpts = actions.create_cpts(
        name="CPTS Bugey Sud",
        coordinator=users["coordination"],
        stage=CPTS.Stage.ACI,
        is_synthetic=True,
        email=f"contact@{DOMAIN}",
        address="Belley (Ain)",
        founded_on=dt.date(2021, 6, 1),
        dues_amount=Decimal("30"),
        finess=DEMO_FINESS,
        phone=DEMO_PHONE,
    )
    territory_rules.add_epci(cpts, bugey_epci, users["admin"])
    territory_rules.add_communes(cpts, [Commune.objects.get(insee=c) for c in EXTRA_CENTRES], users["admin"])

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

    for local, role in [("bureau", Role.BUREAU), ("medecin", Role.MEMBER), ("ars", Role.REFERENT)]:
        Membership.objects.create(
            cpts=cpts,
            user=users[local],
            role=role,
            organisation="ARS Auvergne-Rhône-Alpes" if role == Role.REFERENT else "",
        )
    Membership.objects.create(cpts=cpts, user=users["partenaire"], role=Role.PARTNER, structure=hospital)

    taken = {u.professional_id for u in users.values() if u.professional_id}
    candidates = [p for p in imported if p.pk not in taken]
    rng.shuffle(candidates)
    members = []
    # 31 professionals at signature (seed 002): 28 synthetic members + the demo accounts.
    for i, pro in enumerate(candidates[:28]):
        user = User.objects.create_user(
            f"pro{i + 1:02d}@{DOMAIN}",
            None,
            first_name=pro.first_name,
            last_name=pro.last_name.title(),
            is_synthetic=True,
            professional=pro,
        )
        members.append(Membership.objects.create(cpts=cpts, user=user, role=Role.MEMBER))
    # What GPs declare on the platform: some accept new patients, some take part in unscheduled care.
    for pro in gps + [u.professional for u in users.values() if u.professional_id]:
        pro.accepts_new_patients = rng.random() < 0.35 if pro.profession_code == "10" else None
        pro.takes_part_in_snp = rng.random() < 0.5
        pro.save(update_fields=["accepts_new_patients", "takes_part_in_snp"])
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
    bureau = Membership.objects.get(cpts=cpts, user=users["bureau"])
    founded = dt.date(2021, 6, 1)
    BureauPosition.objects.create(
        cpts=cpts, membership=bureau, title=BureauPosition.Title.PRESIDENT, since=founded
    )
    BureauPosition.objects.create(
        cpts=cpts, membership=members[0], title=BureauPosition.Title.TREASURER, since=founded
    )

    for i, pro in enumerate(candidates[28:31]):
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

    # A neighbouring CPTS: shows tenant isolation, the shared-territory refusal and the CPTS switcher.
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
    _seed_coordination(cpts, users, belley)
    _seed_documents(cpts)
    _seed_agenda(cpts)
    _seed_news(cpts)
    _seed_unscheduled(cpts)
    _seed_gpmatching(cpts)
    _seed_aci(cpts)
    return cpts


def _seed_coordination(cpts: CPTS, users: dict, belley: Commune) -> None:
    """A few care circles and a working group, with consent and messages (fictitious patients)."""
    from coordination import actions as coord
    from coordination.models import Consent, Relative

    gp, nurse, partner = users["medecin"], users["bureau"], users["partenaire"]
    today = timezone.localdate()
    patients = [
        ("LEMAIRE", "Odette", dt.date(1938, 4, 12), "F", "Retour à domicile après hospitalisation"),
        ("GIRAUD", "Henri", dt.date(1946, 9, 3), "M", "Diabète et plaie du pied"),
    ]
    for family, given, born, sex, topic in patients:
        patient = coord.create_patient(
            cpts,
            gp,
            family_name=family,
            given_names=given,
            birth_date=born,
            sex=sex,
            commune=belley,
            postal_code="01300",
            is_synthetic=True,
        )
        Relative.objects.create(
            cpts=cpts,
            patient=patient,
            kind=Relative.Kind.CAREGIVER,
            family_name=family,
            given_names="Claire",
            phone="06 00 00 00 00",
        )
        circle = coord.open_care_circle(cpts, gp, patient)
        for user in (nurse, partner):
            coord.invite(circle, gp, user)
            coord.answer_invitation(circle, user, accept=True)
        coord.record_consent(
            circle,
            gp,
            collected_on=today,
            method=Consent.Method.ORAL_WITNESS,
            witness="Claire (aidante)",
            scope="Partage des informations utiles à la prise en charge entre les membres du cercle de soins",
            expires_on=today.replace(year=today.year + 1),
        )
        subject = coord.post_message(circle, gp, f"{topic} : qui peut passer cette semaine ?", subject=topic)
        coord.post_message(circle, nurse, "Je passe jeudi matin pour les soins.", parent=subject)
    group = coord.create_working_group(
        cpts,
        users["coordination"],
        "Parcours personnes âgées fragiles",
        "Groupe de travail de la mission parcours (démonstration)",
    )
    coord.invite(group, users["coordination"], gp)
    coord.post_message(
        group,
        users["coordination"],
        "Première réunion le mois prochain : vos disponibilités ?",
        subject="Réunion de lancement",
    )


def _seed_documents(cpts: CPTS) -> None:
    """Synthetic PDFs in the care circles, including a signed paper consent's scan (documents/demo.py)."""
    from documents.demo import seed_documents

    gp = User.objects.filter(email=f"medecin@{DOMAIN}").first()
    if gp is not None:
        seed_documents(cpts, gp)


def _seed_agenda(cpts: CPTS) -> None:
    """Around today: a hospital discharge, home visits, an RCP meeting, a working-group meeting
    (agenda/demo.py)."""
    from agenda.demo import seed_agenda

    seed_agenda(cpts)


def _seed_unscheduled(cpts: CPTS) -> None:
    """Weekly unscheduled-care availabilities of three member professionals (unscheduled/demo.py)."""
    from unscheduled.demo import seed_unscheduled

    seed_unscheduled(cpts)


def _seed_gpmatching(cpts: CPTS) -> None:
    """The médecin traitant waiting list, GP capacities and past placements (gpmatching/demo.py)."""
    from gpmatching.demo import seed_gpmatching

    seed_gpmatching(cpts)


def _seed_aci(cpts: CPTS) -> None:
    """The ACI contract signed 20 months ago: missions, indicators, year 1 closed, schedule, payments, budget
    (aci/demo.py)."""
    from aci.demo import seed_aci

    seed_aci(cpts)


def _seed_news(cpts: CPTS) -> None:
    """A pinned announcement, a soirée RCP in Belley with comments, an information (news/demo.py)."""
    from news.demo import seed_news

    seed_news(cpts, DOMAIN)


def _logins() -> list[DemoLogin]:
    labels = {
        "admin": "administrateur de l'instance",
        "coordination": "coordinatrice (CPTS Bugey Sud)",
        "bureau": "membre du bureau",
        "medecin": "médecin généraliste adhérent (membre de 2 CPTS)",
        "partenaire": "personnel d'une structure partenaire (hôpital)",
        "ars": "référent ARS (lecture des rapports)",
        "coordination-haut-bugey": "coordinateur d'une autre CPTS (CPTS Haut-Bugey)",
    }
    from django_otp.plugins.otp_totp.models import TOTPDevice

    logins = []
    for local, *_ in ACCOUNTS:
        email = f"{local}@{DOMAIN}"
        device = TOTPDevice.objects.filter(user__email=email, confirmed=True).first()
        logins.append(DemoLogin(email, labels[local], twofactor.secret_b32(device) if device else ""))
    return logins
