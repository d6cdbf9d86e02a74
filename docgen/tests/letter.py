"""``docgen.test_letter``: docgen's own template (docgen/doc_templates/test_letter.docx), registered by the
tests only, with its sample context; the permission matrix uses it too."""

from pathlib import Path

from docgen import registry

KEY = "docgen.test_letter"
PATH = Path(__file__).resolve().parent.parent / "doc_templates" / "test_letter.docx"

SAMPLE = {
    "cpts": {"nom": "CPTS du Bugey Sud", "adresse": "12 rue de la République, 01300 Belley"},
    "destinataire": {
        "nom": "Agence régionale de santé Auvergne-Rhône-Alpes",
        "adresse": "241 rue Garibaldi, 69003 Lyon",
    },
    "date": "7 décembre 2026",
    "objet": "Lettre d'intention",
    "introduction": "Les professionnels de santé du Bugey Sud souhaitent constituer une CPTS.",
    "population": "32 000",
    "communes": [
        {"nom": "Belley", "insee": "01034", "population": "9 127"},
        {"nom": "Virignin", "insee": "01454", "population": "1 203"},
    ],
    "engagements": ["Accès à un médecin traitant", "Soins non programmés"],
    "signataire": {"nom": "Dr Claire Martin", "fonction": "Présidente"},
}


def register():
    return registry.register(
        KEY,
        "Lettre de la CPTS (essai)",
        PATH,
        SAMPLE,
        images=("carte",),
        description="Modèle d'essai de docgen : titre, tableau, liste, image.",
    )
