from django.apps import AppConfig


class DataioConfig(AppConfig):
    name = "rubrica.dataio"
    label = "dataio"
