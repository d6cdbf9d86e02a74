"""« Modèles de documents » (/instance/modeles/): the instance administrator's pages, and only theirs."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from audit.models import AuditEntry
from docgen import registry
from docgen.models import MAX_BYTES, TemplateOverride
from docgen.tests import letter
from docgen.tests.helpers import letter_with
from tests.cast import login


@pytest.fixture(autouse=True)
def registered():
    yield letter.register()
    registry.unregister(letter.KEY)


def urls():
    key = {"key": letter.KEY}
    return {
        "list": reverse("docgen:list"),
        "template": reverse("docgen:template", kwargs=key),
        "download": reverse("docgen:download", kwargs=key),
        "default": reverse("docgen:download_default", kwargs=key),
        "reset": reverse("docgen:reset", kwargs=key),
    }


def upload(client, content: bytes, name: str = "lettre.docx", follow: bool = True):
    return client.post(urls()["template"], {"file": SimpleUploadedFile(name, content)}, follow=follow)


@pytest.mark.django_db
def test_only_the_instance_administrator_reaches_the_pages(client, cast):
    good = letter_with({"Madame, Monsieur,": "Bonjour,"})
    for url in urls().values():
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:login"))
    login(client, cast.coordinator)
    for url in urls().values():
        assert client.get(url).status_code == 403
    assert upload(client, good, follow=False).status_code == 403
    assert client.post(urls()["reset"]).status_code == 403
    assert not TemplateOverride.objects.exists()
    assert (
        'href="/instance/modeles/"'
        not in client.get(reverse("cpts:menu", args=[cast.cpts.slug])).content.decode()
    )

    login(client, cast.admin)
    assert f'href="{urls()["list"]}"' in client.get(reverse("cpts:list")).content.decode()  # instance menu
    assert client.get(reverse("docgen:template", kwargs={"key": "docgen.inconnu"})).status_code == 404


@pytest.mark.django_db
def test_a_refused_upload_says_why_on_the_page_and_stores_nothing(client, cast):
    login(client, cast.admin)
    page = upload(client, b"ceci n'est pas un docx", "faux.docx").content.decode()
    assert "n&#x27;est pas un document Word (.docx)" in page and 'role="alert"' in page

    page = upload(client, letter_with({"Madame, Monsieur,": "Le projet {{ projet.nom } est déposé."})).content
    assert "balise invalide : {{ projet.nom } (paragraphe 7 : « } » inattendu)" in page.decode()

    page = upload(client, letter.PATH.read_bytes() + b"\0" * MAX_BYTES).content.decode()
    assert "Le fichier pèse 2,0 Mo : un modèle pèse au plus 2,0 Mo." in page

    page = client.post(urls()["template"], {}).content.decode()  # no file chosen
    assert "Ce champ est obligatoire." in page
    assert not TemplateOverride.objects.exists()
    assert not AuditEntry.objects.filter(action__startswith="docgen.").exists()


@pytest.mark.django_db
def test_replace_download_and_go_back_to_the_default(client, cast):
    login(client, cast.admin)
    listing = client.get(urls()["list"]).content.decode()
    assert (
        "Lettre de la CPTS (essai)" in listing and letter.KEY in listing and "Modèle par défaut." in listing
    )
    page = client.get(urls()["template"]).content.decode()
    assert "Le modèle par défaut est utilisé." in page and "<code>communes[].insee</code>" in page
    assert "Revenir au modèle par défaut" not in page

    replacement = letter_with({"Madame, Monsieur,": "Bonjour,"})
    page = upload(client, replacement, "lettre-bonjour.docx").content.decode()
    assert "Le modèle « Lettre de la CPTS (essai) » est remplacé" in page
    assert "« lettre-bonjour.docx »" in page and "Revenir au modèle par défaut" in page
    assert "Remplacé</strong> le" in client.get(urls()["list"]).content.decode()
    assert "par Ada Admin" in client.get(urls()["list"]).content.decode()

    current = client.get(urls()["download"])
    assert current["Content-Type"].startswith("application/vnd.openxmlformats-officedocument")
    assert f'filename="{letter.KEY}.docx"' in current["Content-Disposition"]
    assert current.content == replacement
    assert client.get(urls()["default"]).content == letter.PATH.read_bytes()

    page = client.post(urls()["reset"], follow=True).content.decode()
    assert "Le modèle par défaut de « Lettre de la CPTS (essai) » est rétabli." in page
    assert client.get(urls()["download"]).content == letter.PATH.read_bytes()
    page = client.post(urls()["reset"], follow=True).content.decode()
    assert "rien à rétablir" in page

    actions = list(
        AuditEntry.objects.filter(action__startswith="docgen.").values_list("action", "actor_id", "chain")
    )
    assert actions == [
        ("docgen.template_uploaded", cast.admin.pk, 0),
        ("docgen.template_reset", cast.admin.pk, 0),
    ]
