from django.urls import path

from rubrica.dedup import views

app_name = "dedup"

urlpatterns = [
    path("", views.pair_list, name="list"),
    path("<int:pk>/dismiss/", views.pair_dismiss, name="dismiss"),
    path("scan/", views.scan, name="scan"),
]
