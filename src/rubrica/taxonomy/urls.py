"""The editable lists (tags, lifecycle stages, organization kinds). The door mounts them at
settings/lists/ inside the "settings" namespace (``web/urls.py``), so their names are
``settings:tags``, ``settings:stages``..."""

from django.urls import path

from rubrica.taxonomy import views

urlpatterns = [
    path("tags/", views.tag_list, name="tags"),
    path("tags/<int:pk>/", views.tag_edit, name="tag_edit"),
    path("tags/<int:pk>/delete/", views.tag_confirm_delete, name="tag_delete"),
]
STAGES = {"list_name": "stages"}
KINDS = {"list_name": "kinds"}
urlpatterns += [
    path("stages/", views.choice_list, STAGES, name="stages"),
    path("stages/<int:pk>/", views.choice_edit, STAGES, name="stage_edit"),
    path("stages/<int:pk>/move/", views.choice_move, STAGES, name="stage_move"),
    path("stages/<int:pk>/delete/", views.choice_confirm_delete, STAGES, name="stage_delete"),
    path("kinds/", views.choice_list, KINDS, name="kinds"),
    path("kinds/<int:pk>/", views.choice_edit, KINDS, name="kind_edit"),
    path("kinds/<int:pk>/move/", views.choice_move, KINDS, name="kind_move"),
    path("kinds/<int:pk>/delete/", views.choice_confirm_delete, KINDS, name="kind_delete"),
]
