from django.urls import path

from rubrica.search import views

app_name = "search"

urlpatterns = [
    path("", views.results_view, name="results"),
    path("suggest/", views.suggest_view, name="suggest"),
]
