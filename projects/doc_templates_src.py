"""Source of the projects app's DOCX template (docgen/builder.py says how; ``make doc-templates`` writes it).

``ami.docx``: the AMI form of seed 004 (ARS Bretagne, 2021), every field of lifecycle.md §2, filled from
``projects.dossiers.ami_context``: the addressee, the acteurs intéressés (table whose rows repeat), the
référents, the three objectives as check boxes, the contexte, the territoire de projet with the project's
communes, and the calendar. Registered as ``projects.ami`` (projects/apps.py) with ``dossiers.AMI_SAMPLE``.

``lettre.docx``: the lettre d'intention of seed 000 (URPS Auvergne-Rhône-Alpes), every item of lifecycle.md
§3, filled from ``projects.letter.letter_context``: the acteurs (table), the problématique, the existing ways
of working, the means envisaged, the objectives, the number of patients, the territory, the calendar, the
articulation with a PTA/DAC, the first elements of diagnostic with key figures, the partners, the orientations
per ACI mission, the signatories; then the diagnostic as a chapter (``diagnostic/chapter.py``) with its two
maps and its age chart (images ``map_gp_density``, ``map_share_65``, ``age_chart``). Registered as
``projects.letter`` with ``letter.LETTER_SAMPLE``."""

from diagnostic import doc_chapter
from docgen.builder import new_document, paragraph, table


def build_ami():
    doc = new_document("Appel à manifestation d'intérêt — CPTS")
    paragraph(doc, "{{ titre }}", style="Title")
    paragraph(doc, ("Projet : ", "b"), "{{ projet }}")
    paragraph(doc, "Destinataire : {{ destinataire }}", align="right")
    paragraph(doc, "Le {{ date }}", align="right")
    paragraph(doc, "{%p if note_region %}")
    paragraph(doc, ("{{ note_region }}", "i"))
    paragraph(doc, "{%p endif %}")
    paragraph(doc, "Professionnels / Structures", style="Heading 1")
    paragraph(doc, "Identification des acteurs intéressés par l'AMI", style="Heading 2")
    table(
        doc,
        ["Nom", "Profession", "Lieu d'exercice", "Exercice en MSP/ESP", "Remarque"],
        [
            ["{%tr for a in acteurs %}", "", "", "", ""],
            [
                "{{ a.nom }}",
                "{{ a.profession }}",
                "{{ a.lieu }}",
                "{{ a.msp_esp_label }}",
                "{{ a.remarque }}",
            ],
            ["{%tr endfor %}", "", "", "", ""],
        ],
    )
    paragraph(doc, "Identification du ou des référents", style="Heading 2")
    table(
        doc,
        ["Nom", "Fonction", "Adresse e-mail", "Téléphone"],
        [
            ["{%tr for r in referents %}", "", "", ""],
            ["{{ r.nom }}", "{{ r.fonction }}", "{{ r.email }}", "{{ r.telephone }}"],
            ["{%tr endfor %}", "", "", ""],
        ],
    )
    paragraph(doc, "Objectifs attendus", style="Heading 1")
    paragraph(doc, "{%p for o in objectifs %}")
    paragraph(doc, "{{ o.case }} {{ o.libelle }}")
    paragraph(doc, "{%p endfor %}")
    paragraph(doc, "Contexte", style="Heading 1")
    paragraph(doc, "{{ contexte }}")
    paragraph(doc, "Territoire de projet", style="Heading 1")
    paragraph(doc, "{{ territoire }}")
    paragraph(doc, "{%p if communes %}")
    paragraph(doc, "Communes du projet : {{ communes|length }}, {{ population }} ({{ millesime }}).")
    paragraph(doc, "{%p endif %}")
    paragraph(doc, "Calendrier", style="Heading 1")
    paragraph(doc, "Échéance souhaitée pour organiser un temps d'échange avec l'ARS : {{ rencontre }}")
    return doc


def _diagnostic_chapter(doc):
    paragraph(doc, "{%p if avec_diagnostic %}")
    paragraph(doc, "Annexe — {{ diagnostic.title }}", style="Heading 1")
    doc_chapter.write_body(doc)
    paragraph(doc, "{%p endif %}")


def _section(doc, title: str, value: str):
    paragraph(doc, title, style="Heading 1")
    paragraph(doc, value)


def build_letter():
    doc = new_document("Lettre d'intention — CPTS")
    paragraph(doc, "{{ titre }}", style="Title")
    paragraph(doc, ("Projet : ", "b"), "{{ projet }}")
    paragraph(doc, "Destinataire : {{ destinataire }}", align="right")
    paragraph(doc, "Le {{ date }}", align="right")
    paragraph(doc, "{%p if note_region %}")
    paragraph(doc, ("{{ note_region }}", "i"))
    paragraph(doc, "{%p endif %}")
    paragraph(doc, "Madame, Monsieur,")
    paragraph(
        doc,
        "Les professionnels de santé réunis dans le projet « {{ projet }} » vous font part de leur "
        "intention de constituer une communauté professionnelle territoriale de santé et vous présentent "
        "ci-dessous leur projet.",
    )
    paragraph(doc, "1. Acteurs impliqués dans la construction du projet", style="Heading 1")
    table(
        doc,
        ["Nom", "Qualité", "Lieu d'exercice", "Rôle dans le projet"],
        [
            ["{%tr for a in acteurs %}", "", "", ""],
            ["{{ a.nom }}", "{{ a.qualite }}", "{{ a.lieu }}", "{{ a.role }}"],
            ["{%tr endfor %}", "", "", ""],
        ],
    )
    _section(doc, "2. Problématique d'accès aux soins et de continuité des parcours", "{{ problematique }}")
    _section(doc, "3. Modalités de travail existantes entre les acteurs", "{{ modalites }}")
    _section(doc, "4. Moyens d'action envisagés", "{{ moyens }}")
    paragraph(doc, "5. Objectifs visés par le projet", style="Heading 1")
    paragraph(doc, ("Pour les patients du territoire : ", "b"), "{{ objectif_patients }}")
    paragraph(doc, ("Pour les acteurs impliqués : ", "b"), "{{ objectif_acteurs }}")
    _section(doc, "6. Nombre de patients concernés", "{{ patients }}")
    _section(doc, "7. Territoire d'action", "{{ territoire }}")
    paragraph(doc, "{%p if communes %}")
    paragraph(doc, "Communes du projet : {{ communes|length }}, {{ population }} ({{ millesime }}).")
    paragraph(doc, "{%p endif %}")
    paragraph(doc, "8. Calendrier", style="Heading 1")
    paragraph(doc, "Début de la phase de construction : {{ calendrier.construction }}", style="List Bullet")
    paragraph(doc, "Dépôt du projet de santé : {{ calendrier.depot }}", style="List Bullet")
    paragraph(doc, "Début de mise en œuvre : {{ calendrier.mise_en_oeuvre }}", style="List Bullet")
    paragraph(doc, "9. Articulation avec les autres projets du territoire", style="Heading 1")
    paragraph(doc, ("Existence d'une PTA ou d'un DAC : ", "b"), "{{ pta_dac }}")
    paragraph(doc, "{{ articulation }}")
    paragraph(doc, "10. Premiers éléments de diagnostic", style="Heading 1")
    paragraph(doc, "{{ elements_diagnostic }}")
    paragraph(doc, "{%p if chiffres_cles %}")
    table(
        doc,
        ["Indicateur", "Territoire", "Comparaison", "Source"],
        [
            ["{%tr for c in chiffres_cles %}", "", "", ""],
            ["{{ c.libelle }}", "{{ c.valeur }}", "{{ c.comparaison }}", "{{ c.source }}"],
            ["{%tr endfor %}", "", "", ""],
        ],
    )
    paragraph(doc, "{%p endif %}")
    paragraph(doc, "11. Partenaires", style="Heading 1")
    paragraph(doc, "Partenaires déjà associés", style="Heading 2")
    paragraph(doc, "{%p for p in partenaires_associes %}")
    paragraph(doc, "{{ p.nom }}{% if p.type %} ({{ p.type }}){% endif %}", style="List Bullet")
    paragraph(doc, "{%p endfor %}")
    paragraph(doc, "{%p if not partenaires_associes %}")
    paragraph(doc, "Aucun pour l'instant.")
    paragraph(doc, "{%p endif %}")
    paragraph(doc, "Partenaires à associer", style="Heading 2")
    paragraph(doc, "{%p for p in partenaires_a_associer %}")
    paragraph(doc, "{{ p.nom }}{% if p.type %} ({{ p.type }}){% endif %}", style="List Bullet")
    paragraph(doc, "{%p endfor %}")
    paragraph(doc, "{%p if not partenaires_a_associer %}")
    paragraph(doc, "Aucun pour l'instant.")
    paragraph(doc, "{%p endif %}")
    paragraph(doc, "12. Orientations par mission de l'ACI", style="Heading 1")
    table(
        doc,
        ["Mission", "Orientation envisagée"],
        [
            ["{%tr for o in orientations %}", ""],
            ["{{ o.mission }}", "{{ o.orientation }}"],
            ["{%tr endfor %}", ""],
        ],
    )
    paragraph(
        doc, "Nous vous prions d'agréer, Madame, Monsieur, l'expression de nos salutations distinguées."
    )
    paragraph(doc, "{%p for s in signataires %}")
    paragraph(doc, ("{{ s }}", "b"), align="right")
    paragraph(doc, "{%p endfor %}")
    _diagnostic_chapter(doc)
    return doc


TEMPLATES = {"ami.docx": build_ami, "lettre.docx": build_letter}
