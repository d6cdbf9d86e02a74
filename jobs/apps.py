from django.apps import AppConfig
from django.utils.module_loading import autodiscover_modules


class JobsConfig(AppConfig):
    name = "jobs"
    verbose_name = "Tâches de fond"

    def ready(self):
        """Every app's ``tasks.py`` declares its tasks (jobs/engine.py:task), whatever the engine."""
        autodiscover_modules("tasks")
