from django.urls import path

from healthplan import views

app_name = "healthplan"

P = "projets/<int:project_id>/projet-de-sante/"

urlpatterns = [
    path(P, views.overview, name="overview"),
    path(P + "document/", views.document_file, name="document"),
    path(P + "chapitres/<str:key>/", views.chapter, name="chapter"),
    path(P + "chapitres/<str:key>/historique/", views.chapter_history, name="chapter_history"),
    path(P + "fiches/nouvelle/", views.sheet_new, name="sheet_new"),
    path(P + "fiches/<int:sheet_id>/", views.sheet_edit, name="sheet"),
    path(P + "fiches/<int:sheet_id>/historique/", views.sheet_history, name="sheet_history"),
    path(P + "fiches/<int:sheet_id>/supprimer/", views.sheet_delete, name="sheet_delete"),
    path(P + "budget/", views.budget, name="budget"),
    path(P + "budget/<int:expense_id>/retirer/", views.expense_remove, name="expense_remove"),
]
