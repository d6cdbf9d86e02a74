from django.apps import AppConfig


class TodayConfig(AppConfig):
    name = "today"
    verbose_name = "Aujourd'hui (l'accueil de chaque rôle)"
