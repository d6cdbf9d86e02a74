from django.urls import path

from documents import views

app_name = "documents"

G = "c/<slug:slug>/groupes/<int:group_id>/documents/"
D = G + "<int:document_id>/"

urlpatterns = [
    path(G, views.section, name="section"),
    path(G + "deposer/", views.upload, name="upload"),
    path(D, views.detail, name="detail"),
    path(D + "versions/", views.new_version, name="new_version"),
    path(D + "supprimer/", views.delete, name="delete"),
    path(D + "versions/<int:number>/telecharger/", views.download, name="download"),
    path(D + "versions/<int:number>/apercu/", views.preview, name="preview"),
]
