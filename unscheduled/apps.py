from django.apps import AppConfig


class UnscheduledConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "unscheduled"
    verbose_name = "Soins non programmés"
