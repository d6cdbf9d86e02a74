from django.apps import AppConfig


class ProjectsConfig(AppConfig):
    name = "projects"
    verbose_name = "Projets de CPTS (avant la création de la CPTS : porteurs, territoire, AMI)"

    def ready(self):
        # The dossiers sent (AMI...) are encrypted under the documents' keys: rotated and verified with them.
        from documents import rotation
        from projects.models import Submission

        rotation.register(
            rotation.Store(
                Submission, Submission.PURPOSE, lambda submission: submission.sha256, label="dossier envoyé"
            )
        )
