from django.urls import path

from rubrica.backups import views

app_name = "backups"

urlpatterns = [
    path("", views.backup_list, name="list"),
    path("now/", views.backup_now, name="now"),
    path("<int:pk>/verify/", views.backup_verify, name="verify"),
    path("<int:pk>/download/", views.backup_download, name="download"),
]
