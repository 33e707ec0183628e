from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "rubrica.api"
    label = "rubrica_api"
