"""The diagnostic as written into a DOCX template (docgen/builder.py): the body of the chapter that the lettre
d'intention and the projet de santé both carry, filled from ``diagnostic/chapter.py:chapter_context`` (under
the name ``diagnostic``) and its three images (``diagnostic/chapter.py:IMAGES``). Each template writes its own
heading and condition around it."""

from docgen.builder import paragraph, table


def write_body(doc) -> None:
    """Highlights, population and age bands with the chart, offer of care, figures imported or typed in, the
    two maps, the notes (statistical secret, great-circle distances) and the sources with their vintage."""
    paragraph(doc, "{%p for h in diagnostic.highlights %}")
    paragraph(doc, "{{ h }}", style="List Bullet")
    paragraph(doc, "{%p endfor %}")
    paragraph(doc, "Population et structure par âge", style="Heading 2")
    table(
        doc,
        ["Territoire", "Population", "0 à 19 ans", "20 à 64 ans", "65 ans et plus"],
        [
            ["{%tr for a in diagnostic.areas %}", "", "", "", ""],
            [
                "{{ a.name }}",
                "{{ a.population }}",
                "{{ a.share_0_19 }}",
                "{{ a.share_20_64 }}",
                "{{ a.share_65_plus }}",
            ],
            ["{%tr endfor %}", "", "", "", ""],
        ],
    )
    paragraph(doc, "{{ diagnostic.images.age_chart }}", style="Caption")
    paragraph(doc, "{{ age_chart }}", align="center")
    paragraph(doc, "Offre de soins", style="Heading 2")
    table(
        doc,
        ["Profession", "Professionnels", "Pour 10 000 habitants"],
        [
            ["{%tr for p in diagnostic.professions %}", "", ""],
            ["{{ p.profession }}", "{{ p.count }}", "{{ p.per_10000 }}"],
            ["{%tr endfor %}", "", ""],
        ],
    )
    paragraph(doc, ("{{ diagnostic.secret_note }}", "i"))
    paragraph(doc, "{%p if diagnostic.typed or diagnostic.imported %}")
    paragraph(doc, "Indicateurs importés ou saisis", style="Heading 2")
    table(
        doc,
        ["Indicateur", "Territoire", "Provenance"],
        [
            ["{%tr for t in diagnostic.typed %}", "", ""],
            ["{{ t.indicator }}", "{{ t.territory }}", "{{ t.provenance }}"],
            ["{%tr endfor %}", "", ""],
            ["{%tr for f in diagnostic.imported %}", "", ""],
            ["{{ f.indicator }}", "{{ f.territory }} {{ f.unit }}", "{{ f.provenance }} ({{ f.coverage }})"],
            ["{%tr endfor %}", "", ""],
        ],
    )
    paragraph(doc, "{%p endif %}")
    paragraph(doc, "{{ diagnostic.images.map_gp_density }}", style="Caption")
    paragraph(doc, "{{ map_gp_density }}", align="center")
    paragraph(doc, "{{ diagnostic.images.map_share_65 }}", style="Caption")
    paragraph(doc, "{{ map_share_65 }}", align="center")
    paragraph(doc, ("{{ diagnostic.distance_note }}", "i"))
    paragraph(doc, "Sources et millésimes", style="Heading 2")
    paragraph(doc, "{%p for s in diagnostic.sources %}")
    paragraph(doc, "{{ s }}", style="List Bullet")
    paragraph(doc, "{%p endfor %}")
