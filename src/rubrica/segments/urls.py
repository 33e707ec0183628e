from django.urls import path

from rubrica.segments import views

app_name = "segments"

urlpatterns = [
    path("", views.list_view, name="list"),
    path("new/", views.create_view, name="create"),
    path("add-members/", views.add_members_view, name="add_members"),
    path("<int:pk>/", views.detail_view, name="detail"),
    path("<int:pk>/edit/", views.edit_view, name="edit"),
    path("<int:pk>/delete/", views.delete_view, name="delete"),
    path("<int:pk>/send/", views.send_view, name="send"),
]
