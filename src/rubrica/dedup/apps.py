from django.apps import AppConfig


class DedupConfig(AppConfig):
    name = "rubrica.dedup"
    label = "dedup"
