from pathlib import Path

from django.apps import AppConfig


class ProjectsConfig(AppConfig):
    name = "projects"
    verbose_name = (
        "Projets de CPTS (avant la création de la CPTS : porteurs, territoire, AMI, lettre d'intention)"
    )

    def ready(self):
        from docgen import registry
        from projects.dossiers import AMI_KEY, AMI_SAMPLE

        registry.register(
            AMI_KEY,
            "Expression d'intérêt (AMI) d'un projet de CPTS",
            Path(__file__).resolve().parent / "doc_templates" / "ami.docx",
            AMI_SAMPLE,
            description="Le formulaire de l'AMI de l'ARS (2021) : acteurs, référents, objectifs, contexte, "
            "territoire, calendrier.",
        )
        from projects.letter import IMAGE_NAMES, LETTER_KEY, LETTER_SAMPLE

        registry.register(
            LETTER_KEY,
            "Lettre d'intention d'un projet de CPTS",
            Path(__file__).resolve().parent / "doc_templates" / "lettre.docx",
            LETTER_SAMPLE,
            images=IMAGE_NAMES,
            description="La lettre d'intention à l'ARS (liste des URPS Auvergne-Rhône-Alpes) : acteurs, "
            "problématique, objectifs, territoire, calendrier, articulation, premiers éléments de "
            "diagnostic, partenaires, orientations par mission ; le diagnostic en annexe avec ses cartes.",
        )
        # The dossiers sent (AMI...) are encrypted under the documents' keys: rotated and verified with them.
        from documents import rotation
        from projects.models import Submission

        rotation.register(
            rotation.Store(
                Submission, Submission.PURPOSE, lambda submission: submission.sha256, label="dossier envoyé"
            )
        )
