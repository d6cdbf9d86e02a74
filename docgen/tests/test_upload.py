"""Uploading a replacement template (docgen/actions.py, docgen/validation.py): each bad file refused with its
French reason and nothing stored; a good one stored, audited, kept as history when replaced or reset."""

import pytest

from audit.log import INSTANCE_CHAIN
from audit.models import AuditEntry
from docgen import registry
from docgen.actions import reset_template, upload_template
from docgen.errors import TemplateError
from docgen.models import MAX_BYTES, TemplateOverride
from docgen.tests import letter
from docgen.tests.helpers import letter_with, with_content_type, zip_of
from docgen.validation import WORD_MACROS, WORD_MAIN, WORD_TEMPLATE
from opencpts.errors import ActionError


@pytest.fixture(autouse=True)
def registered():
    yield letter.register()
    registry.unregister(letter.KEY)


def refused(user, content: bytes) -> str:
    with pytest.raises(TemplateError) as raised:
        upload_template(user, letter.KEY, content, "modele.docx")
    assert not TemplateOverride.objects.exists()
    assert not AuditEntry.objects.filter(action__startswith="docgen.").exists()
    assert isinstance(raised.value, ActionError)
    return raised.value.message


@pytest.mark.django_db
def test_files_that_are_not_a_docx_are_refused_from_their_content(cast):
    assert refused(cast.admin, b"") == "Le fichier est vide."
    not_docx = (
        "Ce fichier n'est pas un document Word (.docx) : son contenu n'est pas celui d'un fichier DOCX."
    )
    assert refused(cast.admin, b"%PDF-1.7 un PDF renomme en .docx").startswith(not_docx)
    assert refused(cast.admin, zip_of({"notes.txt": "pas un document"})).startswith(not_docx)
    assert refused(cast.admin, zip_of({"[Content_Types].xml": "<Types><pas-fermé>"})).startswith(not_docx)

    docx = letter.PATH.read_bytes()
    spreadsheet = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
    assert "pas un document Word (tableur, présentation ?)" in refused(
        cast.admin, with_content_type(docx, WORD_MAIN, spreadsheet)
    )
    assert "contient des macros (.docm)" in refused(
        cast.admin, with_content_type(docx, WORD_MAIN, WORD_MACROS[0])
    )
    assert "est un modèle Word (.dotx)" in refused(
        cast.admin, with_content_type(docx, WORD_MAIN, WORD_TEMPLATE)
    )


@pytest.mark.django_db
def test_a_file_over_2_mo_is_refused(cast):
    message = refused(cast.admin, letter.PATH.read_bytes() + b"\0" * MAX_BYTES)
    assert message.startswith("Le fichier pèse 2,0 Mo : un modèle pèse au plus 2,0 Mo.")


@pytest.mark.django_db
def test_a_tag_that_does_not_parse_is_named_with_its_paragraph(cast):
    bad = letter_with({"Madame, Monsieur,": "Le projet {{ projet.nom } est déposé."})
    assert refused(cast.admin, bad) == (
        "Le modèle contient une balise invalide : {{ projet.nom } (paragraphe 7 : « } » inattendu)."
    )
    bad = letter_with({"Madame, Monsieur,": "Bonjour {{ cpts.nom }} et {% bonjour %}"})
    assert refused(cast.admin, bad) == (
        "Le modèle contient une balise invalide : {% bonjour %} (paragraphe 7 : balise inconnue « bonjour »)."
    )
    bad = letter_with({"Madame, Monsieur,": "Pour {{ destinataire.nom"})
    assert "{{ destinataire.nom (paragraphe 7 : balise non fermée)" in refused(cast.admin, bad)
    bad = letter_with({"Madame, Monsieur,": "{{ cpts nom }}"})
    assert "{{ cpts nom }} (paragraphe 7 : « }} » attendu, « nom » trouvé)" in refused(cast.admin, bad)


@pytest.mark.django_db
def test_a_block_never_closed_is_named(cast):
    bad = letter_with({"{%p endfor %}": "fin de la liste"})
    assert refused(cast.admin, bad) == (
        "Le modèle contient un bloc {% for %} jamais fermé : ajoutez {% endfor %} après."
    )
    bad = letter_with({"{%p endif %}": "{%p endfor %}"})
    assert "balise {% endfor %} inattendue : le bloc {% if %} ouvert avant" in refused(cast.admin, bad)


@pytest.mark.django_db
def test_variables_the_document_does_not_provide_are_listed_with_those_available(cast):
    bad = letter_with(
        {
            "Madame, Monsieur,": "{{ projet.nom }} pour {{ cpts.nom_complet }}",
            "{{ c.nom }}": "{{ c.nom_commune }}",
        }
    )
    message = refused(cast.admin, bad)
    assert message.startswith(
        "Le modèle utilise des variables que ce document ne fournit pas : communes[].nom_commune, "
        "cpts.nom_complet, projet. Variables disponibles : cpts.nom, cpts.adresse, destinataire.nom,"
    )
    assert message.endswith("signataire.nom, signataire.fonction, carte (image).")


@pytest.mark.django_db
def test_the_sandbox_keeps_python_out_of_reach(cast):
    bad = letter_with(
        {"Madame, Monsieur,": "{{ cpts.__class__.__mro__ }}{{ ''.__class__.__subclasses__() }}"}
    )
    message = refused(cast.admin, bad)
    assert message.startswith("Le modèle ")


@pytest.mark.django_db
def test_only_an_instance_administrator_uploads_or_resets(cast):
    good = letter_with({"Madame, Monsieur,": "Bonjour,"})
    with pytest.raises(TemplateError, match="Seul un administrateur de l'instance"):
        upload_template(cast.coordinator, letter.KEY, good)
    with pytest.raises(TemplateError, match="Seul un administrateur de l'instance"):
        reset_template(cast.coordinator, letter.KEY)
    with pytest.raises(
        TemplateError, match="Aucun modèle de document n'est enregistré sous la clé « docgen.x »"
    ):
        upload_template(cast.admin, "docgen.x", good)
    assert not TemplateOverride.objects.exists()


@pytest.mark.django_db
def test_upload_replace_and_reset_keep_the_history_and_are_audited(cast):
    first = letter_with({"Madame, Monsieur,": "Bonjour,"})
    second = letter_with({"Madame, Monsieur,": "Chère Madame, cher Monsieur,"})

    one = upload_template(cast.admin, letter.KEY, first, "bonjour.docx")
    two = upload_template(cast.admin, letter.KEY, second, "chere.docx")

    one.refresh_from_db()
    assert (one.active, one.ended_by, one.filename) == (False, cast.admin, "bonjour.docx")
    assert two.active and bytes(two.content) == second and two.size == len(second)
    assert two.sha256 == __import__("hashlib").sha256(second).hexdigest()
    uploads = AuditEntry.objects.filter(action="docgen.template_uploaded").order_by("seq")
    assert [(e.chain, e.object_id, e.details["key"]) for e in uploads] == [
        (INSTANCE_CHAIN, str(one.pk), letter.KEY),
        (INSTANCE_CHAIN, str(two.pk), letter.KEY),
    ]
    assert uploads[1].details["replaces"] == one.pk and uploads[1].details["sha256"] == two.sha256

    reset_template(cast.admin, letter.KEY)
    two.refresh_from_db()
    assert not two.active and two.ended_by == cast.admin
    assert not TemplateOverride.objects.filter(active=True).exists()
    (entry,) = AuditEntry.objects.filter(action="docgen.template_reset")
    assert (entry.chain, entry.object_id, entry.object_label) == (
        INSTANCE_CHAIN,
        str(two.pk),
        "Lettre de la CPTS (essai)",
    )
    with pytest.raises(TemplateError, match="déjà le modèle par défaut : rien à rétablir"):
        reset_template(cast.admin, letter.KEY)
    assert AuditEntry.objects.filter(action="docgen.template_reset").count() == 1
