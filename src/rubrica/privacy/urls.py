from django.urls import path

from rubrica.privacy import views

app_name = "privacy"

urlpatterns = [
    path("", views.privacy_home, name="home"),
    path("consent-rule/", views.consent_rule, name="consent_rule"),
    path("rules/", views.rule_create, name="rule_create"),
    path("rules/<int:pk>/preview/", views.rule_preview, name="rule_preview"),
    path("rules/<int:pk>/active/", views.rule_activate, name="rule_activate"),
    path("rules/<int:pk>/delete/", views.rule_delete, name="rule_delete"),
    path("people/<int:pk>/consent/", views.consent_update, name="consent"),
    path("people/<int:pk>/export/", views.person_export_view, name="export"),
    path("people/<int:pk>/erase/", views.erase, name="erase"),
]
