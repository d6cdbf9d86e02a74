"""The diagnostic's pages: a CPTS's diagnostic (full counts, public version) and the imported datasets."""

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from diagnostic.models import ImportedDataset
from diagnostic.tests.helpers import BELLEY, gp, professional
from tests.cast import login


def test_the_cpts_diagnostic_shows_full_counts_to_members(client, cast):
    gp(BELLEY)
    for _ in range(7):
        professional("60", BELLEY)
    login(client, cast.member)
    response = client.get(reverse("diagnostic:cpts", kwargs={"slug": cast.cpts.slug}))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Diagnostic territorial" in page
    assert 'data-choropleth="gp_density"' in page and 'id="share_65"' in page
    assert "à vol d&#x27;oiseau" in page or "à vol d'oiseau" in page
    assert "temps d&#x27;accès" in page or "temps d'accès" in page  # « pas un temps d'accès »
    assert "recensement 2021" in page and "Ain (01)" in page and "France" in page
    offer = page.split('data-testid="offer-table"')[1].split("</table>")[0]
    assert '<th scope="row">Médecin généraliste</th><td class="num">1</td>' in offer
    assert '<th scope="row">Infirmier</th><td class="num">7</td>' in offer
    assert "&lt; 6" not in offer


def test_the_public_version_hides_counts_under_six(client, cast):
    gp(BELLEY)
    login(client, cast.member)
    response = client.get(
        reverse("diagnostic:cpts", kwargs={"slug": cast.cpts.slug}), {"version": "publique"}
    )
    page = response.content.decode()
    offer = page.split('data-testid="offer-table"')[1].split("</table>")[0]
    assert '<th scope="row">Médecin généraliste</th><td class="num">&lt; 6</td>' in offer
    assert 'data-testid="secret-note"' in page


def _proven(user):
    """The account proved by a Pro Santé Connect login that it holds its directory entry (accounts/psc.py)."""
    user.external_idnat = user.professional.idnat
    user.save(update_fields=["external_idnat"])
    return user


def test_an_upload_with_errors_shows_the_line_report_and_imports_nothing(client, cast):
    login(client, _proven(cast.member))
    url = reverse("diagnostic:datasets")
    response = client.post(
        url,
        {
            "file": SimpleUploadedFile("apl.csv", "code;valeur\n01034;3,2\n99999;1\n".encode("cp1252")),
            "indicator": "APL",
            "source": "DREES",
            "vintage": "2023",
            "licence": "Licence Ouverte 2.0",
            "aggregation": "weighted",
        },
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "ligne 3 : code commune « 99999 » inconnu." in page
    assert "rien n&#x27;a été importé" in page or "rien n'a été importé" in page
    assert not ImportedDataset.objects.exists()


def test_an_upload_is_imported_and_shown_in_the_diagnostic(client, cast):
    login(client, _proven(cast.member))
    response = client.post(
        reverse("diagnostic:datasets"),
        {
            "file": SimpleUploadedFile("mt.csv", b"\xef\xbb\xbf01034;8,5\n"),
            "indicator": "Patients sans médecin traitant",
            "unit": "%",
            "source": "CNAM",
            "vintage": "2025",
            "licence": "Licence Ouverte 2.0",
            "aggregation": "weighted",
        },
        follow=True,
    )
    assert "importé : 1 commune (encodage UTF-8 avec BOM" in response.content.decode()
    page = client.get(reverse("diagnostic:cpts", kwargs={"slug": cast.cpts.slug})).content.decode()
    imported = page.split('data-testid="imported-table"')[1].split("</table>")[0]
    assert "importé : CNAM, millésime 2025, licence Licence Ouverte 2.0" in imported
    assert "8,5" in imported


def test_an_account_without_a_professional_record_may_not_import(client, cast):
    login(client, cast.coordinator)
    page = client.get(reverse("diagnostic:datasets")).content.decode()
    assert "réservé à l&#x27;administrateur" in page or "réservé à l'administrateur" in page
    response = client.post(
        reverse("diagnostic:datasets"),
        {
            "file": SimpleUploadedFile("mt.csv", b"01034;8\n"),
            "indicator": "X",
            "source": "Y",
            "vintage": "2025",
            "licence": "Z",
            "aggregation": "none",
        },
    )
    assert response.status_code == 200
    assert not ImportedDataset.objects.exists()
