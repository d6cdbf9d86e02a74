"""Source of the healthplan app's DOCX template (docgen/builder.py says how; ``make doc-templates`` writes
it).

``projet_de_sante.docx``: the projet de santé in the order of lifecycle.md §4 (1. contexte, 2. diagnostic
territorial with its tables, maps and chart and the porteurs' commentary, 3. fiches-actions by ACI mission,
each with objectif, actions, pilote, partenaires, calendrier, indicateurs and moyens, then the table of
objectives, 4. gouvernance, coordination et numérique, 5. évaluation, 6. budget prévisionnel with the ACI
amounts of the tier, the planned expenses and the balance). Filled from ``healthplan.document.context``;
registered as ``healthplan.project`` (healthplan/apps.py) with ``document.SAMPLE``."""

from diagnostic import doc_chapter
from docgen.builder import new_document, paragraph, table


def _texts(doc, name: str, empty: str) -> None:
    paragraph(doc, f"{{%p for t in {name} %}}")
    paragraph(doc, "{{ t }}")
    paragraph(doc, "{%p endfor %}")
    paragraph(doc, f"{{%p if not {name} %}}")
    paragraph(doc, (empty, "i"))
    paragraph(doc, "{%p endif %}")


def _fiche_field(doc, label: str, name: str) -> None:
    paragraph(doc, (label, "b"))
    paragraph(doc, f"{{%p for t in f.{name} %}}")
    paragraph(doc, "{{ t }}")
    paragraph(doc, "{%p endfor %}")


def _diagnostic(doc) -> None:
    paragraph(doc, "2. Diagnostic territorial", style="Heading 1")
    paragraph(doc, "{%p if a_diagnostic %}")
    paragraph(doc, ("Calculé par OpenCPTS pour les communes du projet.", "i"))
    doc_chapter.write_body(doc)
    paragraph(doc, "{%p else %}")
    paragraph(doc, ("Ajoutez les communes du territoire au projet pour calculer le diagnostic.", "i"))
    paragraph(doc, "{%p endif %}")
    paragraph(doc, "Lecture du diagnostic par les porteurs", style="Heading 2")
    _texts(doc, "diagnostic_commentaire", "Pas encore rédigée.")


def _fiches(doc) -> None:
    paragraph(doc, "3. Fiches-actions par mission", style="Heading 1")
    paragraph(doc, "{%p for m in missions %}")
    paragraph(doc, "{{ m.libelle }}", style="Heading 2")
    paragraph(doc, "{%p for f in m.fiches %}")
    paragraph(doc, "Fiche-action : {{ f.titre }}", style="Heading 3")
    _fiche_field(doc, "Objectif", "objectif")
    _fiche_field(doc, "Actions", "actions")
    paragraph(doc, ("Pilote : ", "b"), "{{ f.pilote }}")
    _fiche_field(doc, "Partenaires", "partenaires")
    _fiche_field(doc, "Calendrier", "calendrier")
    paragraph(doc, ("Indicateurs", "b"))
    table(
        doc,
        ["Indicateur", "Unité", "Valeur actuelle", "Cible", "Source"],
        [
            ["{%tr for i in f.indicateurs %}", "", "", "", ""],
            [
                "{{ i.nom }} ({{ i.sens }})",
                "{{ i.unite }}",
                "{{ i.reference }}",
                "{{ i.cible }}",
                "{{ i.source }}",
            ],
            ["{%tr endfor %}", "", "", "", ""],
        ],
    )
    _fiche_field(doc, "Moyens", "moyens")
    paragraph(doc, "{%p endfor %}")
    paragraph(doc, "{%p endfor %}")
    paragraph(doc, "{%p if not missions %}")
    paragraph(doc, ("Aucune fiche-action pour l'instant.", "i"))
    paragraph(doc, "{%p endif %}")
    paragraph(doc, "Tableau des objectifs", style="Heading 2")
    paragraph(doc, "Ces indicateurs deviennent les objectifs du contrat ACI à sa signature.")
    table(
        doc,
        ["Mission", "Fiche-action", "Indicateur", "Valeur actuelle", "Cible"],
        [
            ["{%tr for o in objectifs %}", "", "", "", ""],
            [
                "{{ o.mission }}",
                "{{ o.fiche }}",
                "{{ o.nom }} ({{ o.unite }})",
                "{{ o.reference }}",
                "{{ o.cible }}",
            ],
            ["{%tr endfor %}", "", "", "", ""],
        ],
    )


def _budget(doc) -> None:
    paragraph(doc, "6. Budget prévisionnel", style="Heading 1")
    paragraph(doc, "{%p if budget.erreur %}")
    paragraph(doc, ("{{ budget.erreur }}", "i"))
    paragraph(doc, "{%p else %}")
    paragraph(
        doc,
        "Financement de l'ACI pour la {{ budget.taille }}, grille « {{ budget.grille }} », chaque indicateur "
        "atteint (les parts variables sont des maxima).",
    )
    table(
        doc,
        ["Ligne", "Année 1", "Années suivantes"],
        [
            ["{%tr for l in budget.lignes %}", "", ""],
            ["{{ l.libelle }}", "{{ l.annee1 }}", "{{ l.suivantes }}"],
            ["{%tr endfor %}", "", ""],
            ["Total des financements", "{{ budget.recettes_annee1 }}", "{{ budget.recettes_suivantes }}"],
        ],
    )
    paragraph(doc, "{%p endif %}")
    paragraph(doc, "Dépenses prévues chaque année", style="Heading 2")
    table(
        doc,
        ["Dépense", "Catégorie", "Montant annuel"],
        [
            ["{%tr for d in budget.depenses %}", "", ""],
            ["{{ d.libelle }}", "{{ d.categorie }}", "{{ d.montant }}"],
            ["{%tr endfor %}", "", ""],
            ["Total des dépenses", "", "{{ budget.total_depenses }}"],
        ],
    )
    paragraph(
        doc,
        ("Solde : ", "b"),
        "{{ budget.solde_annee1 }} la première année, {{ budget.solde_suivantes }} les années suivantes.",
    )
    _texts(doc, "budget_commentaire", "")


def build_project():
    doc = new_document("Projet de santé — CPTS")
    paragraph(doc, "{{ titre }}", style="Title")
    paragraph(doc, "Version du {{ date }}", align="right")
    paragraph(doc, "1. Contexte local et historique de coopération", style="Heading 1")
    _texts(doc, "contexte", "Pas encore rédigé.")
    _diagnostic(doc)
    _fiches(doc)
    paragraph(doc, "4. Gouvernance, coordination et numérique", style="Heading 1")
    _texts(doc, "gouvernance", "Pas encore rédigé.")
    paragraph(doc, "5. Évaluation", style="Heading 1")
    _texts(doc, "evaluation", "Pas encore rédigé.")
    _budget(doc)
    return doc


TEMPLATES = {"projet_de_sante.docx": build_project}
