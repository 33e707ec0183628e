"""The activities' settings pages, mounted at settings/lists/ in the "settings" namespace by
``web/urls.py`` (names ``settings:outcomes``, ``settings:tag_cadences``...)."""

from django.urls import path

from rubrica.activities import settings_views as views

urlpatterns = [
    path("outcomes/", views.outcome_list, name="outcomes"),
    path("outcomes/<int:pk>/", views.outcome_edit, name="outcome_edit"),
    path("outcomes/<int:pk>/move/", views.outcome_move, name="outcome_move"),
    path("outcomes/<int:pk>/retire/", views.outcome_retire, name="outcome_retire"),
    path("outcomes/<int:pk>/delete/", views.outcome_delete, name="outcome_delete"),
    path("keep-in-touch/", views.tag_cadences, name="tag_cadences"),
]
