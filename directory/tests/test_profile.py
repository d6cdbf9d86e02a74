"""The profile page refuses a malformed RPPS with the French message beside the field."""

import html

import pytest
from django.urls import reverse

from accounts.models import User
from directory.models import Professional
from tests.cast import login


@pytest.fixture
def profile_form(cast):
    return {
        "id_type": "8",
        "national_id": "10101010105",
        "civility": "DR",
        "last_name": "OUTSIDER",
        "first_name": "Otto",
        "profession": "TRE_G15|10",
        "specialty_code": "",
        "mssante": "",
        "phone": "",
    }


def _field_block(page: str, name: str) -> str:
    start = page.index(f'name="{name}"')
    return page[start : page.index("</div>", page.index("</div>", start) + 1)]


def test_profile_saves_a_valid_rpps(client, cast, profile_form):
    login(client, cast.outsider)

    response = client.post(reverse("directory:my_profile"), profile_form)

    assert response.status_code == 302
    assert User.objects.get(pk=cast.outsider.pk).professional.idnat == "810101010105"


@pytest.mark.parametrize(
    "bad, message",
    [
        ("10101010104", "Le numéro RPPS est invalide : sa clé de contrôle (Luhn) ne correspond pas."),
        ("1234", "Le numéro RPPS doit comporter exactement 11 chiffres."),
    ],
)
def test_profile_refuses_a_malformed_rpps_with_the_message_beside_the_field(
    client, cast, profile_form, bad, message
):
    login(client, cast.outsider)

    response = client.post(reverse("directory:my_profile"), {**profile_form, "national_id": bad})

    assert response.status_code == 400
    assert response.context["form"].errors["national_id"] == [message]
    page = html.unescape(response.content.decode())
    assert message in _field_block(page, "national_id")


def test_profile_with_a_malformed_rpps_saves_nothing(client, cast, profile_form):
    login(client, cast.outsider)
    before = Professional.objects.count()

    client.post(reverse("directory:my_profile"), {**profile_form, "national_id": "10101010104"})

    assert Professional.objects.count() == before
    assert User.objects.get(pk=cast.outsider.pk).professional is None


def test_profile_declares_home_visits_and_civility(client, cast, profile_form):
    login(client, cast.outsider)
    form = {
        **profile_form,
        "profession": "TRE_G15|60",
        "civility": "",
        "salutation": "MME",
        "home_visits": "true",
    }

    response = client.post(reverse("directory:my_profile"), form)

    assert response.status_code == 302
    pro = User.objects.get(pk=cast.outsider.pk).professional
    assert pro.home_visits is True and pro.salutation == "MME" and pro.profession_title == "Infirmière"
    client.post(reverse("directory:my_profile"), {**form, "home_visits": "false"})
    pro.refresh_from_db()
    assert pro.home_visits is False
    page = client.get(reverse("directory:my_profile")).content.decode()
    assert "Je me déplace à domicile" in page


def _extract_entry(**kw):
    return Professional.objects.create(
        id_type="8",
        national_id="10101010105",
        idnat="810101010105",
        last_name="LE GALL",
        first_name="Anne",
        civility="DR",
        profession_code="10",
        source="rpps",
        **kw,
    )


def test_a_declaration_under_another_name_cannot_take_an_rpps_entry(client, cast, profile_form):
    entry = _extract_entry()
    login(client, cast.outsider)

    response = client.post(reverse("directory:my_profile"), profile_form)  # typed: OUTSIDER Otto

    assert response.status_code == 400
    assert "ne correspond pas à celui que l" in html.unescape(response.content.decode())
    entry.refresh_from_db()
    assert (entry.last_name, entry.first_name) == ("LE GALL", "Anne")
    assert User.objects.get(pk=cast.outsider.pk).professional is None


def test_the_owner_of_an_rpps_entry_links_it_and_keeps_the_extract_identity(client, cast, profile_form):
    entry = _extract_entry()
    login(client, cast.outsider)
    typed = {**profile_form, "last_name": "Le Gall", "first_name": "Annie", "phone": "0479000000"}

    response = client.post(reverse("directory:my_profile"), typed)

    assert response.status_code == 302
    entry.refresh_from_db()
    assert User.objects.get(pk=cast.outsider.pk).professional == entry
    assert (entry.last_name, entry.first_name, entry.phone) == ("LE GALL", "Anne", "0479000000")


def test_the_holder_of_an_rpps_entry_cannot_rename_it_nor_renumber_it(client, cast, profile_form):
    entry = _extract_entry()
    cast.outsider.professional = entry
    cast.outsider.save(update_fields=["professional"])
    login(client, cast.outsider)

    renamed = client.post(
        reverse("directory:my_profile"),
        {**profile_form, "last_name": "IMPOSTEUR", "first_name": "Ivan", "profession": "TRE_G15|60"},
    )
    renumbered = client.post(
        reverse("directory:my_profile"),
        {**profile_form, "last_name": "LE GALL", "national_id": "10101010113"},
    )

    assert renamed.status_code == 400 and renumbered.status_code == 400
    entry.refresh_from_db()
    assert (entry.last_name, entry.first_name, entry.profession_code, entry.idnat) == (
        "LE GALL", "Anne", "10", "810101010105",
    )  # fmt: skip
