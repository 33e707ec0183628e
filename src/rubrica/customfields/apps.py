from django.apps import AppConfig


class CustomFieldsConfig(AppConfig):
    name = "rubrica.customfields"
    label = "customfields"
