from pathlib import Path

from django.apps import AppConfig


class ProjectsConfig(AppConfig):
    name = "projects"
    verbose_name = "Projets de CPTS (avant la création de la CPTS : porteurs, territoire, AMI)"

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
        # The dossiers sent (AMI...) are encrypted under the documents' keys: rotated and verified with them.
        from documents import rotation
        from projects.models import Submission

        rotation.register(
            rotation.Store(
                Submission, Submission.PURPOSE, lambda submission: submission.sha256, label="dossier envoyé"
            )
        )
