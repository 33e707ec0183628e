from django.apps import AppConfig


class JobsConfig(AppConfig):
    name = "rubrica.jobs"
    label = "jobs"
