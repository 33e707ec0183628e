from django.urls import path

from rubrica.history import views

app_name = "history"

urlpatterns = [
    path("people/<int:pk>/", views.contact_history_view, name="contact"),
    path("people/<int:pk>/restore/", views.contact_revert_view, name="contact_revert"),
    path("organizations/<int:pk>/", views.organization_history_view, name="organization"),
    path(
        "organizations/<int:pk>/restore/",
        views.organization_revert_view,
        name="organization_revert",
    ),
]
