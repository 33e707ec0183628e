from django.apps import AppConfig


class CliConfig(AppConfig):
    name = "rubrica.cli"
    label = "rubrica_cli"
