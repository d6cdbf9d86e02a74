from django.apps import AppConfig


class RealtimeConfig(AppConfig):
    name = "realtime"
    verbose_name = "Temps réel"

    def ready(self):
        from realtime import publish  # noqa: F401 - connects the domain events to the channel layer
