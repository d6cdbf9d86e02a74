"""Source of the projects app's DOCX template (docgen/builder.py says how; ``make doc-templates`` writes it).

``ami.docx``: the AMI form of seed 004 (ARS Bretagne, 2021), every field of lifecycle.md §2, filled from
``projects.dossiers.ami_context``: the addressee, the acteurs intéressés (table whose rows repeat), the
référents, the three objectives as check boxes, the contexte, the territoire de projet with the project's
communes, and the calendar. Registered as ``projects.ami`` (projects/apps.py) with ``dossiers.AMI_SAMPLE``."""

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


TEMPLATES = {"ami.docx": build_ami}
