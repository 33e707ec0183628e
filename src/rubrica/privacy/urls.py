from django.urls import path

from rubrica.privacy import views

app_name = "privacy"

urlpatterns = [
    path("", views.privacy_home, name="home"),
    path("consent-rule/", views.consent_rule, name="consent_rule"),
    path("purposes/", views.purpose_create, name="purpose_create"),
    path("purposes/<int:pk>/delete/", views.purpose_delete, name="purpose_delete"),
    path("rules/", views.rule_create, name="rule_create"),
    path("rules/<int:pk>/preview/", views.rule_preview, name="rule_preview"),
    path("rules/<int:pk>/active/", views.rule_activate, name="rule_activate"),
    path("rules/<int:pk>/delete/", views.rule_delete, name="rule_delete"),
    path("people/<int:pk>/consent/", views.consent_update, name="consent"),
    path("people/<int:pk>/export/", views.person_export_view, name="export"),
    path("people/<int:pk>/optin/", views.optin_send, name="optin_send"),
    path("confirm/<str:token>/", views.optin, name="optin"),
    path("people/<int:pk>/erase/", views.erase, name="erase"),
]
