from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "rubrica.core"
    label = "core"
