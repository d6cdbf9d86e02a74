from django.urls import path

from projects import views

app_name = "projects"

P = "projets/<int:project_id>/"

urlpatterns = [
    path("projets/", views.project_list, name="list"),
    path("projets/nouveau/", views.create, name="create"),
    path("projets/invitations/<int:invitation_id>/", views.answer_invitation, name="answer_invitation"),
    path(P, views.detail, name="detail"),
    path(P + "etape/", views.stage, name="stage"),
    path(P + "territoire/", views.territory, name="territory"),
    path(P + "territoire.geojson", views.territory_geojson, name="territory_geojson"),
    path(P + "territoire/recherche/", views.territory_search, name="territory_search"),
    path(P + "territoire/ajouter/", views.territory_add, name="territory_add"),
    path(P + "territoire/retirer/<str:insee>/", views.territory_remove, name="territory_remove"),
    path(P + "porteurs/", views.porteurs, name="porteurs"),
    path(
        P + "porteurs/invitations/<int:invitation_id>/annuler/",
        views.invitation_cancel,
        name="invitation_cancel",
    ),
    path(P + "structures/", views.partners, name="partners"),
    path(P + "structures/<int:partner_id>/retirer/", views.partner_remove, name="partner_remove"),
    path(P + "ami/", views.ami, name="ami"),
    path(P + "ami/envoi/", views.ami_send, name="ami_send"),
    path(P + "ami/document/", views.ami_document, name="ami_document"),
    path(P + "lettre/", views.letter_form, name="letter"),
    path(P + "lettre/envoi/", views.letter_send, name="letter_send"),
    path(P + "lettre/document/", views.letter_document, name="letter_document"),
    path(P + "diagnostic/", views.diagnostic, name="diagnostic"),
    path(P + "diagnostic/chiffres-saisis/", views.diagnostic_typed, name="diagnostic_typed"),
    path(P + "envois/<int:submission_id>/", views.submission_file, name="submission_file"),
    path(P + "devenir-cpts/", views.convert, name="convert"),
]
