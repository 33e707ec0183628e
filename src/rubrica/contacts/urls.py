from django.urls import path

from rubrica.contacts import views

app_name = "contacts"

urlpatterns = [
    path("", views.list_view, name="list"),
    path("new/", views.create_view, name="create"),
    path("bulk/", views.bulk_view, name="bulk"),
    path("columns/", views.columns_view, name="columns"),
    path("<int:pk>/", views.detail_view, name="detail"),
    path("<int:pk>/edit/", views.edit_view, name="edit"),
    path("<int:pk>/delete/", views.delete_view, name="delete"),
    path("<int:pk>/restore/", views.restore_view, name="restore"),
    path("<int:pk>/photo/", views.photo_view, name="photo"),
    path("<int:pk>/affiliations/new/", views.affiliation_add_view, name="affiliation_add"),
    path(
        "<int:pk>/affiliations/<int:affiliation_pk>/edit/",
        views.affiliation_edit_view,
        name="affiliation_edit",
    ),
    path(
        "<int:pk>/affiliations/<int:affiliation_pk>/end/",
        views.affiliation_end_view,
        name="affiliation_end",
    ),
    path(
        "<int:pk>/affiliations/<int:affiliation_pk>/remove/",
        views.affiliation_remove_view,
        name="affiliation_remove",
    ),
]
