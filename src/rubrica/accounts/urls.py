"""The settings area (namespace "settings"): users, teams, API tokens, password, custom fields
and the editable lists. Custom fields and lists keep their views in their own apps."""

from django.urls import path

from rubrica.accounts import views
from rubrica.customfields import views as field_views
from rubrica.taxonomy import views as list_views

app_name = "settings"

urlpatterns = [
    path("", views.index, name="index"),
    path("users/", views.user_list, name="users"),
    path("users/new/", views.user_create, name="user_create"),
    path("users/<int:pk>/", views.user_edit, name="user_edit"),
    path("users/<int:pk>/deactivate/", views.user_deactivate, name="user_deactivate"),
    path("users/<int:pk>/password/", views.user_reset_password, name="user_reset_password"),
    path("teams/", views.team_list, name="teams"),
    path("teams/new/", views.team_edit, name="team_create"),
    path("teams/<int:pk>/", views.team_edit, name="team_edit"),
    path("tokens/", views.token_list, name="tokens"),
    path("tokens/new/", views.token_create, name="token_create"),
    path("tokens/<int:pk>/revoke/", views.token_revoke, name="token_revoke"),
    path("password/", views.PasswordChangeView.as_view(), name="password_change"),
    path("fields/", field_views.definition_list, name="fields"),
    path("fields/<str:entity>/new/", field_views.definition_edit, name="field_create"),
    path("fields/<int:pk>/", field_views.definition_edit, name="field_edit"),
    path("fields/<int:pk>/delete/", field_views.definition_confirm_delete, name="field_delete"),
    path("lists/tags/", list_views.tag_list, name="tags"),
    path("lists/tags/<int:pk>/", list_views.tag_edit, name="tag_edit"),
    path("lists/tags/<int:pk>/delete/", list_views.tag_confirm_delete, name="tag_delete"),
]
STAGES = {"list_name": "stages"}
KINDS = {"list_name": "kinds"}
urlpatterns += [
    path("lists/stages/", list_views.choice_list, STAGES, name="stages"),
    path("lists/stages/<int:pk>/", list_views.choice_edit, STAGES, name="stage_edit"),
    path("lists/stages/<int:pk>/move/", list_views.choice_move, STAGES, name="stage_move"),
    path(
        "lists/stages/<int:pk>/delete/",
        list_views.choice_confirm_delete,
        STAGES,
        name="stage_delete",
    ),
    path("lists/kinds/", list_views.choice_list, KINDS, name="kinds"),
    path("lists/kinds/<int:pk>/", list_views.choice_edit, KINDS, name="kind_edit"),
    path("lists/kinds/<int:pk>/move/", list_views.choice_move, KINDS, name="kind_move"),
    path(
        "lists/kinds/<int:pk>/delete/", list_views.choice_confirm_delete, KINDS, name="kind_delete"
    ),
]
