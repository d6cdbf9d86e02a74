from django.urls import path

from docgen import views

app_name = "docgen"

urlpatterns = [
    path("instance/modeles/", views.template_list, name="list"),
    path("instance/modeles/<str:key>/", views.template_detail, name="template"),
    path("instance/modeles/<str:key>/en-vigueur/", views.download, name="download"),
    path("instance/modeles/<str:key>/par-defaut/", views.download_default, name="download_default"),
    path("instance/modeles/<str:key>/retablir/", views.reset, name="reset"),
]
