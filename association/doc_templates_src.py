"""Source of the association's DOCX templates (docgen/builder.py says how; ``make doc-templates`` writes
them), filled from ``association/documents.py`` (its ``*_context`` functions; ``SAMPLES`` for the names):

- ``statuts.docx``: the statuts of an association loi 1901 carrying a CPTS (lifecycle.md §5): dénomination,
  objet (L1434-12, ACI missions), siège, durée, territoire, membres and collèges, cotisation, perte de la
  qualité de membre (radiation after a hearing), AG ordinaire and extraordinaire, conseil d'administration,
  bureau, ressources, accounts approved by the AG and sent to the financeurs, règlement intérieur,
  dissolution, and the list of founding members;
- ``reglement.docx``: the règlement intérieur, its articles and the cotisations;
- ``convocation.docx``: the convocation to the AG constitutive with its agenda and its addressees;
- ``pv.docx``: the PV of the AG constitutive: attendance, vote on the statuts, conseil d'administration and
  bureau elected, resolutions, signatures.
"""

from docgen.builder import new_document, paragraph, table


def _article(doc, title: str, *texts: str):
    paragraph(doc, title, style="Heading 2")
    for text in texts:
        paragraph(doc, text)


def _lines(doc, name: str, item: str = "{{ x }}", var: str = "x"):
    paragraph(doc, f"{{%p for {var} in {name} %}}")
    paragraph(doc, item, style="List Bullet")
    paragraph(doc, "{%p endfor %}")


def _colleges_table(doc):
    table(
        doc,
        ["Collège", "Membres", "Vote", "Sièges au CA", "Cotisation annuelle"],
        [
            ["{%tr for c in colleges %}", "", "", "", ""],
            ["{{ c.nom }}", "{{ c.membres }}", "{{ c.vote }}", "{{ c.sieges }}", "{{ c.cotisation }}"],
            ["{%tr endfor %}", "", "", "", ""],
        ],
    )


def _founders_table(doc, name: str = "fondateurs", last: str = "Signature"):
    table(
        doc,
        ["Nom", "Profession ou qualité", "Collège", "Adresse", last],
        [
            [f"{{%tr for f in {name} %}}", "", "", "", ""],
            ["{{ f.nom }}", "{{ f.profession }}", "{{ f.college }}", "{{ f.adresse }}", ""],
            ["{%tr endfor %}", "", "", "", ""],
        ],
    )


def build_statuts():
    doc = new_document("Statuts de l'association")
    paragraph(doc, "Statuts", style="Title")
    paragraph(doc, ("{{ denomination }}", "b"), align="center")
    paragraph(doc, "« {{ sigle }} »", align="center")
    paragraph(
        doc, "Association régie par la loi du 1er juillet 1901 et le décret du 16 août 1901", align="center"
    )
    _article(
        doc,
        "Article 1 — Dénomination",
        "Il est fondé entre les adhérents aux présents statuts une association régie par la loi du 1er "
        "juillet 1901 et le décret du 16 août 1901, ayant pour dénomination « {{ denomination }} » et pour "
        "sigle « {{ sigle }} ». Elle constitue une communauté professionnelle territoriale de santé au sens "
        "de l'article L. 1434-12 du code de la santé publique.",
    )
    paragraph(doc, "Article 2 — Objet", style="Heading 2")
    paragraph(doc, "{%p for x in objet %}")
    paragraph(doc, "{{ x }}")
    paragraph(doc, "{%p endfor %}")
    _article(
        doc,
        "Article 3 — Siège social",
        "Le siège social est fixé : {{ siege }}. Il peut être transféré sur le territoire par décision du "
        "conseil d'administration, ratifiée par l'assemblée générale suivante.",
    )
    _article(doc, "Article 4 — Durée", "L'association est constituée pour {{ duree }}.")
    paragraph(doc, "Article 5 — Territoire", style="Heading 2")
    paragraph(doc, "{%p if territoire_dans_ri %}")
    paragraph(doc, "Le territoire d'action de l'association est précisé par le règlement intérieur.")
    paragraph(doc, "{%p else %}")
    paragraph(doc, "Le territoire d'action de l'association comprend : {{ territoire }}")
    paragraph(doc, "{%p endif %}")
    _article(
        doc,
        "Article 6 — Composition",
        "L'association se compose de membres fondateurs, qui ont participé à sa constitution et dont la "
        "liste est annexée aux présents statuts ; de membres adhérents, personnes physiques ou morales "
        "exerçant ou intervenant sur le territoire, à jour de leur cotisation ; de membres partenaires, qui "
        "contribuent à ses missions sans voix délibérative.",
        "Les membres sont répartis dans les collèges suivants :",
    )
    _colleges_table(doc)
    paragraph(doc, "{%p if colleges_consultatifs %}")
    paragraph(doc, "Les membres des collèges suivants ont voix consultative : {{ colleges_consultatifs }}.")
    paragraph(doc, "{%p endif %}")
    paragraph(doc, "{%p if colleges_convention %}")
    paragraph(
        doc,
        "Les structures des collèges suivants sont associées par convention, sans droit de vote : "
        "{{ colleges_convention }}.",
    )
    paragraph(doc, "{%p endif %}")
    _article(
        doc,
        "Article 7 — Admission et cotisation",
        "L'adhésion est demandée au bureau, qui statue ; le membre choisit son collège. Chaque membre verse "
        "une cotisation annuelle, dont le montant est fixé chaque année par l'assemblée générale pour chaque "
        "collège ; pour la première année, il est celui indiqué à l'article 6.",
    )
    _article(
        doc,
        "Article 8 — Perte de la qualité de membre",
        "La qualité de membre se perd par : la démission adressée par écrit au président ; le décès ; la "
        "dissolution ou la cessation d'activité sur le territoire d'une personne morale ; la radiation "
        "prononcée par le conseil d'administration pour non-paiement de la cotisation ou pour motif grave, "
        "l'intéressé ayant été invité par écrit à présenter ses explications devant le conseil.",
    )
    _article(
        doc,
        "Article 9 — Assemblée générale ordinaire",
        "L'assemblée générale ordinaire comprend tous les membres à jour de leur cotisation. Elle se réunit "
        "au moins une fois par an, sur convocation du président adressée au moins quinze jours à l'avance "
        "avec l'ordre du jour. Elle entend le rapport moral et le rapport d'activité, approuve les comptes "
        "de l'exercice, vote le budget, fixe les cotisations et élit les membres du conseil "
        "d'administration.",
        "{{ quorum }} Les décisions sont prises à la {{ majorite }}. {{ pouvoirs }}",
    )
    _article(
        doc,
        "Article 10 — Assemblée générale extraordinaire",
        "L'assemblée générale extraordinaire modifie les statuts, décide de la dissolution ou de la fusion "
        "de l'association. Elle statue à la {{ majorite_extra }}.",
    )
    _article(
        doc,
        "Article 11 — Conseil d'administration",
        "L'association est administrée par un conseil d'administration de {{ ca_sieges }} membres, dont {{ "
        "ca_sieges_deliberatifs }} à voix délibérative, élus par l'assemblée générale au sein de chaque "
        "collège selon la répartition de l'article 6, pour {{ mandat }}. Les membres sortants sont "
        "rééligibles. Le conseil se réunit au moins deux fois par an ; ses décisions sont prises à la "
        "majorité des voix des membres présents ou représentés, celle du président étant prépondérante en "
        "cas de partage.",
    )
    paragraph(doc, "Article 12 — Bureau", style="Heading 2")
    paragraph(doc, "Le conseil d'administration élit parmi ses membres un bureau composé de :")
    _lines(doc, "bureau")
    paragraph(
        doc, "Le président représente l'association en justice et dans tous les actes de la vie civile."
    )
    _article(doc, "Article 13 — Ressources", "{{ ressources }}")
    _article(
        doc,
        "Article 14 — Comptabilité et transparence",
        "Il est tenu une comptabilité faisant apparaître un compte de résultat, un bilan et une annexe. Les "
        "comptes sont approuvés par l'assemblée générale dans les six mois suivant la clôture de l'exercice "
        "et transmis aux financeurs, notamment l'Assurance Maladie et l'agence régionale de santé.",
    )
    _article(
        doc,
        "Article 15 — Règlement intérieur",
        "Un règlement intérieur, établi par le conseil d'administration et approuvé par l'assemblée "
        "générale, précise les modalités d'application des présents statuts.",
    )
    _article(
        doc,
        "Article 16 — Dissolution",
        "En cas de dissolution, l'assemblée générale extraordinaire désigne un ou plusieurs liquidateurs ; "
        "l'actif net est dévolu à {{ dissolution }}, conformément à l'article 9 de la loi du 1er juillet "
        "1901.",
    )
    paragraph(doc, "Fait le {{ date }}, en autant d'exemplaires originaux que de parties.")
    paragraph(doc, "Annexe — Liste des membres fondateurs", style="Heading 1")
    _founders_table(doc)
    return doc


def build_reglement():
    doc = new_document("Règlement intérieur")
    paragraph(doc, "Règlement intérieur", style="Title")
    paragraph(doc, ("{{ denomination }}", "b"), " (« {{ sigle }} »)")
    paragraph(doc, "Adopté en application de l'article 15 des statuts.")
    paragraph(doc, "{%p if territoire %}")
    paragraph(doc, "Territoire", style="Heading 2")
    paragraph(doc, "Le territoire d'action de l'association comprend : {{ territoire }}")
    paragraph(doc, "{%p endif %}")
    paragraph(doc, "{%p for a in articles %}")
    paragraph(doc, "Article {{ loop.index }} — {{ a.titre }}", style="Heading 2")
    paragraph(doc, "{%p for x in a.texte %}")
    paragraph(doc, "{{ x }}")
    paragraph(doc, "{%p endfor %}")
    paragraph(doc, "{%p endfor %}")
    paragraph(doc, "Cotisations de l'année", style="Heading 2")
    _colleges_table(doc)
    paragraph(doc, "Établi le {{ date }}.")
    return doc


def build_convocation():
    doc = new_document("Convocation à l'assemblée générale constitutive")
    paragraph(doc, ("{{ denomination }}", "b"), " (« {{ sigle }} », en cours de constitution)")
    paragraph(doc, "Le {{ date_envoi }}", align="right")
    paragraph(doc, "Convocation à l'assemblée générale constitutive", style="Title")
    paragraph(
        doc,
        "Nous vous convions, en qualité de membre fondateur, à l'assemblée générale constitutive de "
        "l'association « {{ denomination }} », qui se tiendra le ",
        ("{{ date_ag }} à {{ heure }}", "b"),
        ", ",
        ("{{ lieu }}", "b"),
        ".",
    )
    paragraph(doc, "Ordre du jour", style="Heading 2")
    paragraph(doc, "{%p for x in ordre_du_jour %}")
    paragraph(doc, "{{ loop.index }}. {{ x }}")
    paragraph(doc, "{%p endfor %}")
    paragraph(
        doc,
        "Le projet de statuts et le projet de règlement intérieur sont joints. Un membre fondateur empêché "
        "peut se faire représenter par un autre membre fondateur muni d'un pouvoir écrit.",
    )
    paragraph(doc, "Pour les membres fondateurs, {{ signataire }}", align="right")
    paragraph(doc, "Membres fondateurs convoqués", style="Heading 2")
    _founders_table(doc, "destinataires", "Convoqué le")
    return doc


def build_pv():
    doc = new_document("Procès-verbal de l'assemblée générale constitutive")
    paragraph(doc, "Procès-verbal de l'assemblée générale constitutive", style="Title")
    paragraph(doc, ("{{ denomination }}", "b"), " (« {{ sigle }} »)")
    paragraph(
        doc,
        "Le {{ date_ag }} à {{ heure }}, {{ lieu }}, les membres fondateurs de l'association se sont réunis "
        "en assemblée générale constitutive sur convocation du {{ date_envoi }}.",
    )
    paragraph(
        doc,
        "La séance est présidée par {{ president_seance }} ; {{ secretaire_seance }} en est le secrétaire.",
    )
    paragraph(doc, "Présences", style="Heading 2")
    paragraph(
        doc,
        "{{ presences }}",
    )
    paragraph(doc, "{%p if presents %}")
    paragraph(doc, "Présents : {{ presents|join(', ') }}.")
    paragraph(doc, "{%p endif %}")
    paragraph(doc, "{%p if representes %}")
    paragraph(doc, "Représentés : {{ representes|join(', ') }}.")
    paragraph(doc, "{%p endif %}")
    paragraph(doc, "{%p if absents %}")
    paragraph(doc, "Absents : {{ absents|join(', ') }}.")
    paragraph(doc, "{%p endif %}")
    paragraph(doc, "Ordre du jour", style="Heading 2")
    _lines(doc, "ordre_du_jour")
    paragraph(doc, "Première résolution — Adoption des statuts", style="Heading 2")
    paragraph(
        doc,
        "Après lecture et discussion, l'assemblée vote sur les statuts : {{ votes }}. ",
        ("{{ resultat }}", "b"),
    )
    paragraph(doc, "{%p if statuts_adoptes %}")
    paragraph(doc, "Deuxième résolution — Élection du conseil d'administration", style="Heading 2")
    paragraph(doc, "Sont élus membres du conseil d'administration :")
    table(
        doc,
        ["Nom", "Collège"],
        [
            ["{%tr for a in administrateurs %}", ""],
            ["{{ a.nom }}", "{{ a.college }}"],
            ["{%tr endfor %}", ""],
        ],
    )
    paragraph(doc, "Troisième résolution — Élection du bureau", style="Heading 2")
    paragraph(doc, "Le conseil d'administration, réuni à l'issue de l'assemblée, élit le bureau :")
    table(
        doc,
        ["Fonction", "Nom"],
        [
            ["{%tr for b in bureau %}", ""],
            ["{{ b.fonction }}", "{{ b.nom }}"],
            ["{%tr endfor %}", ""],
        ],
    )
    paragraph(doc, "Quatrième résolution — Cotisations de la première année", style="Heading 2")
    _colleges_table(doc)
    paragraph(doc, "{%p endif %}")
    paragraph(doc, "{%p if resolutions %}")
    paragraph(doc, "Autres résolutions", style="Heading 2")
    _lines(doc, "resolutions")
    paragraph(doc, "{%p endif %}")
    paragraph(doc, "L'ordre du jour étant épuisé, la séance est levée. Fait le {{ date }}.")
    table(
        doc,
        ["Le président de séance", "Le secrétaire de séance"],
        [["{{ president_seance }}", "{{ secretaire_seance }}"]],
    )
    return doc


TEMPLATES = {
    "statuts.docx": build_statuts,
    "reglement.docx": build_reglement,
    "convocation.docx": build_convocation,
    "pv.docx": build_pv,
}
