"""The news feed of the demo CPTS (demo/seed.py): a pinned announcement from the coordination, a soirée RCP in
Belley with two comments, and an information. Idempotent: nothing is added once the CPTS has a post."""

import datetime as dt

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from cpts.models import CPTS
from cpts.scoping import scoped
from news import actions
from news.models import Post

BELLEY = "01034"


@transaction.atomic
def seed_news(cpts: CPTS, domain: str) -> bool:
    """Returns True when the posts were created, False when the feed already had some."""
    if scoped(Post, cpts).exists():
        return False
    users = {u.email.split("@")[0]: u for u in User.objects.filter(email__endswith="@" + domain)}
    coordination, gp, nurse = (users.get(k) for k in ("coordination", "medecin", "bureau"))
    if coordination is None:
        return False
    actions.publish_post(
        cpts,
        coordination,
        kind=Post.Kind.ANNOUNCEMENT,
        pinned=True,
        title="Bienvenue sur le fil d'actualités de la CPTS",
        body="Retrouvez ici les annonces de la coordination, les événements du territoire (soirées RCP, "
        "réunions plénières, formations) et les informations utiles à votre exercice.\n\n"
        "Rappel : ce fil est lu par tous les membres de la CPTS. N'y publiez jamais de donnée de patient ; "
        "pour un patient, utilisez son cercle de soins.\n\n"
        "Les informations de l'Assurance Maladie sur les CPTS : https://www.ameli.fr",
    )
    when = timezone.localdate() + dt.timedelta(days=21)
    rcp = actions.publish_post(
        cpts,
        coordination,
        kind=Post.Kind.EVENT,
        title="Soirée RCP : plaies chroniques et pied diabétique",
        body=(
            "Réunion de concertation pluriprofessionnelle ouverte à tous les adhérents : médecins, "
            "infirmiers, podologues, pharmaciens.\nPrésentation de cas anonymisés, puis échanges sur le "
            "parcours plaies du territoire.\n\nBuffet offert à partir de 19 h 30."
        ),
        event_date=when,
        event_time=dt.time(20, 0),
        place="Salle de conférence du centre hospitalier, rue de l'Hôpital",
        commune_insee=BELLEY,
    )
    if gp is not None:
        actions.add_comment(rcp, gp, "Je serai présent, avec deux internes du cabinet.")
    if nurse is not None:
        actions.add_comment(
            rcp, nurse, "Présente aussi. Pourra-t-on parler du matériel de pansement à domicile ?"
        )
    actions.publish_post(
        cpts,
        coordination,
        kind=Post.Kind.INFORMATION,
        title="Campagne de vaccination antigrippale",
        body=(
            "La campagne de vaccination contre la grippe saisonnière commence le mois prochain. Les "
            "pharmacies et cabinets infirmiers du territoire peuvent signaler leurs créneaux à la "
            "coordination."
        ),
    )
    return True
