"""The demo CPTS of `make run` (``seed_demo``): CPTS Bugey Sud on its real communes, synthetic people, one
account per role, then the data of each app (demo/<app>.py). Idempotent: a second run finds everything in
place, completes a demo created before an app had its demo data, and only prints the logins."""

from django.db import transaction

from accounts.models import User
from cpts.models import CPTS
from demo import aci, agenda, coordination, documents, gpmatching, news, privacy, projects, unscheduled
from demo import oversight as referents
from demo.accounts import DOMAIN, DemoLogin, demo_password, logins
from demo.cpts import (
    BUGEY_SUD_EPCI,
    DEMO_FINESS,
    DEMO_PHONE,
    EXTRA_CENTRES,
    HAUT_BUGEY_DEMO,
    seed_cpts,
    seed_directory,
)
from territory.models import Commune

__all__ = ["DOMAIN", "DemoLogin", "demo_password", "seed"]


def seed(rng_seed: int = 2026) -> tuple[CPTS, list[DemoLogin], bool]:
    """Create the demo if absent. Returns (cpts, logins, created)."""
    password = demo_password()
    existing = CPTS.objects.filter(slug="cpts-bugey-sud").first()
    if existing is not None:
        _complete(existing)
        if not existing.finess:  # the SAS interface identifies the CPTS by its FINESS
            CPTS.objects.filter(pk=existing.pk).update(finess=DEMO_FINESS, phone=existing.phone or DEMO_PHONE)
        projects.seed_project(password, rng_seed)
        referents.seed_oversight(password)  # the ARS Bretagne referent (demo/oversight.py)
        return existing, logins() + projects.logins() + referents.logins(), False
    bugey = list(Commune.objects.filter(epci_id=BUGEY_SUD_EPCI, kind="COM").values_list("insee", flat=True))
    seed_directory(bugey + EXTRA_CENTRES + HAUT_BUGEY_DEMO, rng_seed)
    cpts = _create(password, rng_seed)
    projects.seed_project(
        password, rng_seed
    )  # a projet de CPTS in Bretagne, beside the CPTS (demo/projects.py)
    referents.seed_oversight(password)  # the ARS Bretagne referent (demo/oversight.py)
    return cpts, logins() + projects.logins() + referents.logins(), True


@transaction.atomic
def _create(password: str, rng_seed: int) -> CPTS:
    cpts, users, belley = seed_cpts(password, rng_seed)
    coordination.seed_coordination(cpts, users, belley)
    _seed_documents(cpts)
    agenda.seed_agenda(cpts)
    news.seed_news(cpts, DOMAIN)
    unscheduled.seed_unscheduled(cpts)
    gpmatching.seed_gpmatching(cpts)
    aci.seed_aci(cpts)
    privacy.seed_privacy(cpts)
    return cpts


def _complete(cpts: CPTS) -> None:
    """A demo created before an app had its demo data gets it; each step is a no-op once its data is there."""
    news.seed_news(cpts, DOMAIN)
    _seed_documents(cpts)
    agenda.seed_agenda(cpts)
    unscheduled.seed_unscheduled(cpts)
    gpmatching.seed_gpmatching(cpts)
    aci.seed_aci(cpts)
    privacy.seed_privacy(cpts)


def _seed_documents(cpts: CPTS) -> None:
    """Synthetic PDFs in the care circles, posted by the demo GP."""
    gp = User.objects.filter(email=f"medecin@{DOMAIN}").first()
    if gp is not None:
        documents.seed_documents(cpts, gp)
