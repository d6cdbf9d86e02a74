from django.urls import path

from association import views

app_name = "association"

A = "projets/<int:project_id>/association/"

urlpatterns = [
    path(A, views.overview, name="overview"),
    path(A + "statuts/", views.statutes, name="statutes"),
    path(A + "reglement-interieur/", views.reglement, name="reglement"),
    path(A + "fondateurs/", views.founders, name="founders"),
    path(A + "fondateurs/porteurs/", views.founders_from_porteurs, name="founders_from_porteurs"),
    path(A + "fondateurs/<int:founder_id>/retirer/", views.founder_remove, name="founder_remove"),
    path(A + "documents/", views.document_list, name="documents"),
    path(A + "documents/<slug:kind>/", views.document, name="document"),
    path(A + "ag/", views.convocation, name="convocation"),
    path(A + "ag/pv/", views.minutes, name="minutes"),
    path(A + "identifiants/", views.identifiers, name="identifiers"),
]
