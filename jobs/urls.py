from django.urls import path

from jobs import views

app_name = "jobs"

urlpatterns = [
    path("instance/taches/", views.jobs_status, name="status"),
]
