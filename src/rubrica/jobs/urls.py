from django.urls import path

from rubrica.jobs import views

app_name = "jobs"

urlpatterns = [
    path("", views.job_list, name="list"),
    path("<int:pk>/", views.job_detail, name="detail"),
    path("<int:pk>/cancel/", views.job_cancel_view, name="cancel"),
    path("<int:pk>/resume/", views.job_resume_view, name="resume"),
    path("<int:pk>/download/", views.job_download, name="download"),
]
