from django.contrib import admin
from django.contrib.auth.views import redirect_to_login
from django.urls import include, path

from coordination import urls as coordination_urls
from cpts import views as cpts_views
from documents import urls as documents_urls
from opencpts import views
from opencpts.api import api

admin.site.site_header = "OpenCPTS — administration de l'instance"
# The admin logs in through our login (throttling, second factor), never its own form.
admin.site.login = lambda request, extra_context=None: redirect_to_login(request.get_full_path())

urlpatterns = [
    path("", cpts_views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("api/", api.urls),
    path("fhir/", include("fhirapi.urls")),
    path("admin/", admin.site.urls),
    path("", include("accounts.urls")),
    path("", include("directory.urls")),
    path("", include("cpts.urls")),
    # The coordination namespace, with its pages that carry files (served by documents, which depends on
    # coordination and not the reverse).
    path(
        "", include((coordination_urls.urlpatterns + documents_urls.coordination_urlpatterns, "coordination"))
    ),
    path("", include("agenda.urls")),
    path("", include("documents.urls")),
    path("", include("news.urls")),
    path("", include("unscheduled.urls")),
    path("", include("gpmatching.urls")),
    path("", include("aci.urls")),
    path("", include("notifications.urls")),
    path("", include("privacy.urls")),
    path("", include("projects.urls")),
    path("", include("oversight.urls")),
    path("", include("association.urls")),
    path("", include("healthplan.urls")),
    path("", include("diagnostic.urls")),
    path("", include("jobs.urls")),
    path("", include("docgen.urls")),
]
