"""FHIR search, one module per resource group on the typed parameter spec of ``spec.py``: ``directory``
(Annuaire Santé: practitioners, roles, organisations, locations, CPTS services) and ``care`` (Cercle de
soins: care teams, patients, relatives, consents, communications). DocumentReference and Appointment declare
theirs in fhirapi/documents.py and fhirapi/appointments.py; fhirapi/views.py dispatches to all of them."""
