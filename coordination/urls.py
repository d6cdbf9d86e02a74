"""URLs of the coordination pages. Those that carry files (a message with attachments, a consent with its
scan) are served by documents.views_posting and added to this namespace by opencpts/urls.py."""

from django.urls import path

from coordination import views, views_messaging

app_name = "coordination"

G = "c/<slug:slug>/groupes/<int:group_id>/"

urlpatterns = [
    path("c/<slug:slug>/groupes/", views.groups, name="groups"),
    path("c/<slug:slug>/groupes/nouveau-patient/", views.new_patient, name="new_patient"),
    path("c/<slug:slug>/groupes/nouveau-groupe/", views.new_working_group, name="new_group"),
    path("c/<slug:slug>/groupes/recherche/", views_messaging.search, name="search"),
    path("c/<slug:slug>/groupes/messages-directs/", views_messaging.conversations, name="conversations"),
    path(
        "c/<slug:slug>/groupes/messages-directs/nouveau/",
        views_messaging.new_conversation,
        name="new_conversation",
    ),
    path("c/<slug:slug>/groupes/reglages/", views_messaging.coordination_settings, name="settings"),
    path("invitations/", views_messaging.my_invitations, name="my_invitations"),
    path(
        "invitations/<int:invitation_id>/",
        views_messaging.answer_email_invitation,
        name="answer_email_invitation",
    ),
    path("invitation/<str:token>/", views_messaging.email_invitation, name="email_invitation"),
    path(G, views.group_page, name="group"),
    path(G + "messages/fil/", views.group_messages, name="group_messages"),
    # The other sections of a group, each on its own URL (the agenda is agenda:group, the history below).
    path(G + "membres/", views.members, name="members"),
    path(G + "consentements/", views.consents, name="consents"),
    path(G + "documents/", views.documents, name="documents"),
    path(G + "informations/", views.informations, name="informations"),
    path(G + "messages/<int:message_id>/modifier/", views.edit_message, name="edit_message"),
    path(G + "messages/<int:message_id>/supprimer/", views.delete_message, name="delete_message"),
    path(G + "inviter/", views.invite, name="invite"),
    path(G + "invitation/", views.answer_invitation, name="answer_invitation"),
    path(G + "quitter/", views.leave, name="leave"),
    path(G + "modifier/", views_messaging.edit_group, name="edit_group"),
    path(G + "patient/modifier/", views.edit_patient, name="edit_patient"),
    path(G + "historique/", views_messaging.group_history, name="history"),
    path(G + "membres/<int:user_id>/retirer/", views.remove_member, name="remove_member"),
    path(G + "cloturer/", views.close, name="close"),
    path(G + "rouvrir/", views.reopen, name="reopen"),
    path(G + "consentements/<int:consent_id>/retirer/", views.withdraw_consent, name="withdraw_consent"),
]
