"""The settings area: users, teams, API tokens, password. The door mounts these at settings/ in
the "settings" namespace, beside the custom fields (customfields/urls.py) and the editable lists
(taxonomy/urls.py), which each app mounts itself (``web/urls.py``)."""

from django.urls import path

from rubrica.accounts import twofactor_views, views

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
    path("roles/", views.role_list, name="roles"),
    path("roles/new/", views.role_create, name="role_create"),
    path("roles/<int:pk>/", views.role_edit, name="role_edit"),
    path("roles/<int:pk>/delete/", views.role_delete, name="role_delete"),
    path("tokens/", views.token_list, name="tokens"),
    path("tokens/new/", views.token_create, name="token_create"),
    path("tokens/<int:pk>/revoke/", views.token_revoke, name="token_revoke"),
    path("personal/", views.personal, name="personal"),
    path("team/", views.team_settings, name="team_settings"),
    path("password/", views.PasswordChangeView.as_view(), name="password_change"),
    # Second factor, passkeys and app passwords (ADR 0029).
    *twofactor_views.urlpatterns,
]
