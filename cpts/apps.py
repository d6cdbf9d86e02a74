from django.apps import AppConfig


class CptsConfig(AppConfig):
    name = "cpts"
    verbose_name = "CPTS (tenants, territoire, adhésions)"
