from django.urls import path

from rubrica.quality import views

app_name = "quality"

urlpatterns = [
    path("", views.report, name="report"),
    path("invalid-phones/", views.invalid_phones, name="invalid_phones"),
    path("invalid-emails/", views.invalid_emails, name="invalid_emails"),
    path("refresh/", views.refresh, name="refresh"),
    path("clean/", views.clean, name="clean"),
    path("undo/<int:pk>/", views.undo, name="undo"),
]
