from django.urls import path

from rubrica.dataio import views

app_name = "dataio"

urlpatterns = [
    path("imports/new/", views.import_upload, name="import_upload"),
    path("imports/draft/<str:token>/mapping/", views.import_mapping, name="import_mapping"),
    path("imports/draft/<str:token>/preview/", views.import_preview, name="import_preview"),
    path("imports/<int:pk>/report.csv", views.import_report, name="import_report"),
    path("imports/<int:pk>/rows/", views.import_rows, name="import_rows"),
    path("imports/<int:pk>/revert/", views.import_revert_view, name="import_revert"),
    path("exports/new/", views.export_create, name="export_create"),
    path("exports/<int:pk>/download/", views.export_download, name="export_download"),
    path("people/<int:pk>/vcard/", views.contact_vcard_view, name="contact_vcard"),
]
