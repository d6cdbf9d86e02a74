from pathlib import Path

from django.apps import AppConfig


class AssociationConfig(AppConfig):
    name = "association"
    verbose_name = "Association loi 1901 d'un projet de CPTS (statuts, AG constitutive, identifiants)"

    def ready(self):
        from association.actions import carry_into_cpts
        from association.documents import KINDS, SAMPLES
        from docgen import registry
        from projects.signals import project_converted

        folder = Path(__file__).resolve().parent / "doc_templates"
        for slug, kind in KINDS.items():
            registry.register(
                kind.key,
                f"{kind.title} (CPTS)",
                folder / kind.file,
                SAMPLES[slug],
                description="Généré depuis les choix des statuts, les membres fondateurs et l'AG "
                "constitutive d'un projet de CPTS.",
            )
        project_converted.connect(carry_into_cpts, dispatch_uid="association-carry-into-cpts")
