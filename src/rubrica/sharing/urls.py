from django.urls import path

from rubrica.sharing import views

app_name = "sharing"

urlpatterns = [
    path("<slug:kind>/<int:pk>/add/", views.add_view, name="add"),
    path("<slug:kind>/<int:pk>/<int:share_id>/remove/", views.remove_view, name="remove"),
]
