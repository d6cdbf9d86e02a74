from django.urls import path, re_path

from fhirapi import views, views_sas
from fhirapi.mapping import with_request_base as based

app_name = "fhir"

urlpatterns = [
    # The SAS aggregator (flow INT_R04), authenticated by its client certificate (fhirapi/views_sas.py).
    path("sas/Slot", based(views_sas.slot_search), name="sas_slot"),
    path("sas/metadata", based(views_sas.metadata), name="sas_metadata"),
    path("metadata", based(views.metadata), name="metadata"),
    re_path(r"^(?P<resource_type>[A-Z][A-Za-z]+)/?$", based(views.search_type), name="search"),
    re_path(
        r"^(?P<resource_type>[A-Z][A-Za-z]+)/(?P<resource_id>[A-Za-z0-9\-.]{1,64})$",
        based(views.read),
        name="read",
    ),
    re_path(r"^(?P<rest>.*)$", based(views.not_found), name="not_found"),
]
