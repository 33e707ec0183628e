from django.urls import path

from rubrica.feedback import views

app_name = "feedback"

urlpatterns = [
    path("", views.new, name="new"),
    path("received/", views.feedback_list, name="list"),
]
