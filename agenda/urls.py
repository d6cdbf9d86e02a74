from django.urls import path

from agenda import views

app_name = "agenda"

G = "c/<slug:slug>/groupes/<int:group_id>/"
E = G + "agenda/<int:event_id>/"

urlpatterns = [
    path("c/<slug:slug>/agenda/", views.mine, name="mine"),
    path("c/<slug:slug>/agenda/abonnement/", views.subscription, name="subscription"),
    path("c/<slug:slug>/agenda/abonnement/supprimer/", views.revoke_subscription, name="revoke_subscription"),
    path(G + "agenda/", views.group_calendar, name="group"),
    path(G + "agenda/nouveau/", views.new_event, name="new_event"),
    path(E, views.event_page, name="event"),
    path(E + "modifier/", views.edit_event, name="edit_event"),
    path(E + "annuler/", views.cancel_event, name="cancel_event"),
    path(G + "chronologie/", views.timeline_page, name="timeline"),
    # Token-authenticated (no session): the secret in the URL is the credential.
    path("agenda/ical/<str:token>.ics", views.ical_feed, name="ical"),
]
