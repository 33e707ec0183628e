from django.urls import path

from rubrica.merges import views

app_name = "merges"

urlpatterns = [
    path("", views.list_view, name="list"),
    path("new/", views.new_view, name="new"),
    path("<int:pk>/undo/", views.undo_view, name="undo"),
]
