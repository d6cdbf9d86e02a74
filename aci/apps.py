from django.apps import AppConfig


class AciConfig(AppConfig):
    name = "aci"
    verbose_name = "ACI CPTS (référentiel)"

    def ready(self):
        # The justificatifs are encrypted under the documents' keys: they rotate and verify with them.
        from aci.indicators import EVIDENCE_PURPOSE
        from aci.models import Evidence
        from documents import rotation

        rotation.register(
            rotation.Store(
                Evidence, EVIDENCE_PURPOSE, lambda evidence: evidence.sha256, label="justificatif ACI"
            )
        )
