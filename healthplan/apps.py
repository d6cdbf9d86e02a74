from pathlib import Path

from django.apps import AppConfig


class HealthPlanConfig(AppConfig):
    name = "healthplan"
    verbose_name = "Projet de santé (chapitres, fiches-actions, budget prévisionnel)"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from docgen import registry
        from healthplan.document import IMAGES, KEY, SAMPLE

        registry.register(
            KEY,
            "Projet de santé d'un projet de CPTS",
            Path(__file__).resolve().parent / "doc_templates" / "projet_de_sante.docx",
            SAMPLE,
            images=tuple(IMAGES),
            description="Contexte, diagnostic territorial (cartes et graphique), fiches-actions par mission "
            "ACI avec leurs indicateurs, gouvernance, évaluation, budget prévisionnel.",
        )
