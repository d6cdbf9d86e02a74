from django.urls import path

from oversight import views

app_name = "oversight"

P = "suivi/projets/<int:project_id>/"

urlpatterns = [
    path("suivi/", views.home, name="home"),
    path("suivi/carte.geojson", views.map_data, name="map"),
    path(P, views.project, name="project"),
    path(P + "diagnostic/", views.project_diagnostic, name="project_diagnostic"),
    path(P + "envois/<int:submission_id>/", views.submission_file, name="submission_file"),
    path(P + "commentaire/", views.comment, name="comment"),
    path(P + "decision/", views.decide, name="decide"),
    path("suivi/cpts/<slug:slug>/", views.cpts, name="cpts"),
    path("instance/referents/", views.referents, name="referents"),
    path("instance/referents/<int:referent_id>/retirer/", views.revoke, name="revoke"),
]
