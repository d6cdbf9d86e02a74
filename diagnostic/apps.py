from django.apps import AppConfig


class DiagnosticConfig(AppConfig):
    name = "diagnostic"
    verbose_name = "Diagnostic territorial"
    default_auto_field = "django.db.models.BigAutoField"
