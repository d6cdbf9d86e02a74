from django.urls import path

from aci import views

app_name = "aci"

urlpatterns = [
    path("aci/simulateur/", views.simulator, name="simulator"),
]
