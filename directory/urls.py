from django.urls import path

from directory import views

app_name = "directory"

urlpatterns = [
    path("profil/", views.my_profile, name="my_profile"),
    path("profil/lieux/", views.add_place, name="add_place"),
    path("profil/lieux/<int:place_id>/supprimer/", views.delete_place, name="delete_place"),
]
