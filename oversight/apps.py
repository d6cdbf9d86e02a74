from django.apps import AppConfig


class OversightConfig(AppConfig):
    name = "oversight"
    verbose_name = "Suivi ARS / CPAM (pages des référents : projets et CPTS de leur territoire)"
