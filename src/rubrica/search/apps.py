from django.apps import AppConfig


class SearchConfig(AppConfig):
    name = "rubrica.search"
    label = "search"
