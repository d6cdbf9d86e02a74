from django.apps import AppConfig


class AciConfig(AppConfig):
    name = "aci"
    verbose_name = "ACI CPTS (référentiel)"
