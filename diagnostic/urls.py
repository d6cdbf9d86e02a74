from django.urls import path

from diagnostic import views

app_name = "diagnostic"

urlpatterns = [
    path("c/<slug:slug>/diagnostic/", views.cpts_diagnostic, name="cpts"),
    path("c/<slug:slug>/diagnostic/chiffres-saisis/", views.cpts_typed, name="cpts_typed"),
    path("diagnostic/donnees-importees/", views.datasets, name="datasets"),
    path(
        "diagnostic/donnees-importees/<int:dataset_id>/retirer/", views.delete_dataset, name="delete_dataset"
    ),
]
