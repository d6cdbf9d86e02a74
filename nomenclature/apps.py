from django.apps import AppConfig


class NomenclatureConfig(AppConfig):
    name = "nomenclature"
    verbose_name = "Nomenclatures (NOS)"
