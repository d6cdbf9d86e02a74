"""Sources of docgen's own DOCX template (docgen/builder.py says how; ``make doc-templates`` writes it).

``test_letter.docx``: a letter from a CPTS with every construct an app's template uses (title, headings,
bold text, a table whose rows repeat, a bulleted list that repeats, a picture, right-aligned lines). It is
registered only by the tests (``docgen.test_letter``, docgen/tests/letter.py), as the proof of the chain
template -> DOCX -> PDF and as the example to copy."""

from docgen.builder import new_document, paragraph, table


def build_test_letter():
    doc = new_document("Lettre de la CPTS")
    paragraph(doc, "{{ cpts.nom }}", style="Title")
    paragraph(doc, "{{ cpts.adresse }}")
    paragraph(doc, "{{ destinataire.nom }}", align="right")
    paragraph(doc, "{{ destinataire.adresse }}", align="right")
    paragraph(doc, "Le {{ date }}", align="right")
    paragraph(doc, ("Objet : ", "b"), "{{ objet }}")
    paragraph(doc, "Madame, Monsieur,")
    paragraph(doc, "{{ introduction }}")
    paragraph(doc, "Territoire", style="Heading 1")
    paragraph(doc, "Le territoire compte {{ communes|length }} communes et {{ population }} habitants :")
    table(
        doc,
        ["Commune", "Code INSEE", "Population"],
        [
            ["{%tr for c in communes %}", "", ""],
            ["{{ c.nom }}", "{{ c.insee }}", "{{ c.population }}"],
            ["{%tr endfor %}", "", ""],
        ],
    )
    paragraph(doc, "Nos engagements", style="Heading 1")
    paragraph(doc, "{%p for e in engagements %}")
    paragraph(doc, "{{ e }}", style="List Bullet")
    paragraph(doc, "{%p endfor %}")
    paragraph(doc, "{%p if carte %}")
    paragraph(doc, "Carte du territoire", style="Heading 2")
    paragraph(doc, "{{ carte }}", align="center")
    paragraph(doc, "{%p endif %}")
    paragraph(doc, "Veuillez agréer, Madame, Monsieur, l'expression de nos salutations distinguées.")
    paragraph(doc, ("{{ signataire.nom }}", "b"), align="right")
    paragraph(doc, ("{{ signataire.fonction }}", "i"), align="right")
    return doc


TEMPLATES = {"test_letter.docx": build_test_letter}
