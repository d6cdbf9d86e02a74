from django.apps import AppConfig


class GpmatchingConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "gpmatching"
    verbose_name = "Médecin traitant"
