from django.urls import path

from gpmatching import views

app_name = "gpmatching"

S = "c/<slug:slug>/medecin-traitant/"

urlpatterns = [
    # Public (no account): the request form of a CPTS and the e-mail confirmation link.
    path("medecin-traitant/<slug:slug>/", views.public_form, name="public_form"),
    path("medecin-traitant/<slug:slug>/merci/", views.public_done, name="public_done"),
    path("medecin-traitant/confirmer/<str:token>/", views.public_confirm, name="public_confirm"),
    path(S, views.waiting_list, name="waiting_list"),
    path(S + "demandes/<int:request_id>/", views.request_page, name="request"),
    path(S + "demandes/<int:request_id>/action/", views.request_action, name="request_action"),
    path(S + "inscrire/", views.new_request, name="new_request"),
    path(S + "import/", views.import_list, name="import"),
    path(S + "import/<int:batch_id>/", views.import_preview, name="import_preview"),
    path(S + "attributions/", views.matching_page, name="matching"),
    path(S + "attributions/envoi/", views.send, name="send"),
    path(S + "regles/", views.policy_page, name="policy"),
    path(S + "medecins/", views.capacities, name="capacities"),
    path(S + "ma-capacite/", views.my_capacity, name="my_capacity"),
    path(S + "propositions/", views.my_proposals, name="my_proposals"),
    path(S + "propositions/<int:proposal_id>/reponse/", views.answer, name="answer"),
    path(S + "tableau-de-bord/", views.dashboard, name="dashboard"),
    path(S + "tableau-de-bord/carte.json", views.map_data, name="map_data"),
]
