from django.urls import path

from notifications import views

app_name = "notifications"

urlpatterns = [
    path("notifications/", views.notification_list, name="list"),
    path("notifications/<int:notification_id>/", views.open_notification, name="open"),
    path("notifications/<int:notification_id>/lue/", views.mark_read, name="mark_read"),
    path("notifications/tout-lu/", views.mark_all_read, name="mark_all_read"),
    path("compte/notifications/", views.preferences, name="preferences"),
    path("compte/notifications/push/abonnement/", views.push_subscribe, name="push_subscribe"),
    path("compte/notifications/push/desabonnement/", views.push_unsubscribe, name="push_unsubscribe"),
    path("manifest.webmanifest", views.manifest, name="manifest"),
    path("sw.js", views.service_worker, name="service_worker"),
]
