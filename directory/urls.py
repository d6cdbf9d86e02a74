from django.urls import path

from directory import views

app_name = "directory"

urlpatterns = [
    path("profil/", views.my_profile, name="my_profile"),
    path("profil/lieux/", views.add_place, name="add_place"),
    path("profil/lieux/<int:place_id>/supprimer/", views.delete_place, name="delete_place"),
    path("c/<slug:slug>/annuaire/", views.search_page, name="search"),
    path("c/<slug:slug>/annuaire/<int:professional_id>/", views.professional_page, name="professional"),
    path("c/<slug:slug>/offre-de-soins/", views.offer_page, name="offer"),
]
