from django.apps import AppConfig


class QualityConfig(AppConfig):
    name = "rubrica.quality"
    label = "quality"
