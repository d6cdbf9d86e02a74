"""Demo data of the ARS and CPAM referents (oversight): a synthetic referent of the ARS Bretagne, designated
by the demo's instance administrator, who follows the « Pays Fouesnantais » project (demo/projects.py) and has
commented on its AMI. Written through projects/reviews.py, as the administrator and the referent would.
Idempotent."""

import datetime as dt
import secrets

from django.utils import timezone

from accounts import twofactor
from accounts.models import User
from demo.accounts import DOMAIN, DemoLogin
from demo.projects import NAME as PROJECT_NAME
from projects import reviews
from projects.models import Project, Referent

LOCAL = "ars-bretagne"
LABEL = "référent de l'ARS Bretagne (suivi des projets de CPTS, données synthétiques)"
COMMENTED_AT = dt.datetime(2026, 10, 20, 9, 15, tzinfo=dt.UTC)
COMMENT = (
    "Données de démonstration : merci pour votre expression d'intérêt. Avant notre rencontre, précisez les "
    "professionnels déjà engagés dans chaque commune et le rôle attendu du centre hospitalier de Cornouaille."
)


def _account(password: str) -> User:
    email = f"{LOCAL}@{DOMAIN}"
    user = User.objects.filter(email=email).first()
    if user is None:
        user = User.objects.create_user(
            email, password, first_name="Gwenaëlle", last_name="Morvan", is_synthetic=True
        )
        twofactor.enrol_with_key(user, secrets.token_hex(20))
    return user


def seed_oversight(password: str) -> Referent | None:
    """The referent and their comment, created once; None when already there or the project is missing."""
    project = Project.objects.filter(name=PROJECT_NAME, is_synthetic=True).first()
    admin = User.objects.filter(email=f"admin@{DOMAIN}", is_staff=True).first()
    if project is None or admin is None:
        return None
    user = _account(password)
    if Referent.objects.filter(user=user, active=True).exists():
        return None
    referent = reviews.grant_referent(admin, email=user.email, body="ARS", code="53")
    reviews.comment(user, project, "ami", COMMENT, now=min(COMMENTED_AT, timezone.now()))
    return referent


def logins() -> list[DemoLogin]:
    from django_otp.plugins.otp_totp.models import TOTPDevice

    email = f"{LOCAL}@{DOMAIN}"
    device = TOTPDevice.objects.filter(user__email=email, confirmed=True).first()
    return [DemoLogin(email, LABEL, twofactor.secret_b32(device))] if device is not None else []
