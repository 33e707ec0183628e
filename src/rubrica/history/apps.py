from django.apps import AppConfig


class HistoryConfig(AppConfig):
    name = "rubrica.history"
    label = "history"
