"""URL map: the web UI, the REST API under /api/v1."""

from django.urls import include, path

from rubrica.api.api import api

urlpatterns = [
    path("api/v1/", api.urls),
    path("", include("rubrica.web.urls")),
]
