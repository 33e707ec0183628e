from django.urls import path

from rubrica.activities import views

app_name = "activities"

urlpatterns = [
    path("", views.list_view, name="list"),
    path("log/", views.quick_log_view, name="quick_log"),
    path("export.csv", views.export_view, name="export"),
    path("to-contact/", views.to_contact_view, name="to_contact"),
    path("timeline/<str:key>/<int:pk>/", views.timeline_view, name="timeline"),
    path("keep-in-touch/<int:pk>/", views.keep_in_touch_view, name="keep_in_touch"),
    path("<int:pk>/", views.detail_view, name="detail"),
    path("<int:pk>/edit/", views.edit_view, name="edit"),
    path("<int:pk>/delete/", views.delete_view, name="delete"),
    path("<int:pk>/restore/", views.restore_view, name="restore"),
]
