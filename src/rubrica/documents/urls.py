from django.urls import path

from rubrica.documents import views

app_name = "documents"

urlpatterns = [
    path("attach/<str:kind>/<int:pk>/", views.upload_view, name="upload"),
    path("<int:pk>/versions/", views.versions_view, name="versions"),
    path("<int:pk>/versions/new/", views.version_upload_view, name="version_upload"),
    path("<int:pk>/download/", views.download_view, name="download"),
    path("<int:pk>/versions/<int:number>/download/", views.download_view, name="download_version"),
    path("<int:pk>/preview/", views.preview_view, name="preview"),
    path("<int:pk>/versions/<int:number>/preview/", views.preview_view, name="preview_version"),
    path("<int:pk>/thumbnail/", views.thumbnail_view, name="thumbnail"),
    path("<int:pk>/delete/", views.delete_view, name="delete"),
    path("<int:pk>/restore/", views.restore_view, name="restore"),
]
