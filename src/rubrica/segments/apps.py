from django.apps import AppConfig


class SegmentsConfig(AppConfig):
    name = "rubrica.segments"
    label = "segments"
