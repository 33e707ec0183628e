from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "rubrica.web"
    label = "rubrica_web"
