from django.apps import AppConfig


class FhirConfig(AppConfig):
    name = "fhirapi"
    verbose_name = "Interface FHIR R4"
