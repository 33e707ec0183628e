from django.apps import AppConfig


class MergesConfig(AppConfig):
    name = "rubrica.merges"
    label = "merges"
