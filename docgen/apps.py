from django.apps import AppConfig


class DocgenConfig(AppConfig):
    name = "docgen"
    verbose_name = "Modèles de documents (DOCX et PDF)"
