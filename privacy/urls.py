from django.urls import path

from privacy import views

app_name = "privacy"

D = "c/<slug:slug>/donnees-personnelles/"
R = "c/<slug:slug>/droits/"

urlpatterns = [
    path("donnees-personnelles/", views.notices, name="notices"),
    path(D + "patients/", views.notice_patients, name="notice_patients"),
    path(D + "professionnels/", views.notice_professionals, name="notice_professionals"),
    path(D + "formulaire-public/", views.notice_public, name="notice_public"),
    path(D + "delegue/", views.contact, name="contact"),
    path(D + "registre/", views.registre, name="registre"),
    path(D + "registre.pdf", views.registre_pdf, name="registre_pdf"),
    path(R, views.requests, name="requests"),
    path(R + "nouvelle/", views.new_request, name="new_request"),
    path(R + "a-preparer/", views.tasks, name="tasks"),
    path(R + "a-preparer/<int:task_id>/", views.task, name="task"),
    path(R + "<int:request_id>/", views.request_page, name="request"),
    path(R + "<int:request_id>/personne/", views.request_link, name="request_link"),
    path(R + "<int:request_id>/export-cercles/", views.request_ask, name="request_ask"),
    path(R + "<int:request_id>/appliquer/", views.request_apply, name="request_apply"),
    path(R + "<int:request_id>/cloturer/", views.request_close, name="request_close"),
    path(R + "<int:request_id>/export/", views.request_export, name="request_export"),
]
