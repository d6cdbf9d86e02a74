"""Roles and bureau titles are written without inclusive endings (« Coordinateur·rice »): a list of roles says
« Coordination », one person's role is said in her or his gender when the professional record tells it
(« Coordinatrice », « Présidente »), else with the wording that has none.
"""

import datetime as dt

from django.urls import reverse

from cpts.models import BureauPosition, Membership
from cpts.roles import Role, role_title
from directory.models import Professional
from opencpts.french import gendered
from tests.cast import login


def test_labels_of_roles_and_titles_have_no_inclusive_ending():
    labels = [label for _, label in Role.choices] + [label for _, label in BureauPosition.Title.choices]
    assert not [label for label in labels if "·" in label or "(e)" in label]
    assert Role.COORDINATOR.label == "Coordination"
    assert BureauPosition.Title.VICE_PRESIDENT.label == "Vice-présidence"


def test_a_role_said_of_one_person_follows_the_civility():
    assert role_title(Role.COORDINATOR, "MME") == "Coordinatrice"
    assert role_title(Role.COORDINATOR, "M") == "Coordinateur"
    assert role_title(Role.COORDINATOR, "DR") == "Coordination"  # DR does not say the gender
    assert role_title(Role.COORDINATOR, "") == "Coordination"
    assert role_title(Role.MEMBER, "MME") == "Professionnelle adhérente"
    assert role_title(Role.REFERENT, "MME") == "Référente institutionnelle (ARS / CPAM)"
    assert role_title(Role.BUREAU, "MME") == "Membre du bureau"
    assert gendered("Trésorier", "Trésorière", "mme", "Trésorerie") == "Trésorière"


def _woman_professional(user, national_id="10000000017"):
    user.professional = Professional.objects.create(
        id_type="8",
        national_id=national_id,
        idnat=f"8{national_id}",
        last_name=user.last_name.upper(),
        first_name=user.first_name,
        profession_code="10",
        civility="DR",
        salutation="MME",
    )
    user.save()


def test_members_page_and_bureau_say_each_persons_title(client, cast):
    _woman_professional(cast.coordinator)
    coordinator = Membership.objects.get(cpts=cast.cpts, user=cast.coordinator)
    bureau = Membership.objects.get(cpts=cast.cpts, user=cast.bureau)
    BureauPosition.objects.create(
        cpts=cast.cpts, membership=coordinator, title="president", since=dt.date(2026, 1, 1)
    )
    BureauPosition.objects.create(
        cpts=cast.cpts, membership=bureau, title="tresorier", since=dt.date(2026, 1, 1)
    )
    login(client, cast.coordinator)

    members = client.get(reverse("cpts:members", args=[cast.cpts.slug])).content.decode()
    assert "Coordinatrice" in members
    assert "Coordinateur·rice" not in members

    page = client.get(reverse("cpts:bureau", args=[cast.cpts.slug])).content.decode()
    assert "Présidente : Colette Coord" in page
    assert "Trésorerie : Basile Bureau" in page  # no professional record: the title without a gender
