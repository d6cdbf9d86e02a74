from django.apps import AppConfig


class RealtimeConfig(AppConfig):
    name = "realtime"
    verbose_name = "Temps réel"

    def ready(self):
        from realtime import publish  # connects the coordination events to the channel layer

        publish.connect_sources()  # news events and the notifications' unread counts
