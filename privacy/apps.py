from django.apps import AppConfig


class PrivacyConfig(AppConfig):
    name = "privacy"
    verbose_name = "Données personnelles (RGPD : délégué, notices, droits des personnes, registre)"
