from django.apps import AppConfig


class OrganizationsConfig(AppConfig):
    name = "rubrica.organizations"
    label = "organizations"
