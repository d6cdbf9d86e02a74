from django.urls import path

from cpts import views, views_menu
from today import views as today_views

app_name = "cpts"

urlpatterns = [
    path("cpts/", views.cpts_list, name="list"),
    path("cpts/nouvelle/", views.cpts_create, name="create"),
    # The home of a CPTS is « Aujourd'hui », what needs each person today (the today app).
    path("c/<slug:slug>/", today_views.home, name="home"),
    path("c/<slug:slug>/menu/", views_menu.menu, name="menu"),
    path("c/<slug:slug>/adhesion/", views.join, name="join"),
    path("c/<slug:slug>/territoire/", views.territory, name="territory"),
    path("c/<slug:slug>/territoire.geojson", views.territory_geojson, name="territory_geojson"),
    path("c/<slug:slug>/territoire/recherche/", views.territory_search, name="territory_search"),
    path("c/<slug:slug>/territoire/ajouter/", views.territory_add, name="territory_add"),
    path("c/<slug:slug>/territoire/retirer/<str:insee>/", views.territory_remove, name="territory_remove"),
    path("c/<slug:slug>/membres/", views.members, name="members"),
    path("c/<slug:slug>/membres/<int:membership_id>/role/", views.member_role, name="member_role"),
    path("c/<slug:slug>/demandes/", views.requests_list, name="requests"),
    path("c/<slug:slug>/demandes/<int:request_id>/accepter/", views.request_accept, name="request_accept"),
    path("c/<slug:slug>/demandes/<int:request_id>/refuser/", views.request_refuse, name="request_refuse"),
    path("c/<slug:slug>/cotisations/", views.dues, name="dues"),
    path("c/<slug:slug>/bureau/", views.bureau, name="bureau"),
    path("c/<slug:slug>/structures/", views.structures, name="structures"),
    path("c/<slug:slug>/journal/", views.audit_log, name="audit"),
    path("c/<slug:slug>/journal.csv", views.audit_export, name="audit_export"),
    path("c/<slug:slug>/rapports/", views.reports, name="reports"),
    path("c/<slug:slug>/parametres/", views.settings_view, name="settings"),
]
