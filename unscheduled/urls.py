from django.urls import path

from unscheduled import views, views_indicators

app_name = "unscheduled"

S = "c/<slug:slug>/snp/"

urlpatterns = [
    path(S + "mes-creneaux/", views.mine, name="mine"),
    path(S + "mes-creneaux/ajouter/", views.publish, name="publish"),
    path(
        S + "mes-creneaux/disponibilites/<int:pattern_id>/pause/", views.pattern_pause, name="pattern_pause"
    ),
    path(S + "mes-creneaux/selection/", views.bulk, name="bulk"),
    path(S + "mes-creneaux/copier-semaine/", views.copy_week, name="copy_week"),
    path(S + "recherche/", views.search_page, name="search"),
    path(S + "creneaux/<int:slot_id>/reserver/", views.book, name="book"),
    path(S + "reservations/<int:booking_id>/", views.booking_page, name="booking"),
    path(S + "reservations/<int:booking_id>/annuler/", views.cancel, name="cancel"),
    path(S + "reservations/<int:booking_id>/reporter/", views.reschedule, name="reschedule"),
    path(S + "reservations/<int:booking_id>/venue/", views.outcome, name="outcome"),
    path(S + "indicateurs/", views_indicators.indicators_page, name="indicators"),
]
