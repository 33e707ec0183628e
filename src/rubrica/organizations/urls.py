from django.urls import path

from rubrica.organizations import views

app_name = "organizations"

urlpatterns = [
    path("", views.list_view, name="list"),
    path("new/", views.create_view, name="create"),
    path("bulk/", views.bulk_view, name="bulk"),
    path("columns/", views.columns_view, name="columns"),
    path("suggest/", views.suggest_view, name="suggest"),
    path("<int:pk>/", views.detail_view, name="detail"),
    path("<int:pk>/edit/", views.edit_view, name="edit"),
    path("<int:pk>/delete/", views.delete_view, name="delete"),
    path("<int:pk>/restore/", views.restore_view, name="restore"),
]
