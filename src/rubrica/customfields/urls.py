"""The custom-field settings pages. The door mounts them at settings/fields/ inside the
"settings" namespace (``web/urls.py``), so their names are ``settings:fields``..."""

from django.urls import path

from rubrica.customfields import views

urlpatterns = [
    path("", views.definition_list, name="fields"),
    path("protected/", views.protected_fields, name="protected_fields"),
    path("<str:entity>/new/", views.definition_edit, name="field_create"),
    path("<int:pk>/", views.definition_edit, name="field_edit"),
    path("<int:pk>/delete/", views.definition_confirm_delete, name="field_delete"),
]
